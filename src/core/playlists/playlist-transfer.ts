import { Invalid } from '../errors.js';
import { uri } from '../ids.js';
import { foldText } from '../search/normalize.js';
import type { ExportPlaylist, ImportEntry, ImportedPlaylist } from './formats/entry.js';
import { parseM3u8, writeM3u8 } from './formats/m3u8.js';
import { parseXspf, writeXspf } from './formats/xspf.js';
import { MAX_NAME, type PlaylistService } from './playlist-service.js';
import type { MatchCandidate, Playlist, PlaylistRepository } from './repository.js';
import {
  type EditRequest,
  type EditResult,
  type ItemEdit,
  MAX_PLAYLIST_TRACKS,
  MAX_TRACKS_PER_REQUEST,
} from './types.js';

export type PlaylistFormat = 'm3u8' | 'xspf';
export const PLAYLIST_FORMATS: readonly PlaylistFormat[] = ['m3u8', 'xspf'];

export interface Unmatched {
  /** 1-based line of the file where the entry starts. */
  line: number;
  /** The entry as the file names it ("Artist - Title", or its location). */
  entry: string;
  reason: string;
}

export interface ImportReport {
  playlist: Playlist;
  matched: number;
  unmatched: Unmatched[];
}

type Match = { id: string } | { reason: string };

/** The one writer of playlist items (the PlaylistEditor): imports add their tracks through it too. */
export interface ItemWriter {
  edit(request: EditRequest): Promise<EditResult>;
}

/** Case, accents and punctuation folded away: "Beyoncé — Halo!" and "beyonce halo" compare equal. */
export function matchKey(s: string): string {
  return foldText(s).replace(/[^\p{L}\p{N}]+/gu, '');
}

/** A track id named by a cadenza uri or a link to this or any Cadenza server's track page or API. */
export function linkedTrackId(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const m = /(?:cadenza:track:|\/tracks?\/)([0-9A-Za-z]{22})(?![0-9A-Za-z])/.exec(value);
  return m?.[1];
}

const ARTIST_SEPARATORS = /\s*(?:,|;|&|\/|\bfeat\.?|\bft\.?|\bfeaturing\b)\s*/i;

function artistMatches(named: string, track: MatchCandidate): boolean {
  if (matchKey(named) === matchKey(track.artists.join(' '))) return true;
  const keys = new Set(track.artists.map(matchKey));
  const parts = named.split(ARTIST_SEPARATORS).map(matchKey).filter(Boolean);
  return parts.length > 0 && parts.every((p) => keys.has(p));
}

function describe(e: ImportEntry): string {
  if (e.title) return e.artist ? `${e.artist} - ${e.title}` : e.title;
  return e.location ?? e.identifier ?? '';
}

/**
 * Playlists to and from M3U8 and XSPF. Import matches each entry to the catalogue: a cadenza uri or
 * track link first, then title and artist compared without case, accents or punctuation; what cannot
 * be matched is reported by line, never guessed.
 */
export class PlaylistTransfer {
  constructor(
    private readonly playlists: PlaylistService,
    private readonly repo: PlaylistRepository,
    private readonly items: ItemWriter,
  ) {}

  /** The whole playlist in `format`; tracks no longer available are left out. */
  async export(
    userId: string,
    id: string,
    format: PlaylistFormat,
    trackUrl: (trackId: string) => string,
  ): Promise<{ name: string; body: string }> {
    const playlist = await this.playlists.get(userId, id);
    const file: ExportPlaylist = {
      name: playlist.name,
      description: playlist.description,
      creator: playlist.owner.displayName,
      entries: [],
    };
    for (let offset = 0; ; offset += 500) {
      const page = await this.playlists.entries(id, 500, offset);
      for (const { track } of page.items) {
        if (!track) continue;
        file.entries.push({
          title: track.name,
          artists: track.artists.map((a) => a.name),
          album: track.album.name,
          durationMs: track.durationMs,
          location: trackUrl(track.id),
          identifier: uri('track', track.id),
        });
      }
      if (offset + 500 >= page.total) break;
    }
    return { name: playlist.name, body: format === 'm3u8' ? writeM3u8(file) : writeXspf(file) };
  }

  parse(format: PlaylistFormat, text: string): ImportedPlaylist {
    if (format === 'm3u8') return parseM3u8(text);
    try {
      return parseXspf(text);
    } catch (err) {
      throw new Invalid((err as Error).message, 'body');
    }
  }

  async import(userId: string, format: PlaylistFormat, text: string, name?: string): Promise<ImportReport> {
    const file = this.parse(format, text);
    if (file.entries.length === 0) throw new Invalid(`the ${format} file lists no tracks`, 'body');
    if (file.entries.length > MAX_PLAYLIST_TRACKS) {
      throw new Invalid(`a playlist holds at most ${MAX_PLAYLIST_TRACKS} tracks`, 'body');
    }
    const matches = await this.match(file.entries);
    const unmatched: Unmatched[] = [];
    const trackIds: string[] = [];
    matches.forEach((m, i) => {
      const entry = file.entries[i]!;
      if ('reason' in m) unmatched.push({ line: entry.line, entry: describe(entry), reason: m.reason });
      else trackIds.push(m.id);
    });
    const playlist = await this.playlists.create(userId, userId, {
      // A file's own title may be longer than a name may be; a name given in the request may not.
      name: name ?? (file.title?.trim().slice(0, MAX_NAME) || 'Imported playlist'),
    });
    // One request of several adds, each within the per-request limit: the import lands all at once.
    const edits: ItemEdit[] = [];
    for (let i = 0; i < trackIds.length; i += MAX_TRACKS_PER_REQUEST) {
      edits.push({ type: 'add', trackIds: trackIds.slice(i, i + MAX_TRACKS_PER_REQUEST) });
    }
    if (edits.length > 0) await this.items.edit({ playlistId: playlist.id, userId, edits });
    return { playlist: (await this.repo.byId(playlist.id))!, matched: trackIds.length, unmatched };
  }

  /** One track per entry, or why the entry matches nothing (or too much). */
  private async match(entries: ImportEntry[]): Promise<Match[]> {
    const linked = entries.map((e) => linkedTrackId(e.identifier) ?? linkedTrackId(e.location));
    const visible = await this.repo.visibleTracks([...new Set(linked.filter((x): x is string => !!x))]);
    const titles = entries.filter((e, i) => !(linked[i] && visible.has(linked[i])) && e.title).map((e) => e.title!);
    const byTitle = new Map<string, MatchCandidate[]>();
    for (const c of titles.length ? await this.repo.matchCandidates(titles) : []) {
      const key = matchKey(c.name);
      byTitle.set(key, [...(byTitle.get(key) ?? []), c]);
    }
    return entries.map((e, i) => {
      const id = linked[i];
      if (id && visible.has(id)) return { id };
      if (!e.title) return { reason: id ? `unknown track cadenza:track:${id}` : 'no title and no cadenza track link' };
      const sameTitle = byTitle.get(matchKey(e.title)) ?? [];
      const candidates = e.artist ? sameTitle.filter((c) => artistMatches(e.artist!, c)) : sameTitle;
      if (candidates.length === 0) {
        return { reason: e.artist ? `no track "${e.title}" by "${e.artist}"` : `no track titled "${e.title}"` };
      }
      const onAlbum = e.album ? candidates.filter((c) => matchKey(c.album) === matchKey(e.album!)) : [];
      if (onAlbum.length > 0) return { id: onAlbum[0]!.id };
      // Without an artist a common title is a guess: refuse it rather than add the wrong song.
      if (!e.artist && new Set(candidates.map((c) => matchKey(c.artists.join(' ')))).size > 1) {
        return { reason: `several artists have a track titled "${e.title}"; name the artist` };
      }
      return { id: candidates[0]!.id };
    });
  }
}

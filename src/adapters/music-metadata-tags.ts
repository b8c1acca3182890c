import type { IAudioMetadata, ILyricsTag } from 'music-metadata';
import { MediaError } from '../core/errors.js';
import {
  type AudioHeader,
  type AudioTags,
  type MusicBrainzIds,
  NO_TEXT_TAGS,
  type ReplayGain,
  type TagReader,
} from '../ports/tags.js';
import { BlockFile } from './block-file.js';
import { parseAudio } from './music-metadata-header.js';

/** Tag values are user data: cap their length so a 10 MB "title" cannot reach the catalog. */
const MAX_TEXT = 500;
const MAX_LYRICS = 64 * 1024;

function text(value: string | undefined | null): string | undefined {
  const t = value?.replace(/\0/g, '').trim();
  return t ? t.slice(0, MAX_TEXT) : undefined;
}

function releaseDate(date: string | undefined, year: number | undefined): string | undefined {
  const m = date && /^(\d{4})(-\d{2})?(-\d{2})?/.exec(date.trim());
  if (m) return m[0];
  return year && year > 0 && year < 10000 ? String(year).padStart(4, '0') : undefined;
}

/** Every native tag of every tag format in the file, with its id reduced to the field name. */
function nativeTags(meta: IAudioMetadata): { key: string; value: unknown }[] {
  return Object.values(meta.native)
    .flat()
    .map((tag) => ({ key: tag.id.replace(/\0/g, '').split(':').pop()!.toUpperCase(), value: tag.value }));
}

/**
 * ID3v2.3 separates several artists with "/", so music-metadata reads "AC/DC" as "AC" and "DC".
 * Slashes inside names are far more common than slash-separated lists: keep the frame whole unless
 * the tagger used the (non-standard) NUL separator, which music-metadata warns about.
 */
function id3v23Whole(meta: IAudioMetadata, frames: string[], parsed: string[]): string[] {
  const id3 = meta.native['ID3v2.3'] ?? meta.native['ID3v2.2'];
  if (!id3 || parsed.length < 2) return parsed;
  if (
    meta.quality.warnings.some((w) => /null-separator/.test(w.message) && frames.some((f) => w.message.includes(f)))
  ) {
    return parsed;
  }
  const values = id3.filter((t) => frames.includes(t.id)).map((t) => String(t.value));
  return values.length === parsed.length && values.every((v, i) => v === parsed[i]) ? [values.join('/')] : parsed;
}

function number(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : Number.parseFloat(String(value).replace(/^\s*\+/, ''));
  return Number.isFinite(n) ? n : undefined;
}

/** Track ReplayGain from whichever tag holds it; Opus files carry EBU R128 gain (Q7.8, -23 LUFS) instead. */
function replayGain(meta: IAudioMetadata, native: { key: string; value: unknown }[]): ReplayGain | undefined {
  const find = (key: string) => number(native.find((t) => t.key === key)?.value);
  const peak = meta.common.replaygain_track_peak?.ratio ?? find('REPLAYGAIN_TRACK_PEAK');
  const gain = meta.common.replaygain_track_gain?.dB ?? find('REPLAYGAIN_TRACK_GAIN');
  const r128 = find('R128_TRACK_GAIN');
  const trackGainDb = gain ?? (r128 === undefined ? undefined : r128 / 256 + 5);
  if (trackGainDb === undefined || Math.abs(trackGainDb) > 60) return undefined;
  return { trackGainDb, trackPeak: peak !== undefined && peak > 0 && peak < 100 ? peak : undefined };
}

const MBID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function mbid(value: string | undefined): string | undefined {
  const id = value?.trim().toLowerCase();
  return id && MBID.test(id) ? id : undefined;
}

function mbids(values: string[] | undefined): string[] | undefined {
  const ids = [...new Set((values ?? []).map(mbid).filter((id): id is string => !!id))];
  return ids.length > 0 ? ids : undefined;
}

/** music-metadata's "recordingid" is Picard's MUSICBRAINZ_TRACKID; its "trackid" the release track. */
function musicBrainz(meta: IAudioMetadata): MusicBrainzIds {
  const c = meta.common;
  const ids: MusicBrainzIds = {
    recordingId: mbid(c.musicbrainz_recordingid),
    trackId: mbid(c.musicbrainz_trackid),
    releaseId: mbid(c.musicbrainz_albumid),
    releaseGroupId: mbid(c.musicbrainz_releasegroupid),
    artistIds: mbids(c.musicbrainz_artistid),
    albumArtistIds: mbids(c.musicbrainz_albumartistid),
  };
  return Object.fromEntries(Object.entries(ids).filter(([, v]) => v !== undefined));
}

const LYRICS_KEYS = new Set(['USLT', 'LYRICS', 'UNSYNCEDLYRICS', 'UNSYNCED LYRICS', '©LYR', 'WM/LYRICS', 'ULT']);

function lrcTime(ms: number): string {
  const m = Math.floor(ms / 60000);
  const s = (ms % 60000) / 1000;
  return `[${String(m).padStart(2, '0')}:${s.toFixed(2).padStart(5, '0')}]`;
}

/**
 * Embedded lyrics as the tag holds them: the raw text (LRC timestamps kept) from the first lyrics tag,
 * else synchronised lyrics (ID3 SYLT) written out as LRC.
 */
function lyrics(meta: IAudioMetadata, native: { key: string; value: unknown }[]): string | undefined {
  for (const { key, value } of native) {
    if (!LYRICS_KEYS.has(key)) continue;
    const raw = typeof value === 'string' ? value : (value as { text?: unknown } | null)?.text;
    const lyricsText = typeof raw === 'string' ? raw.replace(/\0/g, '').trim() : '';
    if (lyricsText) return lyricsText.slice(0, MAX_LYRICS);
  }
  const synced = (meta.common.lyrics ?? []).find((l: ILyricsTag) => (l.syncText?.length ?? 0) > 0);
  if (!synced) return undefined;
  const lines = synced.syncText.map((line) => `${lrcTime(line.timestamp ?? 0)}${line.text}`);
  return lines.join('\n').slice(0, MAX_LYRICS) || undefined;
}

/** The catalog's view of music-metadata's tags. */
function tagsOf(meta: IAudioMetadata, header: AudioHeader): AudioTags {
  const c = meta.common;
  const native = nativeTags(meta);
  const artists = id3v23Whole(meta, ['TPE1', 'TP1'], c.artists?.length ? c.artists : c.artist ? [c.artist] : [])
    .map(text)
    .filter((a): a is string => !!a);
  const albumArtists = id3v23Whole(meta, ['TPE2', 'TP2'], c.albumartists ?? []);
  const advisory = native.find((t) => /^(ITUNESADVISORY|RTNG|EXPLICIT)$/.test(t.key));
  const picture = c.picture?.[0];
  return {
    title: text(c.title),
    artists: [...new Set(artists)].slice(0, 20),
    albumArtist: text(albumArtists.length === 1 ? albumArtists[0] : c.albumartist),
    album: text(c.album),
    trackNumber: c.track.no && c.track.no > 0 ? c.track.no : undefined,
    discNumber: c.disk.no && c.disk.no > 0 ? c.disk.no : undefined,
    releaseDate: releaseDate(c.date ?? c.originaldate, c.year),
    genres: (c.genre ?? [])
      .map(text)
      .filter((g): g is string => !!g)
      .slice(0, 10),
    compilation: c.compilation === true,
    isrc: text(c.isrc?.[0])?.slice(0, 15),
    label: text(c.label?.[0]),
    explicit: advisory ? String(advisory.value) === '1' || String(advisory.value).toLowerCase() === 'explicit' : false,
    picture: picture ? { data: Buffer.from(picture.data), mimeType: picture.format } : undefined,
    header,
    replayGain: replayGain(meta, native),
    musicBrainz: musicBrainz(meta),
    lyrics: lyrics(meta, native),
  };
}

/**
 * Reads tags and the audio header in-process with music-metadata: the file's first and last blocks
 * (ID3v1/APE tags), a few more for some formats, never a decode. About 1.5-3 ms of CPU per file on a
 * busy 2-core machine, against 175 ms for one ffprobe (bench/tag-read.ts).
 */
export class MusicMetadataTags implements TagReader {
  async read(path: string, options: { covers: boolean }): Promise<AudioTags> {
    let file: BlockFile;
    try {
      file = await BlockFile.open(path);
    } catch (err) {
      throw new MediaError(
        `the file could not be opened: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
    try {
      const parsed = await parseAudio(path, file, { duration: false, skipCovers: !options.covers });
      if (parsed.failure) throw new MediaError(`not a readable audio file: ${parsed.failure}`);
      return parsed.meta ? tagsOf(parsed.meta, parsed.header) : { ...NO_TEXT_TAGS, header: parsed.header };
    } catch (err) {
      throw err instanceof MediaError
        ? err
        : new MediaError(`the audio header could not be read: ${(err as Error).message}`);
    } finally {
      await file.close();
    }
  }
}

import type { CatalogService } from '../catalog/catalog-service.js';
import type { Page, Track } from '../catalog/types.js';
import { Invalid, NotFound } from '../errors.js';
import { isId } from '../ids.js';
import type { PlaylistService } from '../playlists/playlist-service.js';
import { MAX_QUEUE } from './types.js';

/**
 * What `PUT /v1/me/player/play` may name, turned into track ids in play order: a context (album,
 * playlist, an artist's top tracks) or a list of track uris. Uris are `cadenza:` or `spotify:`.
 */

export type ContextType = 'album' | 'playlist' | 'artist';
const CONTEXT_TYPES: readonly string[] = ['album', 'playlist', 'artist'];

export interface ContextSources {
  catalog: Pick<CatalogService, 'album' | 'albumTracks' | 'artistTopTracks' | 'tracks'>;
  playlists: Pick<PlaylistService, 'items'>;
}

/** `{type, id}` of a `cadenza:<type>:<id>` or `spotify:<type>:<id>` uri, or an Invalid naming `field`. */
export function parseUri(uri: string, field: string): { type: string; id: string } {
  const m = /^(?:cadenza|spotify):([a-z]+):([^:]+)$/.exec(uri);
  if (!m || !isId(m[2]!)) throw new Invalid(`${field} must be a uri like cadenza:track:<id> (got "${uri}")`, field);
  return { type: m[1]!, id: m[2]! };
}

export function trackIdOf(uri: string, field: string): string {
  const { type, id } = parseUri(uri, field);
  if (type !== 'track') throw new Invalid(`${field} must be a track uri (got "${uri}")`, field);
  return id;
}

/** Reads pages until `total` or MAX_QUEUE items. */
async function allPages<T>(read: (limit: number, offset: number) => Promise<Page<T>>, pageSize: number) {
  const out: T[] = [];
  for (let offset = 0; offset < MAX_QUEUE; offset += pageSize) {
    const page = await read(Math.min(pageSize, MAX_QUEUE - offset), offset);
    out.push(...page.items);
    if (page.items.length === 0 || offset + page.items.length >= page.total) break;
  }
  return out;
}

export class PlayContexts {
  constructor(private readonly sources: ContextSources) {}

  /** The context's uri as stored (`cadenza:`) and its track ids; 404 when it is unknown or hidden. */
  async context(userId: string, uri: string): Promise<{ uri: string; trackIds: string[] }> {
    const { type, id } = parseUri(uri, 'context_uri');
    if (!CONTEXT_TYPES.includes(type)) {
      throw new Invalid(`context_uri must name an album, a playlist or an artist (got "${uri}")`, 'context_uri');
    }
    const trackIds = await this.trackIdsOf(userId, type as ContextType, id);
    if (trackIds.length === 0) throw new NotFound(`context_uri ${uri} has no playable tracks`, 'context_uri');
    return { uri: `cadenza:${type}:${id}`, trackIds };
  }

  private async trackIdsOf(userId: string, type: ContextType, id: string): Promise<string[]> {
    const { catalog, playlists } = this.sources;
    switch (type) {
      case 'album': {
        const tracks = await allPages<Track>((limit, offset) => catalog.albumTracks(id, limit, offset), 50);
        return tracks.map((t) => t.id);
      }
      case 'playlist': {
        const entries = await allPages((limit, offset) => playlists.items(userId, id, limit, offset), 100);
        return entries.flatMap((e) => (e.track ? [e.track.id] : []));
      }
      case 'artist':
        return (await catalog.artistTopTracks(id)).map((t) => t.id);
    }
  }

  /** Track ids of `uris` (field `uris`), each checked to exist. */
  async tracks(uris: string[]): Promise<string[]> {
    if (uris.length > MAX_QUEUE) throw new Invalid(`uris may list at most ${MAX_QUEUE} tracks`, 'uris');
    const ids = uris.map((u, i) => trackIdOf(u, `uris.${i}`));
    await this.requireTracks(ids, 'uris');
    return ids;
  }

  /** Throws NotFound naming `field` unless every id is a track the listener may play. */
  async requireTracks(ids: string[], field: string): Promise<void> {
    for (let i = 0; i < ids.length; i += 50) {
      const chunk = ids.slice(i, i + 50);
      const found = await this.sources.catalog.tracks(chunk);
      const missing = found.indexOf(null);
      if (missing >= 0) throw new NotFound(`${field}: track ${chunk[missing]} not found`, field);
    }
  }
}

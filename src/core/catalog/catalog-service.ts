import { Invalid, NotFound } from '../errors.js';
import { requireId } from '../ids.js';
import { isAvailableIn } from '../markets.js';
import type { Album, AlbumSummary, AlbumType, Artist, CatalogRepository, Page, Track } from './types.js';

export const ALBUM_TYPES: readonly AlbumType[] = ['album', 'single', 'compilation'];

/**
 * Catalog reads for listeners. Unknown ids and ids the caller may not see (drafts, tracks still
 * processing, not in the caller's market) answer the same NotFound, so ids cannot be probed.
 */
export class CatalogService {
  constructor(private readonly repo: CatalogRepository) {}

  async track(id: string, market?: string): Promise<Track> {
    const [track] = await this.repo.tracks([requireId(id, 'id')]);
    if (!track || (market && !isAvailableIn(track.availableMarkets, market))) throw new NotFound('track not found');
    return track;
  }

  /** Spotify's several-tracks read: up to 50 ids, unknown ones come back as null in their place. */
  async tracks(ids: string[], market?: string): Promise<(Track | null)[]> {
    if (ids.length === 0 || ids.length > 50) throw new Invalid('ids must list 1 to 50 track ids', 'ids');
    for (const id of ids) requireId(id, 'ids');
    const found = new Map((await this.repo.tracks(ids)).map((t) => [t.id, t]));
    return ids.map((id) => {
      const t = found.get(id);
      return t && (!market || isAvailableIn(t.availableMarkets, market)) ? t : null;
    });
  }

  async album(id: string): Promise<Album> {
    const album = await this.repo.album(requireId(id, 'id'));
    if (!album) throw new NotFound('album not found');
    return album;
  }

  async albumTracks(id: string, limit: number, offset: number): Promise<Page<Track>> {
    await this.album(id);
    return this.repo.albumTracks(id, limit, offset);
  }

  async artist(id: string): Promise<Artist> {
    const artist = await this.repo.artist(requireId(id, 'id'));
    if (!artist) throw new NotFound('artist not found');
    return artist;
  }

  async artists(ids: string[]): Promise<(Artist | null)[]> {
    if (ids.length === 0 || ids.length > 50) throw new Invalid('ids must list 1 to 50 artist ids', 'ids');
    for (const id of ids) requireId(id, 'ids');
    const found = new Map((await this.repo.artists(ids)).map((a) => [a.id, a]));
    return ids.map((id) => found.get(id) ?? null);
  }

  async artistAlbums(
    id: string,
    groups: string | undefined,
    limit: number,
    offset: number,
    market?: string,
  ): Promise<Page<AlbumSummary>> {
    await this.artist(id);
    let types: AlbumType[] = [...ALBUM_TYPES];
    if (groups) {
      const asked = groups.split(',').map((g) => g.trim());
      const known = new Set<string>([...ALBUM_TYPES, 'appears_on']);
      const bad = asked.find((g) => !known.has(g));
      if (bad) throw new Invalid(`include_groups has unknown group "${bad}"`, 'include_groups');
      types = asked.filter((g): g is AlbumType => ALBUM_TYPES.includes(g as AlbumType));
    }
    return this.repo.artistAlbums(id, types, limit, offset, market);
  }

  async artistTopTracks(id: string, market?: string): Promise<Track[]> {
    await this.artist(id);
    const tracks = await this.repo.artistTopTracks(id, 50);
    return tracks.filter((t) => !market || isAvailableIn(t.availableMarkets, market)).slice(0, 10);
  }

  newReleases(limit: number, offset: number, market?: string): Promise<Page<AlbumSummary>> {
    return this.repo.newestAlbums(limit, offset, market);
  }
}

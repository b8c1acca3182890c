import type { CatalogRepository, Page } from '../catalog/types.js';
import { NotFound } from '../errors.js';
import { firstMissing, idList } from './id-list.js';
import type { LibraryRepository, SavedAlbum, SavedKind, SavedTrack } from './types.js';

/** How many of a saved album's tracks come embedded in it, as on `GET /v1/albums/{id}`. */
export const SAVED_ALBUM_TRACKS = 50;

/**
 * The listener's library: saved tracks and albums. Only what the catalog shows can be saved (a
 * draft album's tracks are unknown ids to everyone here); a request naming an unknown id saves
 * nothing, so a client never has to work out which half of its request took effect.
 */
export class LibraryService {
  constructor(
    private readonly repo: LibraryRepository,
    private readonly catalog: CatalogRepository,
  ) {}

  async save(userId: string, kind: SavedKind, ids: readonly string[]): Promise<void> {
    const list = [...new Set(idList(ids))];
    const found =
      kind === 'track'
        ? (await this.catalog.tracks(list)).map((t) => t.id)
        : (await this.catalog.albums(list)).map((a) => a.id);
    const missing = firstMissing(list, found);
    if (missing) throw new NotFound(`${kind} ${missing} not found`, 'ids');
    await this.repo.save(userId, kind, list);
  }

  /** Removing an id that is not saved is not an error, as in Spotify's API. */
  async remove(userId: string, kind: SavedKind, ids: readonly string[]): Promise<void> {
    await this.repo.remove(userId, kind, [...new Set(idList(ids))]);
  }

  async contains(userId: string, kind: SavedKind, ids: readonly string[]): Promise<boolean[]> {
    const list = idList(ids);
    const saved = await this.repo.saved(userId, kind, [...new Set(list)]);
    return list.map((id) => saved.has(id));
  }

  async tracks(userId: string, limit: number, offset: number): Promise<Page<SavedTrack>> {
    const page = await this.repo.page(userId, 'track', limit, offset);
    const tracks = new Map((await this.catalog.tracks(page.items.map((s) => s.id))).map((t) => [t.id, t]));
    return {
      total: page.total,
      items: page.items.flatMap((s) => {
        const track = tracks.get(s.id);
        return track ? [{ addedAt: s.addedAt, track }] : [];
      }),
    };
  }

  async albums(userId: string, limit: number, offset: number): Promise<Page<SavedAlbum>> {
    const page = await this.repo.page(userId, 'album', limit, offset);
    const ids = page.items.map((s) => s.id);
    const [albums, tracks] = await Promise.all([
      this.catalog.albums(ids),
      this.catalog.firstTracksOfAlbums(ids, SAVED_ALBUM_TRACKS),
    ]);
    const byId = new Map(albums.map((a) => [a.id, a]));
    return {
      total: page.total,
      items: page.items.flatMap((s) => {
        const album = byId.get(s.id);
        return album ? [{ addedAt: s.addedAt, album, tracks: tracks.get(s.id) ?? { items: [], total: 0 } }] : [];
      }),
    };
  }
}

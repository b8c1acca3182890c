import { NotFound } from '../errors.js';
import type { AlbumSummary, Artist, CatalogRepository, Page, Track } from './types.js';

export interface Category {
  id: string;
  name: string;
  imageKey: string | null;
  albums: number;
  /** Every tag spelling that folds to this category ("Hip Hop", "hip-hop"). */
  genres: string[];
}

/** "Hip Hop", "hip-hop" and "HIP HOP" are one category: `hip-hop`. Letters of any script are kept. */
export function categoryId(genre: string): string {
  return genre
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * Browse: categories are the genres found in the tags of published albums, most common first; a
 * category's page lists its popular tracks, albums and artists.
 */
export class BrowseService {
  constructor(private readonly repo: CatalogRepository) {}

  async categories(): Promise<Category[]> {
    const byId = new Map<string, Category>();
    for (const genre of await this.repo.genres()) {
      const id = categoryId(genre.name);
      if (!id) continue;
      const category = byId.get(id);
      if (category) {
        category.albums += genre.albums;
        category.genres.push(genre.name);
        category.imageKey ??= genre.imageKey;
      } else {
        byId.set(id, { id, name: genre.name, imageKey: genre.imageKey, albums: genre.albums, genres: [genre.name] });
      }
    }
    return [...byId.values()].sort((a, b) => b.albums - a.albums || a.name.localeCompare(b.name));
  }

  async category(id: string): Promise<Category> {
    const category = (await this.categories()).find((c) => c.id === id);
    if (!category) throw new NotFound('category not found');
    return category;
  }

  async categoryAlbums(id: string, limit: number, offset: number): Promise<Page<AlbumSummary>> {
    return this.repo.genreAlbums((await this.category(id)).genres, limit, offset);
  }

  async genrePage(
    id: string,
  ): Promise<{ category: Category; tracks: Track[]; albums: Page<AlbumSummary>; artists: Artist[] }> {
    const category = await this.category(id);
    const [tracks, albums, artists] = await Promise.all([
      this.repo.genreTracks(category.genres, 10),
      this.repo.genreAlbums(category.genres, 20, 0),
      this.repo.genreArtists(category.genres, 10),
    ]);
    return { category, tracks, albums, artists };
  }
}

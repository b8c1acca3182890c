/** Made-up search documents for the index's tests. */
import type { MemorySearchIndex } from '../../src/adapters/memory-search/index.js';
import type { SearchDoc, SearchRequest } from '../../src/ports/search-index.js';

export const NOW = Date.UTC(2025, 5, 1);

export function track(id: string, name: string, artist: string, popularity = 50): SearchDoc {
  return {
    type: 'track',
    id,
    name,
    artists: [artist],
    album: null,
    genres: [],
    releaseDate: '2010-01-01',
    popularity,
    markets: null,
  };
}

/** A seeded catalogue of made-up tracks with overlapping words. */
export function catalogue(n: number, seed: number, prefix = 't'): SearchDoc[] {
  const words = ['love', 'night', 'blue', 'moon', 'fire', 'dance', 'heart', 'summer', 'river', 'gold', 'wild'];
  let state = seed;
  const next = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
  const pick = () => words[Math.floor(next() * words.length)]!;
  return Array.from({ length: n }, (_, i) =>
    track(
      `${prefix}${i}`,
      `${pick()} ${pick()} ${i % 7 === 0 ? pick() : ''}`.trim(),
      `Band ${pick()} ${i % 50}`,
      Math.floor(next() * 101),
    ),
  );
}

/** The ids of the tracks a search finds (full search, 50 at most, unless options say otherwise). */
export function ids(index: MemorySearchIndex, text: string, options: Partial<SearchRequest> = {}): string[] {
  const r = index.search({
    text,
    filters: {},
    types: ['track'],
    limit: 50,
    offset: 0,
    prefix: false,
    now: NOW,
    ...options,
  });
  return r.track!.items.map((h) => h.id);
}

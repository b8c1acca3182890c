/**
 * The search index port. The embedded build keeps an in-memory index in each API process, loaded from
 * the database at start-up and kept current from the catalog change stream; other implementations
 * (a sharded service, say) can sit behind the same interface.
 */

export const SEARCH_TYPES = ['track', 'artist', 'album', 'playlist', 'show', 'episode', 'audiobook'] as const;
export type SearchType = (typeof SEARCH_TYPES)[number];

/** One searchable entity, flattened. Every type uses the same shape; fields a type lacks stay empty. */
export interface SearchDoc {
  type: SearchType;
  /** The catalog id (22-character base62). */
  id: string;
  /** Title of the track, album, playlist, show …, or the artist's name. */
  name: string;
  /** Credited people: a track's or album's artists, a playlist's owner, a show's publisher. */
  artists: string[];
  /** A track's album name. */
  album: string | null;
  genres: string[];
  /** "YYYY", "YYYY-MM" or "YYYY-MM-DD". */
  releaseDate: string | null;
  /** 0..100. */
  popularity: number;
  /** ISO 3166-1 alpha-2 codes where the item may be played; null means everywhere. */
  markets: string[] | null;
}

/** Field filters from the query syntax (`artist:adele year:2010-2015 tag:new`). */
export interface SearchFilters {
  artist?: string;
  album?: string;
  track?: string;
  genre?: string;
  yearFrom?: number;
  yearTo?: number;
  /** Albums (and their tracks) released in the last two weeks. */
  tagNew?: boolean;
}

export interface SearchRequest {
  /** Free text left once the filters are taken out; may be empty when filters are given. */
  text: string;
  filters: SearchFilters;
  types: SearchType[];
  limit: number;
  offset: number;
  /** Items not available in this market are left out. */
  market?: string;
  /** Typeahead: the last word is still being typed. */
  prefix: boolean;
  /**
   * Full search: whether every word may stand for a longer one it begins ("bohem rhapsody"). Absent: only
   * when the query finds nothing otherwise, in any of its types (the index asks again itself).
   */
  cutShort?: boolean;
  /** The listener's affinity for items, 0..1 by type and id (saved, played often); absent means none known. */
  affinity?: AffinityScores;
  /** UTC milliseconds, for freshness. */
  now: number;
}

/**
 * A listener's affinities as data (not a callback), so a request can be sent to a search worker thread:
 * per type, the items with an affinity above 0. Items not listed have none.
 */
export type AffinityScores = Partial<Record<SearchType, ReadonlyMap<string, number>>>;

export interface SearchHit {
  id: string;
  score: number;
}

export type SearchResults = Partial<Record<SearchType, { items: SearchHit[]; total: number }>>;

export interface SearchIndex {
  /** Replaces the whole content (start-up load): the fast bulk path. */
  load(docs: SearchDoc[]): void;
  /** Adds or replaces documents (same type and id replaces). */
  upsert(docs: SearchDoc[]): void;
  remove(type: SearchType, ids: string[]): void;
  /**
   * Results for each requested type, best first: at once from an index in this thread, or later from
   * one answering on worker threads (memory-search/pool.ts).
   */
  search(request: SearchRequest): SearchResults | Promise<SearchResults>;
  count(type: SearchType): number;
  /** Releases what the index runs beside the caller (a merge worker); searches are not to follow. */
  close?(): Promise<void>;
}

/** The ranking weights, from configuration (see src/core/search/ranking.ts for the formula). */
export interface RankingWeights {
  text: number;
  popularity: number;
  affinity: number;
  freshness: number;
}

import type { SearchDoc } from '../../ports/search-index.js';

export type CatalogKind = 'track' | 'album' | 'artist' | 'playlist';

export interface CatalogChange {
  kind: CatalogKind;
  id: string;
}

/** Reads searchable documents of what listeners may see; anything else is simply not returned. */
export interface SearchDocSource {
  all(): Promise<SearchDoc[]>;
  tracks(ids: string[]): Promise<SearchDoc[]>;
  albums(ids: string[]): Promise<SearchDoc[]>;
  artists(ids: string[]): Promise<SearchDoc[]>;
  /** Public playlists: their name, their owner's name, popularity from their followers. */
  playlists(ids: string[]): Promise<SearchDoc[]>;
  /**
   * Ids whose documents depend on the changed entities (an album's tracks, an artist's albums …); a
   * playlist's document depends on nothing else in the catalog.
   */
  dependents(changes: CatalogChange[]): Promise<{ tracks: string[]; albums: string[]; artists: string[] }>;
}

/** The catalog change stream: PostgreSQL LISTEN/NOTIFY embedded, a durable stream at scale. */
export interface CatalogChanges {
  /**
   * Calls `onChanges` with batches of changed entities, and `onReset` when changes may have been
   * missed (a lost connection): the subscriber must then reload everything. Resolves to a stop function.
   */
  subscribe(onChanges: (changes: CatalogChange[]) => void, onReset: () => void): Promise<() => Promise<void>>;
}

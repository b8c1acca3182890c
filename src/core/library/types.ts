import type { Album, Page, Track } from '../catalog/types.js';

export type SavedKind = 'track' | 'album';

export interface SavedRef {
  id: string;
  addedAt: Date;
}

export interface SavedTrack {
  addedAt: Date;
  track: Track;
}

export interface SavedAlbum {
  addedAt: Date;
  album: Album;
  /** The album's first tracks, as Spotify's saved-album object embeds them. */
  tracks: Page<Track>;
}

/** Persistence of a listener's saved items; implemented in adapters/postgres. */
export interface LibraryRepository {
  /** Saves every id in one statement; ids already saved keep their first `addedAt`. */
  save(userId: string, kind: SavedKind, ids: string[]): Promise<void>;
  remove(userId: string, kind: SavedKind, ids: string[]): Promise<void>;
  /** Which of `ids` the user has saved. */
  saved(userId: string, kind: SavedKind, ids: string[]): Promise<Set<string>>;
  /** Saved items the catalog still shows, newest first, and how many there are. */
  page(userId: string, kind: SavedKind, limit: number, offset: number): Promise<Page<SavedRef>>;
}

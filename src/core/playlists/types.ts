/**
 * Edits of a playlist's items, as clients express them against the version they saw. The same four
 * requests come from the REST routes (Spotify's add / remove / reorder / replace) and from live editors
 * on the gateway; both go through `PlaylistEditor.edit`, which orders, transforms and persists them.
 */
export type ItemEdit =
  /** Insert `trackIds` before position `index` (the list's length, or omitted, appends). */
  | { type: 'add'; index?: number; trackIds: string[] }
  /** Remove every occurrence of each track, or only the occurrences at `positions` when given. */
  | { type: 'remove'; tracks: { trackId: string; positions?: number[] }[] }
  /** Spotify's reorder: move `rangeLength` items from `rangeStart` to before `insertBefore`. */
  | { type: 'move'; rangeStart: number; rangeLength: number; insertBefore: number }
  /** Replace the whole list (PUT /v1/playlists/{id}/tracks with uris). */
  | { type: 'replace'; trackIds: string[] };

export interface EditRequest {
  playlistId: string;
  userId: string;
  /** The version the edit was made against; omitted means "the current one" (no rebase needed). */
  baseVersion?: number;
  edits: ItemEdit[];
}

export interface EditResult {
  version: number;
  snapshotId: string;
}

/** The most tracks a playlist may hold, as on Spotify. */
export const MAX_PLAYLIST_TRACKS = 10_000;
/** The most tracks one request may add or remove, as on Spotify. */
export const MAX_TRACKS_PER_REQUEST = 100;

import type { Album, Artist, Image, Paging, Track } from './types.js';

/** The Spotify-shaped library, playlist and social objects the screens read (only the fields they use). */

export interface UserRef {
  id: string;
  display_name: string | null;
}

export interface PlaylistSummary {
  id: string;
  name: string;
  description: string | null;
  collaborative: boolean;
  public: boolean;
  images: Image[];
  owner: UserRef;
  snapshot_id: string;
  tracks: { total: number };
}

export interface PlaylistItem {
  added_at: string;
  added_by: UserRef | null;
  /** Null when the track is no longer available; it keeps its place. */
  track: Track | null;
}

export interface Playlist extends Omit<PlaylistSummary, 'tracks'> {
  followers: { total: number };
  tracks: Paging<PlaylistItem>;
}

export interface Collaborator {
  added_at: string;
  user: UserRef;
}

export interface SavedTrack {
  added_at: string;
  track: Track;
}

export interface SavedAlbum {
  added_at: string;
  album: Album;
}

export interface CursorPage<T> {
  items: T[];
  total: number;
  next: string | null;
}

export type FollowedArtists = { artists: CursorPage<Artist> };

export interface FriendActivity {
  user: UserRef;
  track: Track;
  is_playing: boolean;
  progress_ms: number;
  /** UTC milliseconds of the report. */
  timestamp: number;
}

export const userName = (u: UserRef | null | undefined) => u?.display_name || u?.id || 'Someone';

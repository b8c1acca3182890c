import type { AlbumType } from '../catalog/types.js';
import type { JobSpec } from '../ingest/types.js';

export interface StudioTrack {
  id: string;
  name: string;
  discNumber: number;
  trackNumber: number;
  durationMs: number;
  explicit: boolean;
  isrc: string | null;
  status: 'processing' | 'ready' | 'failed' | 'retired';
  failureReason: string | null;
  artists: string[];
  job: { state: string; progress: number; attempts: number; lastError: string | null } | null;
}

export interface StudioAlbum {
  id: string;
  ownerUserId: string | null;
  name: string;
  albumType: AlbumType;
  releaseDate: string | null;
  label: string | null;
  upc: string | null;
  status: 'draft' | 'published';
  imageKey: string | null;
  artists: string[];
  tracks: StudioTrack[];
}

export interface AlbumDraft {
  name: string;
  albumType: AlbumType;
  releaseDate: string | null;
  label: string | null;
  upc: string | null;
  /** Names of the album's artists after the account's own profile (featured or co-artists). */
  artists: string[];
  availableMarkets: string[] | null;
}

export interface NewUploadedTrack {
  id: string;
  albumId: string;
  name: string;
  artists: string[];
  explicit: boolean;
  isrc: string | null;
  position: number | null;
}

export interface StudioRepository {
  /** The account's own artist profile, created on first use with `name`. */
  ensureProfile(userId: string, name: string): Promise<string>;
  createAlbum(userId: string, profileId: string, draft: AlbumDraft): Promise<string>;
  album(id: string): Promise<StudioAlbum | undefined>;
  albumsOf(userId: string): Promise<StudioAlbum[]>;
  updateAlbum(id: string, changes: Partial<AlbumDraft>): Promise<void>;
  setAlbumImage(id: string, key: string): Promise<void>;
  setAlbumStatus(id: string, status: 'draft' | 'published'): Promise<void>;
  /** Creates a processing track (appended, or inserted at `position`) and enqueues its ingest job, atomically. */
  addTrack(userId: string, profileId: string, track: NewUploadedTrack, job: JobSpec): Promise<void>;
  /** Sets the album's track order; `trackIds` must be exactly its live tracks. */
  reorder(albumId: string, trackIds: string[]): Promise<void>;
  trackAlbum(trackId: string): Promise<string | undefined>;
  retireTrack(trackId: string): Promise<void>;
}

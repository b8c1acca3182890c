import type { ColumnType, Generated } from 'kysely';

/** Kysely's view of the tables in `src/db/migrations`. */

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface UsersTable {
  id: string;
  username: string;
  display_name: string;
  password_hash: string;
  role: 'listener' | 'artist' | 'admin';
  product: 'free' | 'premium';
  country: string;
  created_at: Timestamp;
}

export interface TokensTable {
  hash: Buffer;
  user_id: string;
  kind: 'access' | 'refresh';
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
  created_at: Timestamp;
  /** Every token descended from one log-in shares it (014). */
  family_id: string;
  /** Set when a refresh token was exchanged for its successors; presenting it again revokes the family. */
  rotated_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface LoginThrottleTable {
  key: string;
  failures: number;
  last_failure_at: Timestamp;
}

export interface ArtistsTable {
  id: string;
  name: string;
  name_key: string;
  owner_user_id: string | null;
  genres: ColumnType<string[], string[] | undefined, string[]>;
  popularity: Generated<number>;
  image_key: string | null;
  created_at: Timestamp;
  /** From the tags of an imported file (018). */
  musicbrainz_artist_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface AlbumsTable {
  id: string;
  name: string;
  name_key: string;
  album_type: 'album' | 'single' | 'compilation';
  release_date: string | null;
  release_date_precision: 'year' | 'month' | 'day' | null;
  label: string | null;
  upc: string | null;
  genres: ColumnType<string[], string[] | undefined, string[]>;
  owner_user_id: string | null;
  status: 'draft' | 'published';
  available_markets: string[] | null;
  image_key: string | null;
  popularity: Generated<number>;
  import_key: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** From the tags of an imported file (018). */
  musicbrainz_release_id: ColumnType<string | null, string | null | undefined, string | null>;
  musicbrainz_release_group_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface AlbumArtistsTable {
  album_id: string;
  artist_id: string;
  position: number;
}

export type TrackStatus = 'processing' | 'ready' | 'failed' | 'retired';

export interface TracksTable {
  id: string;
  album_id: string;
  name: string;
  disc_number: number;
  track_number: number;
  duration_ms: ColumnType<number, number | undefined, number>;
  explicit: boolean;
  isrc: string | null;
  genres: ColumnType<string[], string[] | undefined, string[]>;
  popularity: Generated<number>;
  status: TrackStatus;
  failure_reason: string | null;
  media_version: string | null;
  source_sha256: string | null;
  lossless: boolean;
  loudness_lufs: number | null;
  true_peak_dbtp: number | null;
  normalization_gain_db: number | null;
  /** False while the gain is an estimate (ReplayGain tags, or none) awaiting measurement. */
  loudness_measured: Generated<boolean>;
  available_markets: string[] | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** From the tags of an imported file (018). */
  musicbrainz_recording_id: ColumnType<string | null, string | null | undefined, string | null>;
  musicbrainz_track_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** Embedded lyrics of an imported file, kept for the lyrics service (018). */
  lyrics: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface TrackArtistsTable {
  track_id: string;
  artist_id: string;
  position: number;
}

export interface TrackFilesTable {
  track_id: string;
  quality: string;
  media_version: string;
  mime_type: string;
  bitrate: number;
  /** Null until the rung's object exists (a lazy library's rung not yet made). */
  size: ColumnType<string | null, number | string | null, number | string | null>;
}

export interface LibraryFilesTable {
  path: string;
  size: ColumnType<string, number | string, number | string>;
  mtime_ms: ColumnType<string, number | string, number | string>;
  track_id: string | null;
  failure_reason: string | null;
  updated_at: Timestamp;
  /** The file's folder, derived from its path (018). */
  folder: Generated<string>;
  /** `sourceFingerprint` of the file and its facts as a source, as the importer read them (018). */
  fingerprint: ColumnType<string | null, string | null | undefined, string | null>;
  lossless: ColumnType<boolean | null, boolean | null | undefined, boolean | null>;
  bitrate: ColumnType<number | null, number | null | undefined, number | null>;
  duration_ms: ColumnType<number | null, number | null | undefined, number | null>;
  gain_db: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface JobsTable {
  id: Generated<string>;
  name: string;
  key: string;
  payload: ColumnType<unknown, string, string>;
  state: 'queued' | 'running' | 'done' | 'failed';
  attempts: Generated<number>;
  max_attempts: Generated<number>;
  run_at: Timestamp;
  locked_by: string | null;
  locked_until: Timestamp | null;
  progress: Generated<number>;
  last_error: string | null;
  /** Higher runs first. */
  priority: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface LibrariesTable {
  path: string;
  transcode: 'lazy' | 'eager';
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface PlaylistsTable {
  id: string;
  owner_id: string;
  name: string;
  description: Generated<string>;
  public: Generated<boolean>;
  collaborative: Generated<boolean>;
  image_key: string | null;
  share_token: string | null;
  version: ColumnType<string, number | string | undefined, number | string>;
  /** Bumped by triggers whenever someone may lose read access (migration 015). */
  access_version: Generated<string>;
  track_count: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface PlaylistItemsTable {
  playlist_id: string;
  item_id: string;
  sort_key: string;
  track_id: string;
  added_by: string | null;
  added_at: Timestamp;
}

export interface PlaylistOpsTable {
  playlist_id: string;
  version: ColumnType<string, number | string, number | string>;
  user_id: string | null;
  client_op_id: string | null;
  op: ColumnType<unknown, string, string>;
  created_at: Timestamp;
}

export interface PlaylistCollaboratorsTable {
  playlist_id: string;
  user_id: string;
  added_at: Timestamp;
}

export interface PlaylistFollowsTable {
  playlist_id: string;
  user_id: string;
  public: Generated<boolean>;
  followed_at: Timestamp;
}

export interface SavedTracksTable {
  user_id: string;
  track_id: string;
  added_at: Timestamp;
  seq: Generated<string>;
}

export interface SavedAlbumsTable {
  user_id: string;
  album_id: string;
  added_at: Timestamp;
  seq: Generated<string>;
}

export interface ArtistFollowsTable {
  user_id: string;
  artist_id: string;
  followed_at: Timestamp;
}

export interface UserFollowsTable {
  follower_id: string;
  followee_id: string;
  followed_at: Timestamp;
}

export interface UserBlocksTable {
  blocker_id: string;
  blocked_id: string;
  blocked_at: Timestamp;
}

export interface SharedActivityTable {
  user_id: string;
  track_id: string;
  progress_ms: number;
  is_playing: boolean;
  reported_at: Timestamp;
}

export interface PrivateSessionsTable {
  user_id: string;
  started_at: Timestamp;
  expires_at: Timestamp;
}

export interface AudioFeaturesTable {
  track_id: string;
  media_version: string;
  /** Why this version could not be analysed; the feature columns are null then (020). */
  error: string | null;
  danceability: number | null;
  energy: number | null;
  key: number | null;
  loudness: number | null;
  mode: number | null;
  speechiness: number | null;
  acousticness: number | null;
  instrumentalness: number | null;
  liveness: number | null;
  valence: number | null;
  tempo: number | null;
  time_signature: number | null;
  spectral_centroid: number | null;
  spectral_rolloff: number | null;
  spectral_flatness: number | null;
  key_confidence: number | null;
  tempo_confidence: number | null;
  analysed_from_ms: number | null;
  analysed_ms: number | null;
  computed_at: Timestamp;
}

export interface Database {
  users: UsersTable;
  tokens: TokensTable;
  login_throttle: LoginThrottleTable;
  artists: ArtistsTable;
  albums: AlbumsTable;
  album_artists: AlbumArtistsTable;
  tracks: TracksTable;
  audio_features: AudioFeaturesTable;
  track_artists: TrackArtistsTable;
  track_files: TrackFilesTable;
  library_files: LibraryFilesTable;
  libraries: LibrariesTable;
  jobs: JobsTable;
  playlists: PlaylistsTable;
  playlist_items: PlaylistItemsTable;
  playlist_ops: PlaylistOpsTable;
  playlist_collaborators: PlaylistCollaboratorsTable;
  playlist_follows: PlaylistFollowsTable;
  saved_tracks: SavedTracksTable;
  saved_albums: SavedAlbumsTable;
  artist_follows: ArtistFollowsTable;
  user_follows: UserFollowsTable;
  user_blocks: UserBlocksTable;
  shared_activity: SharedActivityTable;
  private_sessions: PrivateSessionsTable;
}

/**
 * The playback engine's public face: what the app's screens read and call. The engine itself
 * (engine.ts) knows nothing of React or the DOM; the browser wiring lives in web-audio.ts.
 */

/** One entry of the play queue, with what the now-playing bar shows. */
export interface QueueItem {
  /** Track id (22-character base62). */
  id: string;
  title: string;
  /** Artist names joined for display. */
  artists: string;
  artistId?: string;
  album?: string;
  albumId?: string;
  /** Artwork URL (64 or 300 px) or undefined. */
  image?: string;
  durationMs: number;
  /** Added by autoplay after the listener's own queue ran out (shown apart, as "Autoplay"). */
  autoplay?: boolean;
}

export type RepeatMode = 'off' | 'all' | 'one';

/** Highest quality the listener wants; the account's tier may cap it further. */
export type QualityPreference = 'low' | 'normal' | 'high' | 'very_high';

export interface PlayerSettings {
  /** 0–12 s of overlap between tracks; 0 means gapless. */
  crossfadeSeconds: number;
  /** Apply the stored loudness normalisation gain. */
  normalize: boolean;
  quality: QualityPreference;
}

/** What `align` did: began the track, found it in time, sped it up or slowed it a little, or re-seeked it. */
export type AlignResult = 'started' | 'in-sync' | 'nudged' | 'seeked';

export type PlayerStatus = 'idle' | 'loading' | 'playing' | 'paused' | 'error';

export interface PlayerState {
  status: PlayerStatus;
  queue: QueueItem[];
  /** Index into `queue` of the current track (-1 when nothing is loaded). */
  index: number;
  positionMs: number;
  durationMs: number;
  /** Audio decoded and scheduled ahead of the play head. */
  bufferedMs: number;
  /** Rung now playing, e.g. `vorbis_160`, and its bitrate in kbps. */
  quality: string | null;
  bitrateKbps: number | null;
  shuffle: boolean;
  repeat: RepeatMode;
  /** 0–1. */
  volume: number;
  settings: PlayerSettings;
  error: string | null;
}

export interface Player {
  getState(): PlayerState;
  /** Called after every state change; returns an unsubscribe function. */
  subscribe(listener: (state: PlayerState) => void): () => void;
  /** Fetches what starting `item` needs (a play is likely soon); failures are left to the play. */
  prepare(item: QueueItem): Promise<void>;
  /** Replaces the queue and starts playing `items[startIndex]` (from `positionMs` into it). */
  playQueue(items: QueueItem[], startIndex?: number, positionMs?: number): Promise<void>;
  /** Appends to the queue (after the current track when `next` is true). */
  /**
   * Adds to the queue: at the end, right after the current track (`next`), or `offset` entries after it
   * (1 = right after it; a Connect command puts tracks where the server's queue has them).
   */
  enqueue(items: QueueItem[], next?: boolean, offset?: number): void;
  /** Jumps to an entry of the queue. */
  playIndex(index: number): Promise<void>;
  removeFromQueue(index: number): void;
  /** How many playable tracks follow the current one in play order before the queue ends (repeat aside). */
  remaining(): number;
  /** The queue played to its end and stopped there. */
  atEnd(): boolean;
  toggle(): Promise<void>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  next(): Promise<void>;
  /** Restarts the track when more than 3 s in, otherwise goes to the previous one. */
  previous(): Promise<void>;
  seek(positionMs: number): Promise<void>;
  setVolume(volume: number): void;
  setShuffle(on: boolean): void;
  setRepeat(mode: RepeatMode): void;
  updateSettings(settings: Partial<PlayerSettings>): void;
  /**
   * The current track and its position at an output frame (see WebAudioOutput.heardAt), unclamped:
   * what a Jam compares between its members. Null when nothing is loaded.
   */
  positionAt(frame: number): { trackId: string; index: number; positionMs: number } | null;
  /** Follows a leader: plays `items[index]` with its frame 0 at output frame `origin` (see engine.ts). */
  align(items: QueueItem[], index: number, origin: number): Promise<AlignResult>;
}

/** `GET /v1/tracks/{id}/stream`: signed URLs for every quality the caller may play. */
export interface StreamInfo {
  track_id: string;
  normalization_gain_db: number | null;
  files: StreamFile[];
}

export interface StreamFile {
  quality: string;
  mime_type: string;
  bitrate: number | null;
  /** Root-relative, signed, needs no Authorization header. */
  url: string;
  expires_at: string;
}

/** What the engine needs from the API client. */
export interface PlayerApi {
  streamInfo(trackId: string): Promise<StreamInfo>;
}

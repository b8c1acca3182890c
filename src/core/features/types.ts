/**
 * Audio features of a track, computed from its audio (docs/audio-features.md): Spotify's fields with
 * Spotify's ranges, plus the spectral shape the content vector uses.
 */
export interface AudioFeatures {
  /** 0..1 */
  danceability: number;
  /** 0..1 */
  energy: number;
  /** Pitch class of the tonic, 0 = C … 11 = B; -1 when no key was detected. */
  key: number;
  /** Integrated loudness in dB (LUFS). */
  loudness: number;
  /** 1 major, 0 minor. */
  mode: number;
  /** 0..1 */
  speechiness: number;
  /** 0..1 */
  acousticness: number;
  /** 0..1 */
  instrumentalness: number;
  /** 0..1 */
  liveness: number;
  /** 0..1 */
  valence: number;
  /** Beats per minute; 0 when no pulse was found. */
  tempo: number;
  /** Beats per bar: 3 or 4. */
  timeSignature: number;
  /** Mean spectral centroid (Hz): where the spectrum's weight sits, "brightness". */
  spectralCentroid: number;
  /** Mean frequency (Hz) under which 85 % of each frame's spectral energy lies. */
  spectralRolloff: number;
  /** Mean spectral flatness (0 a pure tone … 1 white noise). */
  spectralFlatness: number;
  /** How well the key profile fits (-1..1). */
  keyConfidence: number;
  /** How clear the beat is (0..1). */
  tempoConfidence: number;
}

/** Which part of the track was analysed. */
export interface AnalysisWindow {
  startMs: number;
  durationMs: number;
}

/** The features of a track as stored, with the media version they were computed from. */
export interface StoredFeatures extends AudioFeatures {
  trackId: string;
  mediaVersion: string;
  durationMs: number;
}

export const AUDIO_FEATURES_JOB = 'audio.features';

export interface AudioFeaturesPayload {
  trackId: string;
  version: string;
}

/** A ready track the extractor can read. */
export interface TrackToAnalyse {
  id: string;
  mediaVersion: string;
  durationMs: number;
  /** The track's measured integrated loudness (LUFS), when the ingest has measured it. */
  measuredLoudness: number | null;
}

/** Decodes a window of a file and runs the extractor on it, away from the API's thread. */
export interface AudioAnalyser {
  analyse(path: string, window: AnalysisWindow, signal?: AbortSignal): Promise<AudioFeatures>;
  close(): Promise<void>;
}

export interface AudioFeaturesRepository {
  /** Ready tracks among `ids` whose features for their current media version are neither stored nor failed. */
  missingAmong(ids: string[]): Promise<{ id: string; mediaVersion: string }[]>;
  /** The next `limit` such tracks after `afterId` in id order, for the backfill. */
  missing(afterId: string, limit: number): Promise<{ id: string; mediaVersion: string }[]>;
  /** The track if it is still ready under `version`. */
  trackToAnalyse(trackId: string, version: string): Promise<TrackToAnalyse | undefined>;
  save(trackId: string, version: string, features: AudioFeatures, window: AnalysisWindow): Promise<void>;
  /** Records that this version could not be analysed, so it is not tried again. */
  saveFailure(trackId: string, version: string, reason: string): Promise<void>;
  /**
   * For listeners: each id's visible track (ready, on a published album) with its stored features, or
   * with the reason there are none (`pending`, `failed`); absent when the track is unknown or hidden.
   */
  visible(
    ids: string[],
  ): Promise<Map<string, { durationMs: number; features: StoredFeatures | null; failed: boolean }>>;
  /** `contentVector` of many tracks at once (ids without features are absent). */
  vectors(ids: string[]): Promise<Map<string, Float32Array>>;
  /** Calls `onTrackChanged` with track ids as the catalogue writes them; resolves with a stop function. */
  watchTracks(onTrackChanged: (ids: string[]) => void, onReset: () => void): Promise<() => Promise<void>>;
}

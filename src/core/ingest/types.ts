import type { AlbumType } from '../catalog/types.js';

/** Where media lives on disk: rungs under `audio`, artwork under `images`, uploaded sources under `sources`. */
export interface MediaPaths {
  audio: string;
  images: string;
  sources: string;
}

export interface IngestPayload {
  trackId: string;
  sourcePath: string;
}

export const INGEST_JOB = 'ingest.track';

export interface JobSpec {
  name: string;
  key: string;
  payload: unknown;
}

/** One file found by `cadenza import`, with the catalog entities its tags put it in. */
export interface ImportedFile {
  path: string;
  size: number;
  mtimeMs: number;
  title: string;
  artists: string[];
  albumArtist: string;
  album: string;
  albumType: AlbumType;
  releaseDate: string | null;
  trackNumber: number;
  discNumber: number;
  genres: string[];
  isrc: string | null;
  label: string | null;
  explicit: boolean;
}

export interface LibraryFileState {
  path: string;
  size: number;
  mtimeMs: number;
  trackId: string | null;
  failureReason: string | null;
}

export interface TrackForIngest {
  id: string;
  albumId: string;
  status: 'processing' | 'ready' | 'failed' | 'retired';
  mediaVersion: string | null;
  albumImageKey: string | null;
}

export interface PublishedMedia {
  version: string;
  sourceSha256: string;
  durationMs: number;
  lossless: boolean;
  loudnessLufs: number;
  truePeakDbtp: number;
  normalizationGainDb: number;
  files: { quality: string; mimeType: string; bitrate: number; size: number }[];
}

export interface IngestRepository {
  libraryFiles(underDir: string): Promise<LibraryFileState[]>;
  /**
   * In one transaction: finds or creates the file's artists and album, creates its track (or reuses
   * `existingTrackId`), records the library file and enqueues `job(trackId)`. Returns the track id.
   */
  registerImportedFile(
    file: ImportedFile,
    existingTrackId: string | null,
    job: (trackId: string) => JobSpec,
  ): Promise<string>;
  recordLibraryFailure(path: string, size: number, mtimeMs: number, reason: string): Promise<void>;
  /** Retires the tracks of library files under `dir` that are not in `present`; returns how many. */
  retireMissing(dir: string, present: Set<string>): Promise<number>;
  trackForIngest(trackId: string): Promise<TrackForIngest | undefined>;
  /** Atomically swaps the track's playable files to `media` and makes it ready. */
  publishMedia(trackId: string, media: PublishedMedia): Promise<void>;
  /** Records why ingest failed; a track that was never ready becomes `failed` (invisible). */
  markFailed(trackId: string, reason: string): Promise<void>;
  setAlbumImageIfMissing(albumId: string, imageKey: string): Promise<void>;
  /** For the import report: every library file under `dir` with its track's state and failure. */
  importReport(
    dir: string,
  ): Promise<
    { path: string; trackId: string | null; title: string | null; status: string | null; reason: string | null }[]
  >;
  jobStates(keys: string[]): Promise<{ key: string; state: string }[]>;
}

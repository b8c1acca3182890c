import type { AudioHeader, MusicBrainzIds, ReplayGain } from '../../ports/tags.js';
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
  /**
   * Set for a lazy library's background ladder job: the media version the track was published under
   * (its source's fingerprint). The job fills in that version's missing rungs and measures loudness;
   * it does nothing once the track has moved on to another version.
   */
  version?: string;
}

export const INGEST_JOB = 'ingest.track';

export interface JobSpec {
  name: string;
  key: string;
  payload: unknown;
  /** Higher runs first; default 0. Background ladder work of a lazy library is LADDER_PRIORITY. */
  priority?: number;
}

/** Priority of a lazy library's background ladder jobs: behind uploads and everything else. */
export const LADDER_PRIORITY = -10;

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
  /** The header's facts, checked by `checkHeader` before the file is registered. */
  header: AudioHeader & { durationMs: number };
  /** `sourceFingerprint` of the file: its lazy media version and its identity across renames. */
  fingerprint: string;
  replayGain: ReplayGain | null;
  musicBrainz: MusicBrainzIds;
  lyrics: string | null;
  /**
   * Which catalog fields `describeFile` guessed from the path because the tags lack them (absent: all
   * tagged). `resolveFolder` regroups only guessed album artists.
   */
  guessed?: { artists: boolean; album: boolean; albumArtist: boolean };
}

export interface LibraryFileState {
  path: string;
  size: number;
  mtimeMs: number;
  trackId: string | null;
  failureReason: string | null;
  /** `sourceFingerprint` when the file was last read; null for files imported before it was kept. */
  fingerprint: string | null;
}

/** When a library's ladder rungs are made: on demand and in the background (lazy) or before publication (eager). */
export type TranscodeMode = 'lazy' | 'eager';

/** A file of a library that cannot be a track (unreadable, or failing the header check), with why. */
export interface LibraryFailure {
  path: string;
  size: number;
  mtimeMs: number;
  reason: string;
}

/**
 * What one batch of a library scan changes, written in one transaction: files whose content is new or
 * changed (read in full), files only touched (same fingerprint: new size and mtime), files that cannot
 * be tracks, and files no longer on disk.
 */
export interface LibraryBatch {
  transcode: TranscodeMode;
  files: ImportedFile[];
  touched: { path: string; size: number; mtimeMs: number }[];
  failures: LibraryFailure[];
  gone: string[];
}

/** Where a lazy version's source is, and the file's size and mtime when it was fingerprinted. */
export interface SourcePointer {
  path: string;
  size: number;
  mtimeMs: number;
  lossless: boolean;
  /** The header's channels and length, when the import read them: a first request then needs no probe. */
  channels?: number;
  durationMs?: number;
}

/** The file a track is published from, as a lazy version's source pointer names it. */
export interface TrackSource extends SourcePointer {
  trackId: string;
  /** The lazy media version (the file's fingerprint); null for an eager library. */
  version: string | null;
}

/** What the importer decides for the repository while a batch is written. */
export interface BatchHooks {
  /** The normalisation gain estimated from a file's ReplayGain tags. */
  gainDb(file: ImportedFile): number;
  /** The ladder (or ingest) job of a track newly published from `source`. */
  job(source: TrackSource): JobSpec;
  /** Runs inside the transaction, alongside its writes, and is awaited before it commits: lazy sources get their pointers here. */
  beforeCommit(sources: TrackSource[]): Promise<void>;
}

export interface LibrarySummary {
  /** Tracks listed and playable. */
  ready: number;
  /** Tracks of an eager library waiting for their ladder. */
  processing: number;
  /** Ready tracks whose background ladder job has not finished (loudness still estimated). */
  ladderPending: number;
  /** Files that are not tracks (unreadable, failed a check). */
  failed: number;
}

export interface BatchOutcome {
  /** Tracks created. */
  added: number;
  /** Tracks whose source changed: new content, a better duplicate, or a fallback to another file. */
  changed: number;
  /** Files registered as a further source of a track that already had a better one. */
  duplicates: number;
  /** Tracks retired because none of their files is left. */
  retired: number;
  /** Tracks published ready in this batch (lazy). */
  playable: number;
  /** Keys of the jobs enqueued. */
  jobKeys: string[];
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
  /**
   * Records the library at `path` (a new one is lazy unless `transcode` says otherwise; a given
   * `transcode` replaces the remembered one) and returns its mode.
   */
  library(path: string, transcode?: TranscodeMode): Promise<TranscodeMode>;
  /** The known files directly in these folders. */
  libraryFilesIn(folders: string[]): Promise<LibraryFileState[]>;
  /** Every folder under `dir` (and `dir` itself) that holds a known file. */
  libraryFolders(dir: string): Promise<string[]>;
  /**
   * In one transaction: finds or creates the artists and albums of the batch's files, gives each file a
   * track (its own, a duplicate's, or a new one), publishes each track from its best file (lazy: ready
   * at once; eager: processing until its job has made the ladder), retires the tracks left with no file
   * and falls back to the next best file where the best one left, records failures, and enqueues jobs.
   */
  registerBatch(batch: LibraryBatch, hooks: BatchHooks): Promise<BatchOutcome>;
  /** Counts for the import summary, over the files under `dir`. */
  librarySummary(dir: string): Promise<LibrarySummary>;
  trackForIngest(trackId: string): Promise<TrackForIngest | undefined>;
  /** Atomically swaps the track's playable files to `media` and makes it ready. */
  publishMedia(trackId: string, media: PublishedMedia): Promise<void>;
  /** Records why ingest failed; a track that was never ready becomes `failed` (invisible). */
  markFailed(trackId: string, reason: string): Promise<void>;
  setAlbumImageIfMissing(albumId: string, imageKey: string): Promise<void>;
  /**
   * A lazy track's background ladder finished: records measured loudness and every object's size for
   * `media.version`, if the track is still ready under that version.
   */
  completeVersion(trackId: string, media: PublishedMedia): Promise<void>;
  /** A lazy track failed the full quality check: it becomes `failed` (withdrawn) if still under `version`. */
  withdrawVersion(trackId: string, version: string, reason: string): Promise<void>;
  /**
   * For the import report: every library file under `dir` with its track's state and failure (with
   * `failuresOnly`, those that are not a ready track).
   */
  importReport(
    dir: string,
    options?: { failuresOnly?: boolean },
  ): Promise<
    { path: string; trackId: string | null; title: string | null; status: string | null; reason: string | null }[]
  >;
  jobStates(keys: string[]): Promise<{ key: string; state: string }[]>;
}

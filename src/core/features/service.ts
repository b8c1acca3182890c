import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobQueue } from '../../ports/job-queue.js';
import type { Quality } from '../../ports/transcoder.js';
import { Invalid, MediaError, NotFound } from '../errors.js';
import { requireId } from '../ids.js';
import { audioKey } from '../ingest/ladder.js';
import { readSourcePointer } from '../ingest/lazy.js';
import type { MediaPaths } from '../ingest/types.js';
import type { JobContext } from '../jobs/worker.js';
import {
  type AnalysisWindow,
  AUDIO_FEATURES_JOB,
  type AudioAnalyser,
  type AudioFeaturesPayload,
  type AudioFeaturesRepository,
  type StoredFeatures,
  type TrackToAnalyse,
} from './types.js';

/** The excerpt analysed: the middle 90 s (the whole track when shorter), past intros and fade-outs. */
export const ANALYSIS_MS = 90_000;
/** Behind uploads (0) and a lazy library's ladder (-10): features wait for the audio to be complete. */
export const FEATURES_PRIORITY = -20;
/** Spotify's several-audio-features read takes up to 100 ids. */
export const MAX_IDS = 100;
/** Rungs to analyse when the source is gone, best first. */
const RUNG_PREFERENCE: Quality[] = ['flac', 'vorbis_320', 'aac_256', 'vorbis_160', 'aac_128', 'vorbis_96', 'vorbis_24'];
/** Track writes arrive one notification each: ids gathered this long are checked in one query. */
const GATHER_MS = 500;
const BACKFILL_PAGE = 500;

export function analysisWindow(durationMs: number): AnalysisWindow {
  if (durationMs <= ANALYSIS_MS) return { startMs: 0, durationMs: Math.max(0, durationMs) };
  return { startMs: Math.floor((durationMs - ANALYSIS_MS) / 2), durationMs: ANALYSIS_MS };
}

/**
 * Audio features (docs/audio-features.md): a background job per track version, queued when a track
 * becomes ready (the catalogue's change notifications) and, when the worker starts, for every ready
 * track that has none; and the reads behind `/v1/audio-features`.
 */
export class AudioFeatureService {
  private stopWatching: (() => Promise<void>) | undefined;
  private gathered = new Set<string>();
  private gatherTimer: NodeJS.Timeout | undefined;
  private backfilling: Promise<void> | undefined;
  private stopped = true;

  constructor(
    private readonly deps: {
      repo: AudioFeaturesRepository;
      analyser: AudioAnalyser;
      jobs: JobQueue;
      paths: MediaPaths;
      /** Wakes this process's worker after an enqueue. */
      poke: () => void;
      onError: (err: unknown, what: string) => void;
    },
  ) {}

  /** Watches for tracks becoming ready and backfills those without features (the worker role). */
  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    this.stopWatching = await this.deps.repo.watchTracks(
      (ids) => this.gather(ids),
      () => this.backfill(),
    );
    this.backfill();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.gatherTimer);
    await this.stopWatching?.();
    this.stopWatching = undefined;
    await this.backfilling;
    await this.deps.analyser.close();
  }

  /** Enqueues the jobs of these tracks if they are ready and have no features for their version. */
  async queue(ids: string[]): Promise<number> {
    const missing = await this.deps.repo.missingAmong(ids);
    return this.enqueue(missing);
  }

  /** The job: analyses one version of one track; a version that cannot be analysed is recorded as such. */
  async run(payload: AudioFeaturesPayload, context: JobContext): Promise<void> {
    const { repo, analyser } = this.deps;
    const track = await repo.trackToAnalyse(payload.trackId, payload.version);
    if (!track) return; // moved on to another version, withdrawn or deleted: nothing to analyse
    try {
      const window = analysisWindow(track.durationMs);
      const features = await analyser.analyse(await this.audioFile(track), window, context.signal);
      await repo.save(track.id, track.mediaVersion, features, window);
    } catch (err) {
      if (err instanceof MediaError || context.lastAttempt) {
        await repo.saveFailure(track.id, track.mediaVersion, (err as Error).message ?? String(err));
      }
      throw err;
    }
  }

  /** Spotify's `GET /audio-features/{id}`: unknown track, and a track not analysed yet, are both 404. */
  async one(id: string): Promise<StoredFeatures> {
    requireId(id, 'id');
    const found = (await this.deps.repo.visible([id])).get(id);
    if (!found) throw new NotFound('track not found');
    if (found.failed) throw new NotFound('audio features could not be computed for this track');
    if (!found.features) throw new NotFound('audio features of this track are still being computed; try again later');
    return found.features;
  }

  /** Spotify's several-tracks form: null in the place of an unknown track or one without features yet. */
  async several(ids: string[]): Promise<(StoredFeatures | null)[]> {
    if (ids.length === 0 || ids.length > MAX_IDS) throw new Invalid(`ids must list 1 to ${MAX_IDS} track ids`, 'ids');
    for (const id of ids) requireId(id, 'ids');
    const found = await this.deps.repo.visible([...new Set(ids)]);
    return ids.map((id) => found.get(id)?.features ?? null);
  }

  /** `contentVector` of many tracks at once (ids without features are absent). */
  vectors(ids: string[]): Promise<Map<string, Float32Array>> {
    return this.deps.repo.vectors(ids);
  }

  /** A lazy track's source file while it is unchanged, else the best rung made so far. */
  private async audioFile(track: TrackToAnalyse): Promise<string> {
    const { audio } = this.deps.paths;
    const pointer = await readSourcePointer(audio, track.id, track.mediaVersion);
    if (pointer) {
      const info = await stat(pointer.path).catch(() => undefined);
      if (info && info.size === pointer.size) return pointer.path;
    }
    for (const quality of RUNG_PREFERENCE) {
      const path = join(audio, audioKey(track.id, track.mediaVersion, quality));
      if (
        await stat(path)
          .then((i) => i.size > 0)
          .catch(() => false)
      )
        return path;
    }
    throw new MediaError('no audio file of this version is left to analyse');
  }

  private gather(ids: string[]): void {
    for (const id of ids) this.gathered.add(id);
    if (this.gatherTimer || this.stopped) return;
    this.gatherTimer = setTimeout(() => {
      this.gatherTimer = undefined;
      const batch = [...this.gathered];
      this.gathered = new Set();
      this.queue(batch).catch((err) => this.deps.onError(err, 'audio features: queueing ready tracks failed'));
    }, GATHER_MS);
  }

  /** Pages through every ready track without features for its version; one pass at a time. */
  private backfill(): void {
    if (this.backfilling || this.stopped) return;
    this.backfilling = (async () => {
      let after = '';
      while (!this.stopped) {
        const page = await this.deps.repo.missing(after, BACKFILL_PAGE);
        if (page.length === 0) break;
        await this.enqueue(page);
        after = page.at(-1)!.id;
      }
    })()
      .catch((err) => this.deps.onError(err, 'audio features: backfill failed'))
      .finally(() => {
        this.backfilling = undefined;
      });
  }

  private async enqueue(tracks: { id: string; mediaVersion: string }[]): Promise<number> {
    let added = 0;
    for (const { id, mediaVersion } of tracks) {
      const payload: AudioFeaturesPayload = { trackId: id, version: mediaVersion };
      const key = `${AUDIO_FEATURES_JOB}:${id}:${mediaVersion}`;
      if (await this.deps.jobs.enqueue(AUDIO_FEATURES_JOB, key, payload, { priority: FEATURES_PRIORITY })) added++;
    }
    if (added > 0) this.deps.poke();
    return added;
  }
}

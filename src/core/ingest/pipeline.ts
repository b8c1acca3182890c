import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import type { ImageProcessor } from '../../ports/images.js';
import type { TagReader } from '../../ports/tags.js';
import type { Loudness, ProbeResult, Rung, Transcoder } from '../../ports/transcoder.js';
import { MediaError } from '../errors.js';
import type { JobContext } from '../jobs/worker.js';
import { audioKey, ladderFor } from './ladder.js';
import { readSourcePointer } from './lazy.js';
import { normalizationGainDb } from './loudness.js';
import type { IngestPayload, IngestRepository, MediaPaths, PublishedMedia, TrackForIngest } from './types.js';

/** Background ladder work runs at the lowest CPU priority: listeners and the API come first. */
const BACKGROUND = { background: true } as const;

/** Which containers a file extension may honestly hold, as ffprobe names them. */
const EXTENSION_FORMATS: Record<string, RegExp> = {
  '.mp3': /mp3/,
  '.flac': /flac/,
  '.ogg': /ogg/,
  '.oga': /ogg/,
  '.opus': /ogg/,
  '.m4a': /mp4|m4a|mov/,
  '.m4b': /mp4|m4a|mov/,
  '.mp4': /mp4|m4a|mov/,
  '.aac': /aac/,
  '.wav': /wav/,
  '.aif': /aiff/,
  '.aiff': /aiff/,
  '.wma': /asf/,
  '.wv': /wv/,
  '.mpc': /mpc/,
  '.amr': /amr/,
};

const SIDECAR_ART = /^(cover|folder|front|album|artwork)\.(jpe?g|png|webp)$/i;

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) hash.update(chunk);
  return hash.digest('hex');
}

/**
 * The ingest job: probe → quality control → transcode ladder → loudness → artwork → publish.
 * Idempotent: the media version is the source's content hash, rungs are written to version-named
 * paths via rename, and publishing swaps the track's files in one transaction, so a crash at any point
 * leaves either the old playable state or nothing visible, and a rerun finishes the job.
 */
export class IngestPipeline {
  constructor(
    private readonly deps: {
      repo: IngestRepository;
      media: Transcoder;
      tags: TagReader;
      artwork: ImageProcessor;
      paths: MediaPaths;
      loudnessTargetLufs: number;
      maxTrackSeconds: number;
    },
  ) {}

  async run(payload: IngestPayload, context: JobContext): Promise<void> {
    const { repo } = this.deps;
    const track = await repo.trackForIngest(payload.trackId);
    if (!track || track.status === 'retired') return;
    if (payload.version !== undefined) return this.completeLazy(payload, payload.version, track, context);
    try {
      await this.ingest(payload, track.albumId, track.albumImageKey, track.mediaVersion, context);
    } catch (err) {
      if (err instanceof MediaError || context.lastAttempt) {
        await repo.markFailed(track.id, (err as Error).message);
        // Failed for good: the reason stays on the track; an upload that never played is not kept.
        if (track.mediaVersion === null) await this.removeUploadedSource(payload.sourcePath);
      }
      throw err;
    }
  }

  /**
   * Removes an uploaded source and its folder (`sources/<track id>/`). Files of an imported library
   * live elsewhere and belong to their owner: those are never touched.
   */
  private async removeUploadedSource(sourcePath: string): Promise<void> {
    const folder = dirname(resolve(sourcePath));
    if (dirname(folder) !== resolve(this.deps.paths.sources)) return;
    await rm(folder, { recursive: true, force: true });
  }

  private async ingest(
    payload: IngestPayload,
    albumId: string,
    albumImageKey: string | null,
    currentVersion: string | null,
    context: JobContext,
  ): Promise<void> {
    const { media, repo } = this.deps;
    const source = payload.sourcePath;
    const info = await stat(source).catch(() => {
      throw new MediaError('source file is missing');
    });
    if (info.size === 0) throw new MediaError('file is empty');

    const probe = await this.checkQuality(source, {});
    await context.progress(0.1);

    const sha = await sha256File(source);
    const version = sha.slice(0, 16);
    if (version === currentVersion) return; // this exact source is already live

    const rungs = ladderFor(probe.lossless);
    let done = 0;
    const [files, loudness] = await Promise.all([
      Promise.all(
        rungs.map(async (rung) => {
          const file = await this.transcode(source, rung, payload.trackId, version);
          done++;
          await context.progress(0.1 + (0.8 * done) / rungs.length);
          return file;
        }),
      ),
      media.measureLoudness(source),
    ]);
    if (!albumImageKey) await this.attachArtwork(source, albumId);

    await repo.publishMedia(payload.trackId, this.published(version, sha, probe, loudness, files));
  }

  /**
   * Quality control by FFmpeg: the content matches its extension, the length is within limits, the
   * whole file decodes and it is not silent. Throws MediaError saying what is wrong.
   */
  private async checkQuality(source: string, priority: { background?: boolean }): Promise<ProbeResult> {
    const { media } = this.deps;
    const probe = await media.probe(source);
    const ext = extname(source).toLowerCase();
    const expected = EXTENSION_FORMATS[ext];
    if (expected && !expected.test(probe.formatName)) {
      throw new MediaError(`file extension ${ext} does not match its content (${probe.formatName})`);
    }
    if (probe.durationMs > this.deps.maxTrackSeconds * 1000) {
      throw new MediaError(
        `audio is too long: ${Math.round(probe.durationMs / 1000)} s (limit ${this.deps.maxTrackSeconds} s)`,
      );
    }
    if (probe.durationMs < 500) throw new MediaError('audio is shorter than half a second');
    await media.verifyDecodes(source, priority);
    if ((await media.silenceRatio(source, probe.durationMs, priority)) > 0.98) throw new MediaError('audio is silent');
    return probe;
  }

  /**
   * The background half of a lazy library's ingest (docs/ingest.md): the track is already playable
   * under `version` (its rungs made on first request). At low CPU priority this checks the whole file,
   * makes the rungs nobody has asked for yet, measures loudness in place of the ReplayGain estimate and
   * records every object's size. A file that fails the check is withdrawn. Nothing happens when the
   * track has moved on to another version or its file has changed since (the rescan that notices the
   * change publishes a new version with its own job).
   */
  private async completeLazy(
    payload: IngestPayload,
    version: string,
    track: TrackForIngest,
    context: JobContext,
  ): Promise<void> {
    const { media, repo, paths } = this.deps;
    if (track.status !== 'ready' || track.mediaVersion !== version) return;
    const source = payload.sourcePath;
    const pointer = await readSourcePointer(paths.audio, track.id, version);
    const info = await stat(source).catch(() => undefined);
    if (!pointer || !info || info.size !== pointer.size || Math.trunc(info.mtimeMs) !== Math.trunc(pointer.mtimeMs)) {
      return;
    }
    let probe: ProbeResult;
    try {
      probe = await this.checkQuality(source, BACKGROUND);
    } catch (err) {
      if (err instanceof MediaError) await repo.withdrawVersion(track.id, version, err.message);
      throw err;
    }
    await context.progress(0.1);
    const rungs = ladderFor(probe.lossless);
    let done = 0;
    const [files, loudness, sha] = await Promise.all([
      Promise.all(
        rungs.map(async (rung) => {
          const file = await this.transcode(source, rung, track.id, version, BACKGROUND);
          done++;
          await context.progress(0.1 + (0.8 * done) / rungs.length);
          return file;
        }),
      ),
      media.measureLoudness(source, BACKGROUND),
      sha256File(source),
    ]);
    if (!track.albumImageKey) await this.attachArtwork(source, track.albumId);
    await repo.completeVersion(track.id, this.published(version, sha, probe, loudness, files));
  }

  /** What the repository records of a version whose ladder is complete. */
  private published(
    version: string,
    sourceSha256: string,
    probe: ProbeResult,
    loudness: Loudness,
    files: PublishedMedia['files'],
  ): PublishedMedia {
    const { durationMs, lossless } = probe;
    const { integratedLufs: loudnessLufs, truePeakDbtp } = loudness;
    const gain = normalizationGainDb(loudness, this.deps.loudnessTargetLufs);
    return {
      version,
      sourceSha256,
      durationMs,
      lossless,
      loudnessLufs,
      truePeakDbtp,
      normalizationGainDb: gain,
      files,
    };
  }

  private async transcode(
    source: string,
    rung: Rung,
    trackId: string,
    version: string,
    priority: { background?: boolean } = {},
  ) {
    const output = join(this.deps.paths.audio, audioKey(trackId, version, rung.quality));
    await mkdir(dirname(output), { recursive: true });
    const existing = await stat(output).catch(() => undefined);
    if (!existing) await this.deps.media.transcode(source, rung, output, priority);
    const size = existing?.size ?? (await stat(output)).size;
    if (rung.bitrateKbps === null) {
      return { quality: rung.quality, mimeType: rung.mimeType, bitrate: await this.flacBitrate(output, size), size };
    }
    // A quality-mode rung spends what the music needs (a quiet track far less than its name says): the
    // file's real average is recorded, over the source's duration, which every rung keeps (probe cached).
    const { durationMs } = await this.deps.media.probe(source);
    const bitrate = Math.round((size * 8 * 1000) / Math.max(1, durationMs));
    return { quality: rung.quality, mimeType: rung.mimeType, bitrate, size };
  }

  private async flacBitrate(path: string, size: number): Promise<number> {
    const probe = await this.deps.media.probe(path);
    return probe.bitRate ?? Math.round((size * 8 * 1000) / Math.max(1, probe.durationMs));
  }

  /** Embedded cover art first, else a sidecar image in the same folder (cover.jpg, folder.png …). */
  private async attachArtwork(source: string, albumId: string): Promise<void> {
    let image: Buffer | undefined;
    try {
      image = (await this.deps.tags.read(source, { covers: true })).picture?.data;
    } catch {
      image = undefined;
    }
    if (!image) {
      const dir = dirname(source);
      const sidecar = (await readdir(dir).catch(() => [] as string[])).find((f) => SIDECAR_ART.test(f));
      if (sidecar) image = await readFile(join(dir, sidecar));
    }
    if (!image) return;
    const key = await this.storeArtwork(image).catch(() => undefined); // bad artwork never fails a track
    if (key) await this.deps.repo.setAlbumImageIfMissing(albumId, key);
  }

  /** Writes the renditions under a content-addressed key and returns it. */
  async storeArtwork(image: Buffer): Promise<string> {
    const key = createHash('sha256').update(image).digest('hex').slice(0, 32);
    const dir = join(this.deps.paths.images, key);
    await mkdir(dir, { recursive: true });
    for (const r of await this.deps.artwork.renditions(image)) {
      await writeFile(join(dir, `${r.size}.jpg.tmp`), r.data);
      await rename(join(dir, `${r.size}.jpg.tmp`), join(dir, `${r.size}.jpg`));
    }
    return key;
  }
}

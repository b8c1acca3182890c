import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Quality, Transcoder } from '../../ports/transcoder.js';
import { audioKey, rungFor } from '../ingest/ladder.js';
import { readSourcePointer } from '../ingest/lazy.js';
import type { SourcePointer } from '../ingest/types.js';

/**
 * Rungs made on their first request (a lazy library's tracks, docs/ingest.md). The edge asks for a
 * missing object; this starts one FFmpeg for it at once (not queued behind background ladder work) and
 * lets the edge follow the output while it is written. Each object is made at most once at a time per
 * process; the transcoder writes it under a temporary name and renames it when complete, so a crash
 * leaves nothing under the object's name.
 *
 * The bytes served while a rung is being made are the bytes of the finished object: the encoder is
 * deterministic (bit-exact flags, same command as the background ladder) and an Ogg stream is written
 * front to back, never rewritten. MP4 and FLAC outputs are rewritten at the end (moov atom, STREAMINFO),
 * so those are served only once complete.
 */

export interface RungBuild {
  /** True when bytes may be served from `partialPath` while the encoder runs (Ogg). */
  readonly streamable: boolean;
  /** The temporary file being written, once the encoder has been started. */
  readonly partialPath: Promise<string>;
  /** Size of the finished object; rejects when the encoder failed. */
  readonly done: Promise<number>;
  /**
   * Resolves once at least `bytes` bytes have been written, or the build ended (then with its size).
   * `written` is how many bytes the temporary file holds now.
   */
  waitFor(bytes: number): Promise<{ written: number; size?: number }>;
}

export interface RungBuildsOptions {
  media: Transcoder;
  audioRoot: string;
  /** How often a waiting request looks at the temporary file's size; default 10 ms. */
  pollMs?: number;
}

interface Build extends RungBuild {
  finished: boolean;
  size?: number;
}

export class RungBuilds {
  readonly #builds = new Map<string, Build>();
  readonly #pollMs: number;

  constructor(private readonly options: RungBuildsOptions) {
    this.#pollMs = options.pollMs ?? 10;
  }

  /** Builds running now, for metrics and tests. */
  get running(): number {
    return this.#builds.size;
  }

  /**
   * Starts (or joins) making the object of (track, version, quality). Undefined when it cannot be made
   * here: the version has no source pointer (an eager track, an unknown version), or the source file is
   * gone or no longer the file the version was made from.
   */
  async start(trackId: string, version: string, quality: Quality): Promise<RungBuild | undefined> {
    const key = audioKey(trackId, version, quality);
    const running = this.#builds.get(key);
    if (running) return running;
    const rung = rungFor(quality);
    const pointer = await readSourcePointer(this.options.audioRoot, trackId, version);
    if (!rung || !pointer || (rung.codec === 'flac' && !pointer.lossless)) return undefined;
    const source = await stat(pointer.path).catch(() => undefined);
    if (!source || source.size !== pointer.size || Math.trunc(source.mtimeMs) !== Math.trunc(pointer.mtimeMs)) {
      return undefined;
    }
    // Another request may have started it while this one read the pointer.
    const raced = this.#builds.get(key);
    if (raced) return raced;

    let started!: (path: string) => void;
    const partialPath = new Promise<string>((resolve) => {
      started = resolve;
    });
    const output = join(this.options.audioRoot, key);
    const build: Build = {
      streamable: rung.container === 'ogg',
      partialPath,
      finished: false,
      done: this.options.media
        .transcode(pointer.path, rung, output, { urgent: true, onPartial: started, source: known(pointer) })
        .then(async () => {
          const size = (await stat(output)).size;
          build.size = size;
          return size;
        })
        .finally(() => {
          build.finished = true;
          this.#builds.delete(key);
        }),
      waitFor: (bytes) => this.#waitFor(build, bytes),
    };
    // A failure is reported to whoever awaits `done`; nobody may be waiting.
    build.done.catch(() => {});
    this.#builds.set(key, build);
    return build;
  }

  async #waitFor(build: Build, bytes: number): Promise<{ written: number; size?: number }> {
    const path = await Promise.race([build.partialPath, build.done.then(() => undefined)]);
    for (;;) {
      if (build.finished || path === undefined) {
        const size = await build.done;
        return { written: size, size };
      }
      const written = (await stat(path).catch(() => undefined))?.size ?? 0;
      if (written >= bytes) return { written };
      await Promise.race([new Promise((r) => setTimeout(r, this.#pollMs)), build.done.catch(() => undefined)]);
    }
  }
}

/** The source facts a pointer carries (pointers written before they did carry none). */
function known(pointer: SourcePointer): { channels: number; durationMs: number } | undefined {
  const { channels, durationMs } = pointer;
  return channels !== undefined && channels > 0 && durationMs !== undefined && durationMs > 0
    ? { channels, durationMs }
    : undefined;
}

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { setPriority } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { MediaError } from '../core/errors.js';
import { LOUDNESS_FLOOR_DB } from '../core/ingest/loudness.js';
import type {
  Loudness,
  ProbeResult,
  Quality,
  Rung,
  RunOptions,
  TranscodeOptions,
  Transcoder,
} from '../ports/transcoder.js';
import { type FfmpegBinaries, findFfmpeg } from './ffmpeg-binaries.js';

export interface FfmpegTranscoderOptions {
  binaries?: FfmpegBinaries;
  /** How many ffmpeg/ffprobe processes this transcoder runs at once; further calls wait their turn. */
  concurrency: number;
  /** Sources longer than this are rejected by `probe`. */
  maxDurationMs?: number;
}

/** ffmpeg failed for a reason not known to be the file's fault (missing encoder, full disk, timeout). */
export class FfmpegError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'FfmpegError';
  }
}

/** How one child process is run. */
interface SpawnOptions extends RunOptions {
  urgent?: boolean;
  /** Called once the process has started. */
  onSpawn?: () => void;
}

/** What `probe` returns plus what only the FLAC rung needs. */
interface Inspection extends ProbeResult {
  sampleFormat: string;
}

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

// pcm_alaw/pcm_mulaw are 8-bit companded telephony audio: a "lossless" FLAC of them would mislead.
const LOSSLESS = /^(flac|alac|wavpack|ape|tta|mlp|truehd|pcm_(?!alaw|mulaw).+)$/;
const SIXTEEN_BIT_OR_LESS = new Set(['u8', 'u8p', 's16', 's16p']);
const PROBE_TIMEOUT_MS = 30_000;
const PROBE_CACHE_SIZE = 64;

/** FIFO counting semaphore: a released slot goes straight to the oldest waiter. */
class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async use<T>(task: () => Promise<T>): Promise<T> {
    if (this.active < this.limit) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

/**
 * The ingest pipeline's media toolkit, backed by the ffmpeg and ffprobe executables.
 *
 * Every child process goes through one semaphore, so however many rungs the pipeline starts at once,
 * at most `concurrency` processes run; the composition root builds a single instance per process.
 * Timeouts start when a process is spawned (not while it queues) and are proportional to the source's
 * duration, which is why most methods probe first; probes are cached per (path, size, mtime).
 */
export class FfmpegTranscoder implements Transcoder {
  private readonly binaries: FfmpegBinaries;
  private readonly slots: Semaphore;
  private readonly probes = new Map<string, Promise<Inspection>>();

  constructor(private readonly options: FfmpegTranscoderOptions) {
    if (!(options.concurrency >= 1)) throw new RangeError('concurrency must be at least 1');
    this.binaries = options.binaries ?? findFfmpeg();
    this.slots = new Semaphore(Math.floor(options.concurrency));
  }

  async probe(path: string): Promise<ProbeResult> {
    const { sampleFormat: _, ...result } = await this.inspect(path);
    return result;
  }

  /** Decodes the whole file; rejects when the decoder reports errors or stops well short of the duration. */
  async verifyDecodes(path: string, options: RunOptions = {}): Promise<void> {
    const source = await this.inspect(path);
    const args = ['-nostdin', '-v', 'error', '-nostats', '-progress', 'pipe:1', '-i', path];
    const decode = [...args, '-map', '0:a:0', '-f', 'null', '-'];
    const result = await this.run(this.binaries.ffmpeg, decode, source, options);
    const problem = firstLine(result.stderr);
    if (result.code !== 0 || problem) {
      throw new MediaError(`audio is truncated or corrupt: ${problem ?? `decoder exited with ${result.code}`}`);
    }
    // A cut MP3 decodes without a single error; only its header's frame count shows what is missing.
    const decodedMs = lastProgressMs(result.stdout) ?? source.durationMs;
    if (source.durationMs - decodedMs > Math.max(1000, source.durationMs * 0.05)) {
      const lengths = `${formatDuration(decodedMs)} of ${formatDuration(source.durationMs)}`;
      throw new MediaError(`audio is truncated or corrupt: only ${lengths} decodes`);
    }
  }

  async transcode(input: string, rung: Rung, output: string, options: TranscodeOptions = {}): Promise<void> {
    // A lossy rung needs only the channel count (and the length, for the time limit): when the caller
    // knows them, the encoder starts without waiting for ffprobe.
    const lossy = rung.codec !== 'flac';
    const source = lossy && options.source ? options.source : await this.inspect(input);
    if (!lossy && !('lossless' in source && source.lossless)) throw new Error('a FLAC rung needs a lossless source');
    // A crash or failure must never leave a partial file under the final name: write aside, then rename.
    const partial = join(dirname(output), `.${basename(output)}.${randomBytes(6).toString('hex')}.part`);
    await removeStaleParts(output);
    // Mapping only the first audio stream leaves cover art (a video stream) behind. No tags, chapters
    // or encoder version either: outputs carry audio only and are reproducible.
    const args = ['-nostdin', '-v', 'error', '-y', '-i', input, '-map', '0:a:0'];
    const strip = ['-map_metadata', '-1', '-map_chapters', '-1', '-fflags', '+bitexact', '-flags:a', '+bitexact'];
    // A rung being made for a waiting listener is followed as it grows: each packet goes straight to
    // the file (which changes when bytes land, never which bytes).
    const flush = options.onPartial ? ['-flush_packets', '1'] : [];
    try {
      await this.ffmpeg([...args, ...strip, ...encoderArgs(rung, source), ...flush, partial], source, {
        ...options,
        onSpawn: () => options.onPartial?.(partial),
      });
      await rename(partial, output);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
  }

  async measureLoudness(input: string, options: RunOptions = {}): Promise<Loudness> {
    const source = await this.inspect(input);
    // framelog=verbose keeps the per-100 ms lines out of stderr; the summary is logged at info level.
    // Mono counts as dual mono: players put it on both speakers, and the stereo rungs duplicate it.
    const ebur128 = 'ebur128=peak=true:framelog=verbose:dualmono=true';
    const filter = ['-map', '0:a:0', '-af', ebur128, '-f', 'null', '-'];
    const args = ['-nostdin', '-hide_banner', '-nostats', '-i', input, ...filter];
    const stderr = await this.ffmpeg(args, source, options);
    const summary = stderr.slice(stderr.lastIndexOf('Summary:'));
    const integrated = /I:\s+(-?inf|-?[\d.]+) LUFS/.exec(summary)?.[1];
    const peak = /True peak:\s+Peak:\s+(-?inf|-?[\d.]+) dBFS/.exec(summary)?.[1];
    if (integrated === undefined || peak === undefined) throw new FfmpegError('ebur128 printed no summary', stderr);
    return { integratedLufs: decibels(integrated), truePeakDbtp: decibels(peak) };
  }

  async silenceRatio(input: string, durationMs: number, options: RunOptions = {}): Promise<number> {
    if (!(durationMs > 0)) throw new RangeError('durationMs must be positive');
    const filter = ['-map', '0:a:0', '-af', 'silencedetect=n=-60dB:d=0.5', '-f', 'null', '-'];
    const args = ['-nostdin', '-hide_banner', '-nostats', '-i', input, ...filter];
    const stderr = await this.ffmpeg(args, { durationMs }, options);
    let silentSeconds = 0;
    let openedAt: number | undefined;
    for (const [, kind, value] of stderr.matchAll(/silence_(start|end): (-?[\d.e+-]+)/g)) {
      const at = Math.max(0, Number(value));
      if (kind === 'start') openedAt = at;
      else if (openedAt !== undefined) {
        silentSeconds += at - openedAt;
        openedAt = undefined;
      }
    }
    // Older FFmpeg never closes a silence that lasts to the end of the file.
    if (openedAt !== undefined) silentSeconds += Math.max(0, durationMs / 1000 - openedAt);
    return Math.min(1, Math.max(0, (silentSeconds * 1000) / durationMs));
  }

  private inspect(path: string): Promise<Inspection> {
    return stat(path).then((info) => {
      if (info.size === 0) throw new MediaError('file is empty');
      const key = `${path}\0${info.size}\0${info.mtimeMs}`;
      let pending = this.probes.get(key);
      if (!pending) {
        pending = this.ffprobe(path);
        this.probes.set(key, pending);
        pending.catch(() => this.probes.delete(key));
        if (this.probes.size > PROBE_CACHE_SIZE) this.probes.delete(this.probes.keys().next().value!);
      }
      return pending;
    });
  }

  private async ffprobe(path: string): Promise<Inspection> {
    const args = ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', '-select_streams', 'a:0'];
    const result = await this.run(this.binaries.ffprobe, [...args, path], undefined);
    if (result.code !== 0) throw new MediaError('not a readable audio file');
    const json = parseJson(result.stdout);
    if (!json) throw new MediaError('not a readable audio file');
    const stream = json.streams?.[0];
    if (!stream) throw new MediaError('no audio stream');
    const sampleRate = Number(stream.sample_rate);
    const channels = Number(stream.channels);
    if (!stream.codec_name || !(sampleRate > 0) || !(channels > 0)) throw new MediaError('not a readable audio file');
    const seconds = [stream.duration, json.format?.duration].map(Number).find((s) => s > 0);
    if (seconds === undefined || !Number.isFinite(seconds)) throw new MediaError('audio duration is unknown or zero');
    const durationMs = Math.round(seconds * 1000);
    const limit = this.options.maxDurationMs;
    if (limit !== undefined && durationMs > limit) {
      throw new MediaError(`audio is longer than the ${formatDuration(limit)} limit`);
    }
    const bitRate = [stream.bit_rate, json.format?.bit_rate].map(Number).find((b) => b > 0) ?? null;
    return {
      formatName: json.format?.format_name ?? 'unknown',
      codec: stream.codec_name,
      durationMs,
      sampleRate,
      channels,
      bitRate,
      lossless: LOSSLESS.test(stream.codec_name),
      sampleFormat: stream.sample_fmt ?? '',
    };
  }

  /** Runs ffmpeg and returns its stderr; a non-zero exit becomes an FfmpegError quoting the first error. */
  private async ffmpeg(args: string[], source: { durationMs: number }, options: SpawnOptions = {}): Promise<string> {
    const result = await this.run(this.binaries.ffmpeg, args, source, options);
    if (result.code !== 0) {
      const reason = firstLine(result.stderr) ?? `exit code ${result.code}`;
      throw new FfmpegError(`ffmpeg failed: ${reason}`, result.stderr);
    }
    return result.stderr;
  }

  /**
   * Spawns (no shell) once a slot is free; kills the child if it outlives a generous, duration-based
   * limit. Background work runs at the lowest CPU priority and, as it may rightly wait behind busier
   * processes for the CPU, gets four times as long.
   */
  private run(
    binary: string,
    args: string[],
    source: { durationMs: number } | undefined,
    spawnOptions: SpawnOptions = {},
  ): Promise<RunResult> {
    const patience = spawnOptions.background ? 4 : 1;
    const timeout = source ? patience * (60_000 + 2 * source.durationMs) : PROBE_TIMEOUT_MS;
    const options = { timeout, killSignal: 'SIGKILL' as const, maxBuffer: 256 << 20, encoding: 'utf8' as const };
    const start = () =>
      new Promise<RunResult>((resolve, reject) => {
        const settling: NodeJS.Timeout[] = [];
        const child = execFile(binary, args, options, (error, stdout, stderr) => {
          for (const timer of settling) clearTimeout(timer);
          if (!error) resolve({ code: 0, stdout, stderr });
          else if (typeof error.code === 'number') resolve({ code: error.code, stdout, stderr });
          else if (error.killed && error.code == null) {
            reject(new FfmpegError(`${basename(binary)} timed out after ${timeout} ms`, stderr));
          } else reject(error); // could not start, too much output, or killed from outside
        });
        if (child.pid !== undefined) {
          const pid = child.pid;
          if (spawnOptions.background) renice(pid, BACKGROUND_NICENESS);
          // A listener waits for the first seconds of a rung only: once the encoder is well ahead of them,
          // the next listener's first request outranks it (a skip through several new tracks would
          // otherwise leave each new encoder sharing the CPU with every earlier one).
          else if (spawnOptions.urgent) {
            for (const [after, niceness] of SETTLING) {
              settling.push(setTimeout(() => renice(pid, niceness), after).unref());
            }
          }
          spawnOptions.onSpawn?.();
        }
      });
    // A listener waiting for a rung's first bytes does not queue behind background work.
    return spawnOptions.urgent ? start() : this.slots.use(start);
  }
}

/**
 * Background work runs at nice 19: it only gets the CPU time nothing of normal priority wants, so a
 * ladder built in the background never slows the API or a listener's rung. That is set right after the
 * spawn, before the child has done any real work. A process that has already exited (ESRCH) has
 * nothing left to lower.
 */
export const BACKGROUND_NICENESS = 19;
/**
 * A rung made for a listener runs at the server's own priority for 1.5 s (at 30 to 60 times real time,
 * a minute or more of audio ahead of them), then at nice 10, behind any newer first request; one still
 * running after 6 s (a long track, or a busy machine) goes on at nice 19 beside the background ladder,
 * so that many tracks skipped through in a row never crowd out the one played now.
 */
const SETTLING: [afterMs: number, niceness: number][] = [
  [1500, 10],
  [6000, BACKGROUND_NICENESS],
];

export function renice(pid: number, niceness: number): void {
  try {
    setPriority(pid, niceness);
  } catch {
    // The process is gone, or the system refuses (then it runs at normal priority, still correct).
  }
}

/** An encoder writes its temporary file without pause: one untouched this long was left by a crash. */
const STALE_PART_MS = 15 * 60_000;

/**
 * Removes the temporary files of earlier attempts at `output` that a killed process left behind. Those of
 * an encoder still running (in this process or another edge sharing the folder) are recent, and kept.
 */
async function removeStaleParts(output: string): Promise<void> {
  const folder = dirname(output);
  const prefix = `.${basename(output)}.`;
  const names = await readdir(folder).catch(() => [] as string[]);
  const now = Date.now();
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.part')) continue;
    const path = join(folder, name);
    const info = await stat(path).catch(() => undefined);
    if (info && now - info.mtimeMs > STALE_PART_MS) await rm(path, { force: true });
  }
}

/**
 * Output options per rung.
 * - Lossy rungs are 44.1 kHz stereo whatever the source: one format per rung for every client.
 * - Vorbis uses libvorbis's quality mode (`-q:a`, see VORBIS_QUALITY): each file spends what its music
 *   needs, so a quiet or spoken track comes out smaller at the same quality, and the whole Vorbis
 *   ladder costs a quarter of the CPU that managed average bitrate (`-b:a` with `-maxrate`) did. The
 *   catalog records each file's real average bitrate.
 * - vorbis_24 is 22.05 kHz mono: libvorbis has no 44.1 kHz (or 22.05 kHz stereo) mode that small.
 * - FLAC keeps the source's sample rate up to 48 kHz; hi-res sources go down to 44.1 kHz (from the
 *   88.2/176.4 kHz family) or 48 kHz (others), which halves their size for no audible loss. Depth is
 *   kept: 16 bits stays 16, anything deeper (24/32-bit, float) becomes 24, FLAC's usual maximum.
 *   Mono stays mono; more than two channels are downmixed to stereo.
 */
function encoderArgs(rung: Rung, source: Inspection | { channels: number }): string[] {
  if (rung.codec === 'flac') {
    if (!('sampleFormat' in source)) throw new Error('a FLAC rung needs the probed source');
    const depth = SIXTEEN_BIT_OR_LESS.has(source.sampleFormat) ? ['s16'] : ['s32', '-bits_per_raw_sample', '24'];
    const channels = channelArgs(source.channels, Math.min(2, source.channels));
    const rate = ['-ar', String(flacSampleRate(source.sampleRate))];
    return [...rate, ...channels, '-c:a', 'flac', '-sample_fmt', ...depth, '-f', 'flac'];
  }
  const kbps = rung.bitrateKbps;
  if (kbps === null) throw new Error(`rung ${rung.quality} has no bitrate`);
  const small = rung.codec === 'vorbis' && kbps < 48;
  const format = ['-ar', small ? '22050' : '44100', ...channelArgs(source.channels, small ? 1 : 2)];
  if (rung.codec === 'aac') {
    return [...format, '-b:a', `${kbps}k`, '-c:a', 'aac', '-movflags', '+faststart', '-f', 'ipod'];
  }
  const quality = VORBIS_QUALITY[rung.quality];
  if (quality === undefined) throw new Error(`rung ${rung.quality} has no Vorbis quality`);
  return [...format, '-q:a', String(quality), '-c:a', 'libvorbis', '-f', 'ogg'];
}

/**
 * libvorbis quality per Vorbis rung, measured (README, "What each rung costs"): about 5 % under the
 * rung's bitrate on real music, so that denser music still stays under it; vorbis_160 must stay within
 * the free tier's 160 kbps, which q 5 (165 kbps on the Galway clip) does not. vorbis_24 takes q 0, the
 * lowest that helps at 22.05 kHz mono (24 to 31 kbps on music): below it libvorbis changes mode and the
 * files grow to ~40 kbps.
 */
export const VORBIS_QUALITY: Partial<Record<Quality, number>> = {
  vorbis_24: 0,
  vorbis_96: 2,
  vorbis_160: 4.75,
  vorbis_320: 8.75,
};

/**
 * Channel conversion the way players treat mono: a mono file sounds from both speakers at full level,
 * so it is duplicated unchanged (FFmpeg's own upmix would lower it 3 dB), and stereo becomes mono as
 * the average of both sides (FFmpeg's downmix would raise correlated material 3 dB, past full scale for
 * loud masters). Levels, and so the normalisation gain, then hold across every rung.
 */
function channelArgs(from: number, to: number): string[] {
  if (from === to) return [];
  if (from === 1 && to === 2) return ['-af', 'pan=stereo|c0=c0|c1=c0'];
  if (from === 2 && to === 1) return ['-af', 'pan=mono|c0=0.5*c0+0.5*c1'];
  return ['-ac', String(to)];
}

function flacSampleRate(sourceRate: number): number {
  if (sourceRate <= 48_000) return sourceRate;
  return sourceRate % 44_100 === 0 ? 44_100 : 48_000;
}

interface FfprobeJson {
  streams?: {
    codec_name?: string;
    sample_rate?: string;
    channels?: number;
    sample_fmt?: string;
    duration?: string;
    bit_rate?: string;
  }[];
  format?: { format_name?: string; duration?: string; bit_rate?: string };
}

function parseJson(text: string): FfprobeJson | undefined {
  try {
    return JSON.parse(text) as FfprobeJson;
  } catch {
    return undefined;
  }
}

/** The first line of an ffmpeg log without its "[codec @ 0x…] " prefix, which means nothing to a person. */
export function firstLine(stderr: string): string | undefined {
  const line = stderr.split('\n').find((l) => l.trim() !== '');
  return line?.replace(/^\[[^\]]*@ 0x[0-9a-f]+\]\s*/, '').trim();
}

/** The last `out_time=HH:MM:SS.micro` of `-progress` output, in milliseconds. */
function lastProgressMs(progress: string): number | undefined {
  const times = [...progress.matchAll(/^out_time=(\d+):(\d+):([\d.]+)$/gm)];
  const last = times.at(-1);
  if (!last) return undefined;
  return Math.round((Number(last[1]) * 3600 + Number(last[2]) * 60 + Number(last[3])) * 1000);
}

function decibels(text: string): number {
  const value = text.endsWith('inf') ? Number.NEGATIVE_INFINITY : Number(text);
  return Math.max(LOUDNESS_FLOOR_DB, value);
}

function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

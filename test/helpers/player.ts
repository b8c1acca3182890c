import { execFile, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findFfmpeg } from '../../src/adapters/ffmpeg-binaries.js';
import { type AudioOutput, type Voice, warped } from '../../web/src/player/engine.js';
import { type Decoder, FetchError, type Network } from '../../web/src/player/track-source.js';
import type { PlayerApi, StreamInfo } from '../../web/src/player/types.js';

const run = promisify(execFile);
export const RATE = 44_100;

/**
 * Tests that compare decoded chunks sample by sample need a decoder that behaves like browsers: the
 * static FFmpeg of the npm package (a 2018 build) decodes the first packets after a chunk's headers
 * differently from current FFmpeg and Chromium. Without Debian's ffmpeg they are skipped, saying so.
 */
export const sampleExactSkip =
  findFfmpeg().source === 'npm'
    ? "needs a current FFmpeg (Debian's ffmpeg): the npm package's 2018 build decodes chunk starts unlike browsers"
    : false;

/** The Ogg Vorbis rungs the way the ingest ladder encodes them (see src/adapters/ffmpeg.ts). */
export const RUNGS = { vorbis_24: 24, vorbis_96: 96, vorbis_160: 160, vorbis_320: 320 } as const;
export type RungName = keyof typeof RUNGS;

/** Encodes `seconds` of seeded pink noise (dense, like music) or a sine into every Vorbis rung. */
export async function encodeTrack(
  dir: string,
  name: string,
  seconds: number,
  source: 'noise' | 'sine' = 'noise',
  seed = 1,
): Promise<Record<RungName, Uint8Array>> {
  const { ffmpeg } = findFfmpeg();
  const input =
    source === 'noise'
      ? `anoisesrc=color=pink:amplitude=0.3:seed=${seed}:sample_rate=44100:duration=${seconds}`
      : `aevalsrc=0.5*sin(2*PI*${220 + seed * 110}*t)|0.5*sin(2*PI*${220 + seed * 110}*t):s=44100:d=${seconds}`;
  const out = {} as Record<RungName, Uint8Array>;
  for (const [rung, kbps] of Object.entries(RUNGS) as [RungName, number][]) {
    const path = join(dir, `${name}.${rung}.ogg`);
    const small = kbps < 48;
    await run(ffmpeg, [
      ...['-v', 'error', '-y', '-f', 'lavfi', '-i', input],
      ...['-ar', small ? '22050' : '44100', '-ac', small ? '1' : '2', '-b:a', `${kbps}k`],
      ...['-c:a', 'libvorbis', '-maxrate', `${Math.round(kbps * 1.25)}k`, '-f', 'ogg', path],
    ]);
    out[rung] = new Uint8Array(await readFile(path));
  }
  return out;
}

/** FFmpeg's Vorbis decoder (the one Chromium's decodeAudioData uses), stereo at 44.1 kHz. */
export const ffmpegDecoder: Decoder = {
  async decode(bytes) {
    const { ffmpeg } = findFfmpeg();
    const child = spawn(ffmpeg, [
      '-v',
      'error',
      '-f',
      'ogg',
      '-i',
      'pipe:0',
      '-f',
      'f32le',
      '-ac',
      '2',
      '-ar',
      '44100',
      'pipe:1',
    ]);
    const parts: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => parts.push(d));
    const done = new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${code}`))));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(Buffer.from(bytes));
    await done;
    const all = Buffer.concat(parts);
    const floats = new Float32Array(all.buffer, all.byteOffset, all.length / 4);
    const length = floats.length / 2;
    const channels = [new Float32Array(length), new Float32Array(length)];
    for (let i = 0; i < length; i++) {
      channels[0]![i] = floats[2 * i]!;
      channels[1]![i] = floats[2 * i + 1]!;
    }
    return { length, channels };
  },
};

/** What the test range server did, and faults it was told to inject. */
export interface RangeLog {
  requests: { path: string; start: number; end: number; status: number }[];
  /** Status codes to answer the next requests with instead of the file (consumed in order). */
  faults: number[];
}

/**
 * A real HTTP server with byte ranges over loopback, serving `/audio/<track>/<rung>?sig=<n>`. URLs
 * signed with an older `sig` than the track's current one are refused with 403, like expired ones.
 */
export async function startRangeServer(
  files: Map<string, Uint8Array>,
  options: {
    /**
     * Answer like the edge does while a rung is still being made: `bytes a-b/*` without the size, and a
     * range past the end 416 naming the size.
     */
    sizeUnknown?: boolean;
  } = {},
): Promise<{
  origin: string;
  log: RangeLog;
  expire(track: string): void;
  /** From now on the track's audio answers 410, as the edge does once a track is withdrawn (or not). */
  withdraw(track: string, gone?: boolean): void;
  api: PlayerApi & { calls: string[] };
  network: Network;
  close(): Promise<void>;
}> {
  const log: RangeLog = { requests: [], faults: [] };
  const signatures = new Map<string, number>();
  const withdrawn = new Set<string>();
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const [, , track = '', rung = ''] = url.pathname.split('/');
    const body = files.get(`${track}/${rung}`);
    const match = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '');
    const start = Number(match?.[1] ?? 0);
    const end = Math.min(Number(match?.[2] ?? Number.MAX_SAFE_INTEGER) + 1, body?.length ?? 0);
    const fault = log.faults.shift();
    const stale = Number(url.searchParams.get('sig')) !== (signatures.get(track) ?? 0);
    const status = fault ?? (!body ? 404 : withdrawn.has(track) ? 410 : stale ? 403 : start >= body.length ? 416 : 206);
    log.requests.push({ path: `${track}/${rung}`, start, end, status });
    if (status === 416 && body && options.sizeUnknown) {
      return res.writeHead(416, { 'Content-Range': `bytes */${body.length}` }).end();
    }
    if (status !== 206 || !body) return res.writeHead(status).end();
    // While a rung is made the size is unknown, and a range is answered only up to its real end.
    const size = options.sizeUnknown && end < body.length ? '*' : body.length;
    res.writeHead(206, { 'Content-Range': `bytes ${start}-${end - 1}/${size}`, 'Content-Length': end - start });
    res.end(body.subarray(start, end));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const calls: string[] = [];
  const api = {
    calls,
    async streamInfo(trackId: string): Promise<StreamInfo> {
      calls.push(trackId);
      const sig = signatures.get(trackId) ?? 0;
      const rungs = Object.entries(RUNGS).filter(([rung]) => files.has(`${trackId}/${rung}`));
      return {
        track_id: trackId,
        normalization_gain_db: -6,
        files: rungs.map(([quality, kbps]) => ({
          quality,
          mime_type: 'audio/ogg',
          bitrate: kbps * 1000,
          url: `${origin}/audio/${trackId}/${quality}?sig=${sig}`,
          expires_at: new Date(Date.now() + 3_600_000).toISOString(),
        })),
      };
    },
  };
  const network: Network = {
    async range(url, start, end) {
      const response = await fetch(url, { headers: { Range: `bytes=${start}-${end - 1}` } });
      const size = Number(response.headers.get('Content-Range')?.split('/')[1]);
      const total = Number.isFinite(size) ? size : undefined;
      if (response.status !== 206) throw new FetchError(response.status, `answered ${response.status}`, total);
      const bytes = new Uint8Array(await response.arrayBuffer());
      return { bytes, total };
    },
  };
  return {
    origin,
    log,
    expire: (track) => signatures.set(track, (signatures.get(track) ?? 0) + 1),
    withdraw: (track, gone = true) => (gone ? withdrawn.add(track) : withdrawn.delete(track)),
    api,
    network,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

interface Scheduled {
  at: number;
  channels: Float32Array[];
}

class TapeVoice implements Voice {
  readonly buffers: Scheduled[] = [];
  fades: { from: number; to: number; direction: 'in' | 'out' }[] = [];
  /** Speed changes asked for (see Voice.warp); the tape itself is not resampled. */
  readonly warps: { at: number; frames: number; shift: number }[] = [];
  stopped = false;
  constructor(readonly gain: number) {}
  warp(at: number, frames: number, shift: number): boolean {
    for (const b of this.buffers) {
      if (b.at + b.channels[0]!.length <= at) continue;
      b.at = b.at <= at ? b.at - shift : Math.round(warped(b.at, at, frames, shift));
    }
    this.warps.push({ at, frames, shift });
    return true;
  }
  schedule(channels: Float32Array[], at: number): void {
    if (!this.stopped) this.buffers.push({ at, channels: channels.map((c) => c.slice()) });
  }
  fade(from: number, to: number, direction: 'in' | 'out'): void {
    this.fades.push({ from, to, direction });
  }
  clearFades(): void {
    this.fades = [];
  }
  stop(): void {
    this.stopped = true;
  }
}

/**
 * An output whose clock the test moves by hand and which records every voice, so that what would
 * have been heard can be rendered onto a tape and compared sample by sample.
 */
export class TapeOutput implements AudioOutput {
  readonly sampleRate = RATE;
  frame = 0;
  /** Frames between rendering and hearing (a device's output latency). */
  latency = 0;
  running = false;
  volume = 1;
  readonly voices: TapeVoice[] = [];

  now(): number {
    return this.frame;
  }
  heard(): number {
    return this.frame - this.latency;
  }
  voice(gain: number): Voice {
    const voice = new TapeVoice(gain);
    this.voices.push(voice);
    return voice;
  }
  setVolume(volume: number): void {
    this.volume = volume;
  }
  async suspend(): Promise<void> {
    this.running = false;
  }
  async resume(): Promise<void> {
    this.running = true;
  }

  /** Left channel of everything scheduled on voices that were not stopped, divided by each voice's gain. */
  render(from: number, to: number, options: { unityGain?: boolean } = {}): Float32Array {
    const tape = new Float32Array(to - from);
    for (const voice of this.voices) {
      if (voice.stopped) continue;
      const gain = options.unityGain ? 1 : voice.gain;
      for (const { at, channels } of voice.buffers) {
        const left = channels[0]!;
        for (let i = Math.max(0, from - at); i < left.length && at + i < to; i++)
          tape[at + i - from]! += left[i]! * gain;
      }
    }
    return tape;
  }

  /** Live voices' scheduled spans as [start, end) frames, sorted. */
  spans(): [number, number][] {
    return this.voices
      .filter((v) => !v.stopped)
      .flatMap((v) => v.buffers.map((b): [number, number] => [b.at, b.at + b.channels[0]!.length]))
      .sort((a, b) => a[0] - b[0]);
  }
}

/** Waits until `check` holds, polling; fails after `ms`. */
export async function until(check: () => boolean, ms = 20_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

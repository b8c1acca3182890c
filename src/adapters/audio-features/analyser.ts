import { execFile, spawn } from 'node:child_process';
import type { Worker } from 'node:worker_threads';
import { MediaError } from '../../core/errors.js';
import type { AnalysisWindow, AudioAnalyser, AudioFeatures } from '../../core/features/types.js';
import { BACKGROUND_NICENESS, firstLine, renice } from '../ffmpeg.js';
import { type FfmpegBinaries, findFfmpeg } from '../ffmpeg-binaries.js';
import { startModuleWorker } from '../memory-search/worker-boot.js';
import type { ExtractRequest } from './extract-worker.js';

/** The extractor's sample rate: 11 kHz of bandwidth holds what tempo, key and timbre need. */
export const ANALYSIS_SAMPLE_RATE = 22_050;

type Reply = { job: number; features: AudioFeatures; error?: undefined } | { job: number; error: string };

/**
 * Decodes a window of a file to mono float PCM with FFmpeg at nice 19, then runs the extractor on a
 * worker thread of its own at nice 19: the API thread never computes a spectrum.
 */
export class FfmpegAudioAnalyser implements AudioAnalyser {
  private readonly binaries: FfmpegBinaries;
  private worker: Worker | null = null;
  private nextJob = 0;
  private readonly pending = new Map<number, { resolve: (f: AudioFeatures) => void; reject: (e: Error) => void }>();

  constructor(binaries?: FfmpegBinaries) {
    this.binaries = binaries ?? findFfmpeg();
  }

  async analyse(path: string, window: AnalysisWindow, signal?: AbortSignal): Promise<AudioFeatures> {
    const samples = await this.decode(path, window, signal);
    // Under two seconds there is no tempo or key to speak of.
    if (samples.length < 2 * ANALYSIS_SAMPLE_RATE) throw new MediaError('too little audio decodes to analyse');
    const worker = this.start();
    const job = this.nextJob++;
    return new Promise<AudioFeatures>((resolve, reject) => {
      this.pending.set(job, { resolve, reject });
      worker.ref();
      worker.postMessage({ job, samples, sampleRate: ANALYSIS_SAMPLE_RATE } satisfies ExtractRequest, [
        samples.buffer as ArrayBuffer,
      ]);
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker) await worker.terminate();
  }

  private async channels(path: string): Promise<number> {
    const args = ['-v', 'error', '-select_streams', 'a:0', '-show_entries', 'stream=channels', '-of', 'csv=p=0', path];
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(this.binaries.ffprobe, args, { timeout: 30_000 }, (error, out) =>
        error ? reject(error) : resolve(out),
      ),
    ).catch(() => {
      throw new MediaError('not a readable audio file');
    });
    const channels = Number.parseInt(stdout.trim(), 10);
    if (!(channels > 0)) throw new MediaError('no audio stream');
    return channels;
  }

  private async decode(path: string, window: AnalysisWindow, signal?: AbortSignal): Promise<Float32Array> {
    const channels = await this.channels(path);
    // Stereo becomes mono as the average of both sides (as the ingest does), so levels match the file's.
    const downmix = channels === 2 ? ['-af', 'pan=mono|c0=0.5*c0+0.5*c1'] : ['-ac', '1'];
    const seek = ['-ss', (window.startMs / 1000).toFixed(3), '-t', (window.durationMs / 1000).toFixed(3)];
    const args = ['-nostdin', '-v', 'error', ...seek, '-i', path, '-map', '0:a:0', ...downmix];
    const output = ['-ar', String(ANALYSIS_SAMPLE_RATE), '-f', 'f32le', '-c:a', 'pcm_f32le', 'pipe:1'];
    const child = spawn(this.binaries.ffmpeg, [...args, ...output], { stdio: ['ignore', 'pipe', 'pipe'], signal });
    if (child.pid !== undefined) renice(child.pid, BACKGROUND_NICENESS);
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 4000) stderr += chunk.toString();
    });
    // Decoding runs many times faster than real time even at nice 19 on a busy machine.
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000 + 4 * window.durationMs).unref();
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    }).finally(() => clearTimeout(timer));
    if (code !== 0) {
      throw new MediaError(`audio could not be decoded: ${firstLine(stderr) ?? `ffmpeg exited with ${code}`}`);
    }
    const bytes = Buffer.concat(chunks);
    const samples = new Float32Array(Math.floor(bytes.length / 4));
    new Uint8Array(samples.buffer).set(bytes.subarray(0, samples.length * 4));
    return samples;
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = startModuleWorker(import.meta.url, 'extract-worker');
    worker.unref();
    worker.on('message', (reply: Reply) => {
      const waiter = this.pending.get(reply.job);
      this.pending.delete(reply.job);
      if (this.pending.size === 0) worker.unref();
      if (reply.error !== undefined) waiter?.reject(new Error(`feature extractor: ${reply.error}`));
      else waiter?.resolve(reply.features);
    });
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = null;
      for (const waiter of this.pending.values()) waiter.reject(error);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`feature extractor exited (${code})`)));
    this.worker = worker;
    return worker;
  }
}

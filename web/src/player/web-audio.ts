import { type AudioOutput, type Voice, warped } from './engine.js';
import { type Decoder, FetchError, type Network } from './track-source.js';

/** Every lossy rung is 44.1 kHz (or half that), so the output runs at 44.1 kHz and never resamples them. */
const OUTPUT_RATE = 44_100;
const FADE_POINTS = 128;

/** Web Audio output: per-track gain stages into a master volume, an analyser, then the speakers. */
export class WebAudioOutput implements AudioOutput {
  readonly context = new AudioContext({ sampleRate: OUTPUT_RATE, latencyHint: 'interactive' });
  readonly master = this.context.createGain();
  readonly analyser = this.context.createAnalyser();

  constructor() {
    this.analyser.fftSize = 2048;
    this.master.connect(this.analyser).connect(this.context.destination);
  }

  get sampleRate(): number {
    return this.context.sampleRate;
  }

  now(): number {
    return Math.round(this.context.currentTime * this.context.sampleRate);
  }

  heard(): number {
    return Math.round(this.heardAt(performance.now()));
  }

  /**
   * The output frame reaching the speakers at `performance.now()` time `at` (fractional): the
   * output's own timestamp (a frame and when it is heard) carried forward while the output runs.
   * Rendering runs ahead of it by the device's latency (about 40 ms in headless Chromium).
   */
  heardAt(at: number): number {
    const { contextTime = 0, performanceTime = 0 } = this.context.getOutputTimestamp();
    const rate = this.context.sampleRate;
    if (this.context.state !== 'running') return contextTime * rate;
    if (performanceTime === 0) {
      // No timestamp yet (the device has not played a buffer): the rendered frame less the latency.
      const latency = this.context.baseLatency + (this.context.outputLatency || 0);
      return Math.max(0, this.context.currentTime - latency) * rate;
    }
    // Never past the rendered frame: a timestamp from before a suspension would carry the pause along.
    return Math.min(contextTime + (at - performanceTime) / 1000, this.context.currentTime) * rate;
  }

  voice(gain: number): Voice {
    return new WebAudioVoice(this.context, this.master, gain);
  }

  /** A squared slider feels even across its travel (loudness is logarithmic). */
  setVolume(volume: number): void {
    this.master.gain.setTargetAtTime(volume * volume, this.context.currentTime, 0.01);
  }

  async suspend(): Promise<void> {
    if (this.context.state === 'running') await this.context.suspend();
  }

  async resume(): Promise<void> {
    if (this.context.state !== 'running') await this.context.resume();
  }

  /** Decodes with the browser's own decoder (a whole small Ogg file per chunk). */
  decoder(): Decoder {
    return {
      decode: async (bytes) => {
        const copy = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
        const audio = await this.context.decodeAudioData(copy.buffer as ArrayBuffer);
        const channels: Float32Array[] = [];
        for (let c = 0; c < audio.numberOfChannels; c++) channels.push(audio.getChannelData(c));
        return { length: audio.length, channels };
      },
    };
  }
}

class WebAudioVoice implements Voice {
  private readonly gain: GainNode;
  /** Scheduled buffers by node, with the output frame each starts at (kept so a warp can move them). */
  private readonly sources = new Map<AudioBufferSourceNode, { buffer: AudioBuffer; at: number }>();

  constructor(
    private readonly context: AudioContext,
    master: AudioNode,
    private readonly level: number,
  ) {
    this.gain = context.createGain();
    this.gain.gain.value = level;
    this.gain.connect(master);
  }

  schedule(channels: Float32Array[], at: number): void {
    const length = channels[0]?.length ?? 0;
    if (length === 0) return;
    const buffer = this.context.createBuffer(channels.length, length, this.context.sampleRate);
    channels.forEach((data, c) => {
      buffer.copyToChannel(data as Float32Array<ArrayBuffer>, c);
    });
    this.play(buffer, at);
  }

  private play(buffer: AudioBuffer, at: number): AudioBufferSourceNode {
    const node = this.context.createBufferSource();
    node.buffer = buffer;
    node.connect(this.gain);
    node.onended = () => {
      node.disconnect();
      this.sources.delete(node);
    };
    this.sources.set(node, { buffer, at });
    node.start(at / this.context.sampleRate);
    return node;
  }

  warp(at: number, frames: number, shift: number): boolean {
    const rate = this.context.sampleRate;
    const speed = 1 + shift / frames;
    for (const [node, s] of [...this.sources]) {
      if (s.at + s.buffer.length <= at) continue;
      // After the window, every buffer plays as if scheduled `shift` frames earlier.
      const virtual = s.at - shift;
      let played = node;
      if (s.at > at) {
        // Not started yet: start it again where the sped-up (or slowed) audio before it ends.
        node.onended = null;
        node.stop();
        node.disconnect();
        this.sources.delete(node);
        played = this.play(s.buffer, warped(s.at, at, frames, shift));
      }
      if (warped(s.at, at, frames, shift) < at + frames) {
        played.playbackRate.setValueAtTime(speed, at / rate);
        played.playbackRate.setValueAtTime(1, (at + frames) / rate);
      }
      this.sources.get(played)!.at = virtual;
    }
    return true;
  }

  fade(from: number, to: number, direction: 'in' | 'out'): void {
    const rate = this.context.sampleRate;
    const curve = new Float32Array(FADE_POINTS);
    for (let i = 0; i < FADE_POINTS; i++) {
      const t = i / (FADE_POINTS - 1);
      curve[i] = this.level * (direction === 'in' ? Math.sin((t * Math.PI) / 2) : Math.cos((t * Math.PI) / 2));
    }
    const param = this.gain.gain;
    if (direction === 'in') param.setValueAtTime(0, this.context.currentTime);
    param.setValueCurveAtTime(curve, Math.max(from / rate, this.context.currentTime), (to - from) / rate);
  }

  clearFades(): void {
    this.gain.gain.cancelScheduledValues(0);
    this.gain.gain.setValueAtTime(this.level, this.context.currentTime);
  }

  stop(): void {
    for (const node of this.sources.keys()) {
      node.onended = null;
      node.stop();
      node.disconnect();
    }
    this.sources.clear();
    this.gain.disconnect();
  }
}

/** Range requests with `fetch`; signed audio URLs need no credentials. */
export const fetchNetwork: Network = {
  async range(url, start, end) {
    let response: Response;
    try {
      response = await fetch(url, { headers: { Range: `bytes=${start}-${end - 1}` } });
    } catch (error) {
      throw new FetchError(0, `network error: ${(error as Error).message}`);
    }
    // `bytes a-b/<size>`, `bytes */<size>` (416), or `bytes a-b/*` while the file is still being made.
    const size = Number(response.headers.get('Content-Range')?.split('/')[1]);
    const total = Number.isFinite(size) ? size : undefined;
    if (response.status !== 206 && response.status !== 200) {
      throw new FetchError(response.status, `audio request answered ${response.status}`, total);
    }
    const bytes = new Uint8Array(await response.arrayBuffer());
    const waited = /\bbuild;dur=([\d.]+)/.exec(response.headers.get('Server-Timing') ?? '');
    const serverWaitMs = waited ? Number(waited[1]) : undefined;
    if (response.status === 200) return { bytes: bytes.subarray(start, end), total: bytes.length, serverWaitMs };
    return { bytes, total, serverWaitMs };
  },
};

import { LOUDNESS_FLOOR_DB } from '../ingest/loudness.js';

/**
 * Level measures of the mono excerpt: ITU-R BS.1770 gated loudness (the measure behind EBU R128 and
 * the ingest's `ebur128` measurement), crest factor, and how much the short-term loudness moves.
 */
export interface Level {
  /** Integrated loudness in LUFS, counted as dual mono like the ingest's measurement; floor -70. */
  loudness: number;
  /** Peak over RMS in dB: a heavily limited master is near 8 dB, an acoustic recording 15 dB or more. */
  crestDb: number;
  /** Spread (10th to 95th percentile, LU) of 3 s loudness above the gates, as EBU's loudness range. */
  rangeLu: number;
}

/** A mono downmix of correlated stereo measures 3.01 dB under the stereo file (two channels summed). */
const DUAL_MONO_DB = 10 * Math.log10(2);

export function measureLevel(samples: Float32Array, sampleRate: number): Level {
  const weighted = kWeight(samples, sampleRate);
  const blocks = blockPowers(weighted, sampleRate, 0.4, 0.1);
  const loudness = gatedLoudness(blocks);
  const shortTerm = blockPowers(weighted, sampleRate, 3, 1)
    .filter((z) => toLufs(z) > Math.max(-70, loudness - DUAL_MONO_DB - 20))
    .map(toLufs)
    .sort((a, b) => a - b);
  const rangeLu =
    shortTerm.length > 1
      ? shortTerm[Math.floor(0.95 * (shortTerm.length - 1))]! - shortTerm[Math.floor(0.1 * (shortTerm.length - 1))]!
      : 0;
  let peak = 0;
  let energy = 0;
  for (const s of samples) {
    peak = Math.max(peak, Math.abs(s));
    energy += s * s;
  }
  const rms = Math.sqrt(energy / Math.max(1, samples.length));
  const crestDb = rms > 1e-6 ? 20 * Math.log10(peak / rms) : 0;
  return {
    loudness: Number.isFinite(loudness) ? Math.max(LOUDNESS_FLOOR_DB, loudness + DUAL_MONO_DB) : LOUDNESS_FLOOR_DB,
    crestDb,
    rangeLu,
  };
}

const toLufs = (meanSquare: number) => -0.691 + 10 * Math.log10(meanSquare);

/** BS.1770 gating: absolute at -70 LUFS, then relative at 10 LU under the mean of what passed. */
function gatedLoudness(blocks: number[]): number {
  const audible = blocks.filter((z) => toLufs(z) > -70);
  if (audible.length === 0) return Number.NEGATIVE_INFINITY;
  const relative = toLufs(mean(audible)) - 10;
  const kept = audible.filter((z) => toLufs(z) > relative);
  return toLufs(mean(kept));
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** Mean squares of blocks `seconds` long, every `step` seconds. */
function blockPowers(x: Float64Array, sampleRate: number, seconds: number, step: number): number[] {
  const size = Math.round(seconds * sampleRate);
  const hop = Math.round(step * sampleRate);
  const prefix = new Float64Array(x.length + 1);
  for (let i = 0; i < x.length; i++) prefix[i + 1] = prefix[i]! + x[i]! * x[i]!;
  const out: number[] = [];
  for (let start = 0; start + size <= x.length; start += hop) out.push((prefix[start + size]! - prefix[start]!) / size);
  return out;
}

/**
 * The K-weighting filter of BS.1770 (a high shelf of about +4 dB above 1.5 kHz, then a high-pass near
 * 38 Hz), with coefficients derived for this sample rate from the analogue prototypes' parameters.
 */
function kWeight(x: Float32Array, fs: number): Float64Array {
  const shelf = (() => {
    const k = Math.tan((Math.PI * 1681.974450955533) / fs);
    const q = 0.7071752369554196;
    const vh = 10 ** (3.999843853973347 / 20);
    const vb = vh ** 0.4996667741545416;
    const a0 = 1 + k / q + k * k;
    return {
      b: [(vh + (vb * k) / q + k * k) / a0, (2 * (k * k - vh)) / a0, (vh - (vb * k) / q + k * k) / a0],
      a: [(2 * (k * k - 1)) / a0, (1 - k / q + k * k) / a0],
    };
  })();
  const highPass = (() => {
    const k = Math.tan((Math.PI * 38.13547087602444) / fs);
    const q = 0.5003270373238773;
    const a0 = 1 + k / q + k * k;
    return { b: [1, -2, 1], a: [(2 * (k * k - 1)) / a0, (1 - k / q + k * k) / a0] };
  })();
  return biquad(biquad(Float64Array.from(x), shelf), highPass);
}

function biquad(x: Float64Array, { b, a }: { b: number[]; a: number[] }): Float64Array {
  const [b0, b1, b2] = b as [number, number, number];
  const [a1, a2] = a as [number, number];
  const y = new Float64Array(x.length);
  let x1 = 0;
  let x2 = 0;
  let y1 = 0;
  let y2 = 0;
  for (let i = 0; i < x.length; i++) {
    const v = b0 * x[i]! + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
    x2 = x1;
    x1 = x[i]!;
    y2 = y1;
    y1 = v;
    y[i] = v;
  }
  return y;
}

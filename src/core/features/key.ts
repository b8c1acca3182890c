/**
 * Key and mode from a chroma profile (energy per pitch class over the whole excerpt), correlated with
 * the Krumhansl–Kessler key profiles of all 24 major and minor keys: the best-matching key wins.
 */

/** Krumhansl & Kessler (1982) probe-tone ratings, tonic first. */
const MAJOR = [6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88];
const MINOR = [6.33, 2.68, 3.52, 5.38, 2.6, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17];

/** Under this correlation no key is reported (-1): drums, noise and speech land there, music rarely. */
const MIN_CONFIDENCE = 0.5;

/** Pitch range that feeds the chroma: C2 to about C8; below, bins are wider than a semitone. */
const LOWEST_HZ = 65;
const HIGHEST_HZ = 4200;

export interface KeyEstimate {
  /** Pitch class of the tonic, 0 = C … 11 = B; -1 when no key fits (noise, drums, silence). */
  key: number;
  /** 1 major, 0 minor (Spotify's convention). */
  mode: number;
  /** Correlation of the winning profile with the chroma (-1..1); below about 0.5 the key is a guess. */
  confidence: number;
}

/** Accumulates a chroma profile from magnitude spectra of one FFT size. */
export class Chroma {
  readonly profile = new Float64Array(12);
  private readonly pitchClass: Int8Array;

  constructor(fftSize: number, sampleRate: number) {
    const bins = fftSize / 2 + 1;
    this.pitchClass = new Int8Array(bins).fill(-1);
    for (let k = 1; k < bins; k++) {
      const hz = (k * sampleRate) / fftSize;
      if (hz < LOWEST_HZ || hz > HIGHEST_HZ) continue;
      const midi = 69 + 12 * Math.log2(hz / 440);
      this.pitchClass[k] = ((Math.round(midi) % 12) + 12) % 12;
    }
  }

  /**
   * Adds one frame, normalised to unit sum so that a loud chorus does not outvote the rest; a frame
   * with almost no energy adds nothing.
   */
  add(magnitudes: Float64Array): void {
    const frame = new Float64Array(12);
    let total = 0;
    for (let k = 0; k < this.pitchClass.length; k++) {
      const pc = this.pitchClass[k]!;
      if (pc < 0) continue;
      const power = magnitudes[k]! * magnitudes[k]!;
      frame[pc] = frame[pc]! + power;
      total += power;
    }
    if (!(total > 1e-8)) return;
    for (let pc = 0; pc < 12; pc++) this.profile[pc] = this.profile[pc]! + Math.sqrt(frame[pc]! / total);
  }
}

export function estimateKey(chroma: Float64Array): KeyEstimate {
  const mean = chroma.reduce((a, b) => a + b, 0) / 12;
  const spread = Math.max(...chroma) - Math.min(...chroma);
  // A flat profile (white noise, unpitched drums) correlates with some key by chance only.
  if (!(mean > 0) || spread / mean < 0.15) return { key: -1, mode: 1, confidence: 0 };
  let best: KeyEstimate = { key: -1, mode: 1, confidence: -1 };
  for (let tonic = 0; tonic < 12; tonic++) {
    for (const [mode, profile] of [
      [1, MAJOR],
      [0, MINOR],
    ] as const) {
      const r = correlation(chroma, (pc) => profile[(pc - tonic + 12) % 12]!);
      if (r > best.confidence) best = { key: tonic, mode, confidence: r };
    }
  }
  return best.confidence >= MIN_CONFIDENCE
    ? best
    : { key: -1, mode: best.mode, confidence: Math.max(0, best.confidence) };
}

function correlation(x: Float64Array, y: (pc: number) => number): number {
  let mx = 0;
  let my = 0;
  for (let i = 0; i < 12; i++) {
    mx += x[i]!;
    my += y(i);
  }
  mx /= 12;
  my /= 12;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < 12; i++) {
    const dx = x[i]! - mx;
    const dy = y(i) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : 0;
}

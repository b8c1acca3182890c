/**
 * Tempo from the onset-strength envelope (spectral flux), by autocorrelation: the beat period is the
 * lag at which the envelope best matches itself, weighted towards 120 BPM so that a track is not read
 * at half or double its tempo when both fit equally, then refined from the peaks at 2, 3 and 4 periods.
 */

/** Tempo prior: log-normal around 120 BPM with one octave of spread (onsets at 60 and 240 fit 120 too). */
const PRIOR_BPM = 120;
const PRIOR_OCTAVES = 1;
const MIN_BPM = 40;
const MAX_BPM = 220;

export interface Rhythm {
  /** Beats per minute; 0 when the envelope has no periodicity (silence, steady noise). */
  tempo: number;
  /** Autocorrelation at the beat period over the envelope's energy (0..1): how clear the pulse is. */
  pulseClarity: number;
  /** Beats per bar, 3 or 4. */
  timeSignature: number;
  /** Onsets per second (peaks of the envelope above its local mean). */
  onsetRate: number;
}

/**
 * `envelope` is the onset strength per frame, `frameRate` frames per second. Only lags of whole
 * frames are correlated; the period is refined to a fraction of a frame by parabolic interpolation.
 */
export function rhythm(envelope: Float64Array, frameRate: number): Rhythm {
  const o = detrend(envelope, Math.round(frameRate));
  const minLag = Math.floor((60 * frameRate) / MAX_BPM);
  const maxBeatLag = Math.ceil((60 * frameRate) / MIN_BPM);
  const maxLag = Math.min(o.length - 1, 4 * maxBeatLag + 2);
  const onsetRate = countPeaks(o) / Math.max(1e-9, envelope.length / frameRate);
  const silent: Rhythm = { tempo: 0, pulseClarity: 0, timeSignature: 4, onsetRate };
  if (maxLag <= maxBeatLag) return silent;
  const r = autocorrelation(o, maxLag);
  if (!(r[0]! > 1e-12)) return silent;

  let best = -1;
  let bestScore = 0;
  for (let lag = minLag; lag <= Math.min(maxBeatLag, maxLag - 1); lag++) {
    if (r[lag]! < r[lag - 1]! || r[lag]! < r[lag + 1]!) continue;
    const bpm = (60 * frameRate) / lag;
    const score = r[lag]! * Math.exp(-0.5 * (Math.log2(bpm / PRIOR_BPM) / PRIOR_OCTAVES) ** 2);
    if (score > bestScore) {
      bestScore = score;
      best = lag;
    }
  }
  if (best < 0) return silent;
  const period = refinePeriod(r, best);
  const pulseClarity = clamp01(r[best]! / r[0]!);
  // Bars need beats first: without a clear pulse the answer is the common case.
  const timeSignature = pulseClarity > 0.2 ? beatsPerBar(r, period) : 4;
  return { tempo: (60 * frameRate) / period, pulseClarity, timeSignature, onsetRate };
}

/** Half-wave rectified difference from a moving average: onsets stand out, slow swells do not. */
function detrend(x: Float64Array, width: number): Float64Array {
  const out = new Float64Array(x.length);
  const prefix = new Float64Array(x.length + 1);
  for (let i = 0; i < x.length; i++) prefix[i + 1] = prefix[i]! + x[i]!;
  const half = Math.max(1, Math.floor(width / 2));
  for (let i = 0; i < x.length; i++) {
    const from = Math.max(0, i - half);
    const to = Math.min(x.length, i + half + 1);
    out[i] = Math.max(0, x[i]! - (prefix[to]! - prefix[from]!) / (to - from));
  }
  return out;
}

function autocorrelation(x: Float64Array, maxLag: number): Float64Array {
  const r = new Float64Array(maxLag + 1);
  for (let lag = 0; lag <= maxLag; lag++) {
    let sum = 0;
    for (let i = 0; i + lag < x.length; i++) sum += x[i]! * x[i + lag]!;
    // Unbiased: a long lag overlaps fewer frames and would otherwise always look weaker.
    r[lag] = sum / (x.length - lag);
  }
  return r;
}

/** The local maximum of `r` within `radius` of `at`, to a fraction of a lag. */
function peakNear(r: Float64Array, at: number, radius: number): { lag: number; value: number } | undefined {
  let best = -1;
  for (let lag = Math.max(1, Math.round(at - radius)); lag <= Math.min(r.length - 2, Math.round(at + radius)); lag++) {
    if (best < 0 || r[lag]! > r[best]!) best = lag;
  }
  if (best < 1 || best >= r.length - 1) return undefined;
  const [a, b, c] = [r[best - 1]!, r[best]!, r[best + 1]!];
  const curvature = a - 2 * b + c;
  const shift = curvature < 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (a - c)) / curvature)) : 0;
  return { lag: best + shift, value: b };
}

/**
 * The beat period from the peaks at 1..4 periods: a least-squares fit of lag = m × period, so the
 * fourth peak, measured with the same frame error as the first, pins the period four times as finely.
 */
function refinePeriod(r: Float64Array, lag: number): number {
  let num = 0;
  let den = 0;
  let period = peakNear(r, lag, 1)?.lag ?? lag;
  for (let m = 1; m <= 4 && m * period < r.length - 2; m++) {
    const peak = peakNear(r, m * period, Math.max(1, m * 0.6));
    if (!peak || peak.value <= 0) continue;
    num += m * peak.lag;
    den += m * m;
    period = num / den;
  }
  return period;
}

/** Three beats to the bar when the envelope repeats clearly more at three beats than at two and four. */
function beatsPerBar(r: Float64Array, period: number): number {
  const at = (m: number) => (m * period < r.length - 2 ? (peakNear(r, m * period, 1)?.value ?? 0) : 0);
  const [two, three, four] = [at(2), at(3), at(4)];
  return three > 1.15 * Math.max(two, four) ? 3 : 4;
}

function countPeaks(o: Float64Array): number {
  let max = 0;
  for (const v of o) max = Math.max(max, v);
  const floor = 0.1 * max;
  let peaks = 0;
  for (let i = 1; i < o.length - 1; i++) if (o[i]! > floor && o[i]! >= o[i - 1]! && o[i]! > o[i + 1]!) peaks++;
  return peaks;
}

export function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}

import { type Descriptors, estimate } from './estimates.js';
import { Spectrum } from './fft.js';
import { Chroma, estimateKey } from './key.js';
import { measureLevel } from './level.js';
import { rhythm } from './tempo.js';
import type { AudioFeatures } from './types.js';

/** Frames for onsets and spectral shape: 46 ms at 22.05 kHz, every 11.6 ms (86 frames a second). */
const SHORT_FFT = 1024;
const SHORT_HOP = 256;
/** Frames for chroma: 371 ms, 2.7 Hz bins, fine enough to tell semitones apart from about 65 Hz. */
const LONG_FFT = 8192;
const LONG_HOP = 2048;
/** Spectral flux and shape look at what most music puts energy in; above it is mostly cymbal air. */
const SHAPE_MAX_HZ = 10_000;
/** Frames quieter than this (dBFS RMS) are silence: they count for no spectral average. */
const SILENT_DB = -60;
const FLATNESS_EVERY = 4;

/**
 * Every feature of a mono excerpt (float samples, -1..1). Pure and deterministic: the same samples
 * give the same features on every machine.
 */
export function extractFeatures(samples: Float32Array, sampleRate: number): AudioFeatures {
  const level = measureLevel(samples, sampleRate);
  const shape = spectralShape(samples, sampleRate);
  const pulse = rhythm(shape.onsets, sampleRate / SHORT_HOP);
  const chroma = new Chroma(LONG_FFT, sampleRate);
  const long = new Spectrum(LONG_FFT);
  const magnitudes = new Float64Array(long.bins);
  for (let start = 0; start + LONG_FFT / 2 < samples.length; start += LONG_HOP) {
    long.magnitudes(samples, start, magnitudes);
    chroma.add(magnitudes);
  }
  const key = estimateKey(chroma.profile);
  const descriptors: Descriptors = { level, pulse, key, ...shape.summary };
  return estimate(descriptors);
}

interface ShapeSummary {
  centroidHz: number;
  rolloffHz: number;
  flatness: number;
  /** Share of frames under half the mean RMS: pauses between words, or silence between hits. */
  lowEnergyRatio: number;
  /** Mean flatness of the quietest fifth of the non-silent frames: the room or crowd between notes. */
  quietFlatness: number;
}

function spectralShape(samples: Float32Array, sampleRate: number): { onsets: Float64Array; summary: ShapeSummary } {
  const fft = new Spectrum(SHORT_FFT);
  const top = Math.min(fft.bins - 1, Math.floor((SHAPE_MAX_HZ * SHORT_FFT) / sampleRate));
  const frames = Math.max(0, Math.floor((samples.length - SHORT_FFT) / SHORT_HOP) + 1);
  const onsets = new Float64Array(frames);
  const rms = new Float64Array(frames);
  const flatnessOf = new Float64Array(frames);
  const current = new Float64Array(fft.bins);
  // Log-compressed magnitudes: a quiet instrument's onset counts, not only the loudest hits.
  let compressed = new Float64Array(fft.bins);
  let previous = new Float64Array(fft.bins);
  let centroidSum = 0;
  let rolloffSum = 0;
  let flatnessSum = 0;
  let voiced = 0;
  let flatnessFrames = 0;
  const binHz = sampleRate / SHORT_FFT;
  for (let f = 0; f < frames; f++) {
    const start = f * SHORT_HOP;
    fft.magnitudes(samples, start, current);
    let energy = 0;
    for (let i = start; i < start + SHORT_FFT; i++) energy += samples[i]! * samples[i]!;
    rms[f] = Math.sqrt(energy / SHORT_FFT);
    let flux = 0;
    let power = 0;
    let weighted = 0;
    for (let k = 1; k <= top; k++) {
      const m = current[k]!;
      compressed[k] = Math.log1p(10 * m);
      flux += Math.max(0, compressed[k]! - previous[k]!);
      const p = m * m;
      power += p;
      weighted += k * binHz * p;
    }
    onsets[f] = flux;
    // Flatness needs a logarithm per bin: every fourth frame is plenty for an average over minutes.
    const sampled = f % FLATNESS_EVERY === 0;
    flatnessOf[f] = sampled ? flatnessOfFrame(current, top, power) : Number.NaN;
    if (20 * Math.log10(rms[f]! + 1e-12) > SILENT_DB && power > 0) {
      centroidSum += weighted / power;
      let cumulative = 0;
      let k = 1;
      for (; k <= top && cumulative < 0.85 * power; k++) cumulative += current[k]! * current[k]!;
      rolloffSum += (k - 1) * binHz;
      voiced++;
      if (sampled) {
        flatnessSum += flatnessOf[f]!;
        flatnessFrames++;
      }
    }
    [previous, compressed] = [compressed, previous];
  }
  return {
    onsets,
    summary: summarise(rms, flatnessOf, { centroidSum, rolloffSum, flatnessSum, voiced, flatnessFrames }),
  };
}

function flatnessOfFrame(magnitudes: Float64Array, top: number, power: number): number {
  if (!(power > 0)) return 0;
  let logSum = 0;
  for (let k = 1; k <= top; k++) logSum += Math.log(magnitudes[k]! * magnitudes[k]! + 1e-12);
  return Math.exp(logSum / top) / (power / top);
}

function summarise(
  rms: Float64Array,
  flatness: Float64Array,
  sums: { centroidSum: number; rolloffSum: number; flatnessSum: number; voiced: number; flatnessFrames: number },
): ShapeSummary {
  const { voiced } = sums;
  const meanRms = rms.reduce((a, b) => a + b, 0) / Math.max(1, rms.length);
  let low = 0;
  for (const r of rms) if (r < 0.5 * meanRms) low++;
  const audible = [...rms.keys()]
    .filter((i) => !Number.isNaN(flatness[i]!) && 20 * Math.log10(rms[i]! + 1e-12) > SILENT_DB)
    .sort((a, b) => rms[a]! - rms[b]!);
  const quiet = audible.slice(0, Math.max(1, Math.floor(audible.length / 5)));
  const quietFlatness = audible.length > 0 ? quiet.reduce((s, i) => s + flatness[i]!, 0) / quiet.length : 0;
  return {
    centroidHz: voiced > 0 ? sums.centroidSum / voiced : 0,
    rolloffHz: voiced > 0 ? sums.rolloffSum / voiced : 0,
    flatness: sums.flatnessFrames > 0 ? sums.flatnessSum / sums.flatnessFrames : 0,
    lowEnergyRatio: rms.length > 0 ? low / rms.length : 0,
    quietFlatness,
  };
}

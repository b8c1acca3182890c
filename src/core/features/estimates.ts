import type { KeyEstimate } from './key.js';
import type { Level } from './level.js';
import { clamp01, type Rhythm } from './tempo.js';
import type { AudioFeatures } from './types.js';

/** What the extractor measured; every Spotify field below is a documented function of these. */
export interface Descriptors {
  level: Level;
  pulse: Rhythm;
  key: KeyEstimate;
  centroidHz: number;
  rolloffHz: number;
  flatness: number;
  lowEnergyRatio: number;
  quietFlatness: number;
}

/** `x` mapped linearly from [from, to] onto [0, 1], clamped. */
const ramp = (x: number, from: number, to: number) => clamp01((x - from) / (to - from));

/**
 * Spotify's perceptual fields, estimated from the measurements with fixed, hand-set weights (no model
 * trained on labels). Measured fields (tempo, key, mode, loudness, time signature, spectral shape) are
 * what they say; the others are rough estimates, documented as such in docs/audio-features.md.
 */
export function estimate(d: Descriptors): AudioFeatures {
  const { level, pulse, key } = d;
  const loud = ramp(level.loudness, -40, -6);
  const bright = ramp(d.centroidHz, 400, 3000);
  const noisy = ramp(d.flatness, 0.02, 0.35);
  const busy = ramp(pulse.onsetRate, 0.5, 6);
  const energy = clamp01(0.55 * loud + 0.2 * bright + 0.1 * noisy + 0.15 * busy);

  const tempoFit = pulse.tempo > 0 ? Math.exp(-0.5 * (Math.log2(pulse.tempo / 118) / 0.45) ** 2) : 0;
  const clarity = ramp(pulse.pulseClarity, 0.05, 0.6);
  // Without a clear pulse a tempo in the dance range means nothing.
  const danceability = clamp01(clarity ** 0.8 * (0.55 + 0.35 * tempoFit + 0.1 * busy));

  const tonal = ramp(key.confidence, 0.3, 0.8);
  // Speech: many short pauses, no steady pulse, no key.
  const speechLike =
    ramp(d.lowEnergyRatio, 0.15, 0.35) *
    (1 - ramp(pulse.pulseClarity, 0.25, 0.6)) *
    (1 - ramp(key.confidence, 0.45, 0.75));
  const speechiness = clamp01(0.02 + 0.95 * speechLike);
  const instrumentalness = clamp01(0.1 + 0.8 * (1 - ramp(speechLike, 0.05, 0.4)) * (0.5 + 0.5 * tonal));

  const compressed = ramp(18 - level.crestDb, 0, 10);
  const acousticness = clamp01(1 - (0.45 * compressed + 0.3 * bright + 0.25 * noisy));
  const liveness = clamp01(0.05 + 0.6 * ramp(d.quietFlatness, 0.1, 0.5) * (1 - speechLike));

  const major = key.key < 0 ? 0.5 : key.mode === 1 ? 0.5 + 0.5 * tonal : 0.5 - 0.5 * tonal;
  const valence = clamp01(0.4 * major + 0.25 * ramp(pulse.tempo, 70, 150) + 0.2 * energy + 0.15 * clarity);

  return {
    danceability,
    energy,
    key: key.key,
    loudness: level.loudness,
    mode: key.key < 0 ? 1 : key.mode,
    speechiness,
    acousticness,
    instrumentalness,
    liveness,
    valence,
    tempo: pulse.tempo,
    timeSignature: pulse.timeSignature,
    spectralCentroid: d.centroidHz,
    spectralRolloff: d.rolloffHz,
    spectralFlatness: d.flatness,
    keyConfidence: key.confidence,
    tempoConfidence: pulse.pulseClarity,
  };
}

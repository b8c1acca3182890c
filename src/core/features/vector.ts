import type { AudioFeatures } from './types.js';

/**
 * A track's content vector for the recommender: each feature centred on a typical value for music,
 * divided by a typical spread, clipped to ±3 and weighted (docs/audio-features.md, "Content vector").
 * Centring is what makes cosine similarity mean "sounds alike": two tracks point the same way when
 * they sit on the same side of typical on the same features (both fast, bright and loud), and opposite
 * ways when they differ on them. Uncentred, every vector of positive features would point roughly the
 * same way. A track exactly typical on every feature has a zero vector: no evidence either way.
 */
interface Dimension {
  name: string;
  value: (f: AudioFeatures) => number;
  centre: number;
  spread: number;
  weight: number;
}

const log2 = (x: number) => (x > 0 ? Math.log2(x) : 0);

/** The key's place on the circle of fifths, minor keys at their relative major (A minor beside C major). */
function fifths(f: AudioFeatures): number {
  if (f.key < 0) return Number.NaN;
  const major = f.mode === 1 ? f.key : (f.key + 3) % 12;
  return (2 * Math.PI * ((major * 7) % 12)) / 12;
}

/** Features whose estimate is rough (docs) weigh less: they add noise as much as signal. */
export const DIMENSIONS: readonly Dimension[] = [
  { name: 'danceability', value: (f) => f.danceability, centre: 0.5, spread: 0.2, weight: 1 },
  { name: 'energy', value: (f) => f.energy, centre: 0.5, spread: 0.2, weight: 1.2 },
  { name: 'valence', value: (f) => f.valence, centre: 0.45, spread: 0.2, weight: 0.7 },
  { name: 'acousticness', value: (f) => f.acousticness, centre: 0.5, spread: 0.3, weight: 0.8 },
  { name: 'instrumentalness', value: (f) => f.instrumentalness, centre: 0.5, spread: 0.3, weight: 0.4 },
  { name: 'speechiness', value: (f) => f.speechiness, centre: 0.1, spread: 0.15, weight: 0.5 },
  { name: 'liveness', value: (f) => f.liveness, centre: 0.2, spread: 0.2, weight: 0.2 },
  // Tempo in octaves around 115 BPM: 90 and 145 BPM are equally far from it, as they sound.
  { name: 'tempo', value: (f) => (f.tempo > 0 ? log2(f.tempo / 115) : 0), centre: 0, spread: 0.35, weight: 0.8 },
  { name: 'loudness', value: (f) => f.loudness, centre: -14, spread: 6, weight: 0.8 },
  { name: 'brightness', value: (f) => log2(f.spectralCentroid / 1500), centre: 0, spread: 0.8, weight: 0.9 },
  { name: 'rolloff', value: (f) => log2(f.spectralRolloff / 3000), centre: 0, spread: 0.8, weight: 0.5 },
  { name: 'flatness', value: (f) => f.spectralFlatness, centre: 0.1, spread: 0.1, weight: 0.6 },
  { name: 'mode', value: (f) => (f.key < 0 ? 0.5 : f.mode), centre: 0.5, spread: 0.5, weight: 0.4 },
  // The key as a point on the circle of fifths: neighbouring keys are close, a tritone apart opposite.
  { name: 'key_x', value: (f) => Math.cos(fifths(f)), centre: 0, spread: 1, weight: 0.3 },
  { name: 'key_y', value: (f) => Math.sin(fifths(f)), centre: 0, spread: 1, weight: 0.3 },
];

export const CONTENT_VECTOR_LENGTH = DIMENSIONS.length;

export function contentVector(f: AudioFeatures): Float32Array {
  const out = new Float32Array(DIMENSIONS.length);
  for (const [i, d] of DIMENSIONS.entries()) {
    const z = (d.value(f) - d.centre) / d.spread;
    out[i] = Number.isFinite(z) ? d.weight * Math.max(-3, Math.min(3, z)) : 0;
  }
  return out;
}

/** Cosine similarity of two content vectors; 0 when either is zero. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

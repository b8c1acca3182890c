/**
 * Implicit ALS (Hu, Koren, Volinsky 2008) solved with a few conjugate-gradient steps per row (Takács,
 * Pilászy, Tikk 2011) warm-started from the previous sweep. Preference 1 for every observed pair,
 * confidence c = 1 + α·log(1 + w/ε) where w is the raw weight (play count, or 1 for a playlist entry).
 */
import { type Csr, seededRandom } from './matrix.js';

export interface IalsParams {
  factors: number;
  alpha: number;
  epsilon: number;
  lambda: number;
  iterations: number;
  cgSteps: number;
  seed: number;
}

export interface IalsModel {
  type: 'ials';
  params: IalsParams;
  /** users × factors, row-major. */
  userFactors: Float32Array;
  /** items × factors, row-major. */
  itemFactors: Float32Array;
  /** YᵀY + λI (factors × factors), kept so a fold-in costs O(seeds · factors²), not O(items · factors²). */
  itemGram: Float64Array;
}

export function confidence(params: IalsParams, weight: number): number {
  return 1 + params.alpha * Math.log1p(weight / params.epsilon);
}

/** Fits the factors; onSweep (when given) sees the loss after each full sweep (for tests, and slow). */
export function fitIals(byUser: Csr, byItem: Csr, params: IalsParams, onSweep?: (loss: number) => void): IalsModel {
  const f = params.factors;
  const random = seededRandom(params.seed);
  const init = (n: number) => Float32Array.from({ length: n * f }, () => (random() - 0.5) * (0.1 / Math.sqrt(f)));
  const userFactors = init(byUser.rows);
  const itemFactors = init(byItem.rows);
  const userConf = byUser.values.map((w) => confidence(params, w));
  const itemConf = byItem.values.map((w) => confidence(params, w));
  for (let it = 0; it < params.iterations; it++) {
    sweep(byUser, userConf, userFactors, itemFactors, params);
    sweep(byItem, itemConf, itemFactors, userFactors, params);
    if (onSweep) onSweep(ialsLoss(byUser, userConf, userFactors, itemFactors, params));
  }
  return { type: 'ials', params, userFactors, itemFactors, itemGram: gram(itemFactors, f, params.lambda) };
}

/** YᵀY + λI, f × f in doubles; Y is added four rows at a time, so each cell is read and written once per four. */
function gram(other: Float32Array, f: number, lambda: number): Float64Array {
  const g = new Float64Array(f * f);
  const n = other.length / f;
  let r = 0;
  for (; r + 4 <= n; r += 4) {
    const o = r * f;
    for (let a = 0; a < f; a++) addRows4(g, a, other, o, f);
  }
  for (; r < n; r++) {
    const o = r * f;
    for (let a = 0; a < f; a++) addRow(g, a * f, other, o, other[o + a]!, a, f);
  }
  for (let a = 0; a < f; a++) {
    g[a * f + a]! += lambda;
    for (let b = 0; b < a; b++) g[a * f + b] = g[b * f + a]!;
  }
  return g;
}

/** g[a][b] += Σ over the four rows y at o, o + f, o + 2f, o + 3f of y[a]·y[b], for b in [a, f). */
function addRows4(g: Float64Array, a: number, y: Float32Array, o: number, f: number): void {
  const w0 = y[o + a]!;
  const w1 = y[o + f + a]!;
  const w2 = y[o + 2 * f + a]!;
  const w3 = y[o + 3 * f + a]!;
  const ga = a * f;
  for (let b = a; b < f; b++) {
    g[ga + b]! += w0 * y[o + b]! + w1 * y[o + f + b]! + w2 * y[o + 2 * f + b]! + w3 * y[o + 3 * f + b]!;
  }
}

/** Updates every row of `solved` given `fixed`: (YᵀY + Σ (c−1) y yᵀ + λI) x = Σ c y, by CG. */
function sweep(m: Csr, conf: Float32Array, solved: Float32Array, fixed: Float32Array, params: IalsParams): void {
  const f = params.factors;
  const g = gram(fixed, f, params.lambda);
  const x = new Float64Array(f);
  const r = new Float64Array(f);
  const p = new Float64Array(f);
  const ap = new Float64Array(f);
  for (let row = 0; row < m.rows; row++) {
    const start = m.indptr[row]!;
    const end = m.indptr[row + 1]!;
    const base = row * f;
    if (start === end) {
      // No entries: the system is (YᵀY + λI) x = 0, whose solution is 0.
      solved.fill(0, base, base + f);
      continue;
    }
    for (let a = 0; a < f; a++) x[a] = solved[base + a]!;
    // r = b − A x = −(YᵀY + λI) x + Σ (c − (c − 1)(y·x)) y, one pass over the row's entries.
    gramTimes(g, x, r, f);
    for (let a = 0; a < f; a++) r[a] = -r[a]!;
    for (let e = start; e < end; e++) {
      const o = m.indices[e]! * f;
      const c = conf[e]!;
      addScaled(r, fixed, o, c - (c - 1) * dotFactor(fixed, o, x, f), f);
    }
    p.set(r);
    let rs = dot(r, r, f);
    for (let step = 0; step < params.cgSteps && rs > 1e-12; step++) {
      multiply(g, m, conf, fixed, start, end, p, ap, f);
      const pap = dot(p, ap, f);
      if (pap <= 0) break;
      const alpha = rs / pap;
      for (let a = 0; a < f; a++) {
        x[a]! += alpha * p[a]!;
        r[a]! -= alpha * ap[a]!;
      }
      const next = dot(r, r, f);
      const beta = next / rs;
      for (let a = 0; a < f; a++) p[a] = r[a]! + beta * p[a]!;
      rs = next;
    }
    for (let a = 0; a < f; a++) solved[base + a] = x[a]!;
  }
}

/** out = (YᵀY + λI) v + Σ over the row's entries (c − 1)(y·v) y. */
function multiply(
  g: Float64Array,
  m: Csr,
  conf: Float32Array,
  fixed: Float32Array,
  start: number,
  end: number,
  v: Float64Array,
  out: Float64Array,
  f: number,
): void {
  gramTimes(g, v, out, f);
  for (let e = start; e < end; e++) {
    const o = m.indices[e]! * f;
    addScaled(out, fixed, o, (conf[e]! - 1) * dotFactor(fixed, o, v, f), f);
  }
}

// Small loops in their own functions: V8 optimises them far better than the same loop inlined. Four
// running sums rather than one let the CPU overlap the additions.

/** out = g v for the f × f matrix g: four rows per pass over v. */
function gramTimes(g: Float64Array, v: Float64Array, out: Float64Array, f: number): void {
  let a = 0;
  for (; a + 4 <= f; a += 4) {
    const o0 = a * f;
    const o1 = o0 + f;
    const o2 = o1 + f;
    const o3 = o2 + f;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let b = 0; b < f; b++) {
      const vb = v[b]!;
      s0 += g[o0 + b]! * vb;
      s1 += g[o1 + b]! * vb;
      s2 += g[o2 + b]! * vb;
      s3 += g[o3 + b]! * vb;
    }
    out[a] = s0;
    out[a + 1] = s1;
    out[a + 2] = s2;
    out[a + 3] = s3;
  }
  for (; a < f; a++) {
    let s = 0;
    for (let b = 0; b < f; b++) s += g[a * f + b]! * v[b]!;
    out[a] = s;
  }
}

function dotFactor(y: Float32Array, o: number, v: Float64Array, f: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let a = 0;
  for (; a + 4 <= f; a += 4) {
    s0 += y[o + a]! * v[a]!;
    s1 += y[o + a + 1]! * v[a + 1]!;
    s2 += y[o + a + 2]! * v[a + 2]!;
    s3 += y[o + a + 3]! * v[a + 3]!;
  }
  for (; a < f; a++) s0 += y[o + a]! * v[a]!;
  return s0 + s1 + s2 + s3;
}

function addScaled(out: Float64Array, y: Float32Array, o: number, w: number, f: number): void {
  for (let a = 0; a < f; a++) out[a]! += w * y[o + a]!;
}

/** g[ga + b] += w · y[o + b] for b in [from, f). */
function addRow(g: Float64Array, ga: number, y: Float32Array, o: number, w: number, from: number, f: number): void {
  for (let b = from; b < f; b++) g[ga + b]! += w * y[o + b]!;
}

function dot(a: Float64Array, b: Float64Array, f: number): number {
  let s = 0;
  for (let i = 0; i < f; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * The weighted loss Σ_all c·(p − x·y)² + λ(|X|² + |Y|²), with c = 1, p = 0 off the observed pairs.
 * The sum over all pairs of (x·y)² is ⟨XᵀX, YᵀY⟩, so no dense users × items product is made.
 */
export function ialsLoss(
  byUser: Csr,
  conf: Float32Array,
  userFactors: Float32Array,
  itemFactors: Float32Array,
  params: IalsParams,
): number {
  const f = params.factors;
  const gx = gram(userFactors, f, 0);
  const gy = gram(itemFactors, f, 0);
  let loss = 0;
  for (let a = 0; a < f * f; a++) loss += gx[a]! * gy[a]!;
  for (let u = 0; u < byUser.rows; u++) {
    for (let e = byUser.indptr[u]!; e < byUser.indptr[u + 1]!; e++) {
      const i = byUser.indices[e]!;
      let s = 0;
      for (let a = 0; a < f; a++) s += userFactors[u * f + a]! * itemFactors[i * f + a]!;
      loss += conf[e]! * (1 - s) ** 2 - s * s;
    }
  }
  let norms = 0;
  for (const v of userFactors) norms += v * v;
  for (const v of itemFactors) norms += v * v;
  return loss + params.lambda * norms;
}

/** A user vector for items never seen in training (a new playlist's seeds): the exact least-squares solve. */
export function foldIn(model: IalsModel, seeds: Int32Array, seedWeights: Float32Array): Float64Array {
  const f = model.params.factors;
  const y = model.itemFactors;
  const a = model.itemGram.slice();
  const b = new Float64Array(f);
  for (let s = 0; s < seeds.length; s++) {
    const o = seeds[s]! * f;
    const c = confidence(model.params, seedWeights[s]!);
    for (let p = 0; p < f; p++) {
      b[p]! += c * y[o + p]!;
      for (let q = 0; q < f; q++) a[p * f + q]! += (c - 1) * y[o + p]! * y[o + q]!;
    }
  }
  return solveSymmetric(a, b, f);
}

/** Solves A x = b for a symmetric positive definite A (Cholesky, in place on a copy). */
export function solveSymmetric(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const l = a.slice();
  for (let j = 0; j < n; j++) {
    let d = l[j * n + j]!;
    for (let k = 0; k < j; k++) d -= l[j * n + k]! ** 2;
    const root = Math.sqrt(Math.max(d, 1e-12));
    l[j * n + j] = root;
    for (let i = j + 1; i < n; i++) {
      let s = l[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      l[i * n + j] = s / root;
    }
  }
  const x = b.slice();
  for (let i = 0; i < n; i++) {
    let s = x[i]!;
    for (let k = 0; k < i; k++) s -= l[i * n + k]! * x[k]!;
    x[i] = s / l[i * n + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * x[k]!;
    x[i] = s / l[i * n + i]!;
  }
  return x;
}

/** Adds weight · x·y_j to out[j] for every item. */
export function scoreIals(model: IalsModel, user: ArrayLike<number>, weight: number, out: Float32Array): void {
  const f = model.params.factors;
  const y = model.itemFactors;
  const x = Float64Array.from(user);
  const n = y.length / f;
  for (let j = 0; j < n; j++) out[j]! += weight * dotFactor(y, j * f, x, f);
}

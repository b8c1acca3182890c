/**
 * EASE (Steck 2019): the item × item weights B minimising |X − XB|² + λ|B|² with diag(B) = 0, in closed
 * form: P = (XᵀX + λI)⁻¹, B_ij = −P_ij / P_jj. The Gram matrix is dense, so only the `maxItems` items
 * held by the most users (and by at least `minUsers`) take part; other items score nothing.
 */
import type { Csr } from './matrix.js';

export interface EaseParams {
  lambda: number;
  maxItems: number;
  minUsers: number;
}

export interface EaseModel {
  type: 'ease';
  params: EaseParams;
  /** The global item index of each row/column of B. */
  itemOf: Int32Array;
  /** m × m, row-major, float32. */
  weights: Float32Array;
}

/** Picks the items, builds XᵀX over binary X and solves. */
export function fitEase(byUser: Csr, itemCounts: Float32Array, params: EaseParams): EaseModel {
  const order = Array.from(itemCounts.keys())
    .filter((i) => itemCounts[i]! >= params.minUsers)
    .sort((a, b) => itemCounts[b]! - itemCounts[a]! || a - b)
    .slice(0, params.maxItems)
    .sort((a, b) => a - b);
  const itemOf = Int32Array.from(order);
  const m = itemOf.length;
  const local = new Int32Array(byUser.cols).fill(-1);
  for (let a = 0; a < m; a++) local[itemOf[a]!] = a;
  const g = new Float64Array(m * m);
  const held = new Int32Array(m);
  for (let u = 0; u < byUser.rows; u++) {
    let n = 0;
    for (let e = byUser.indptr[u]!; e < byUser.indptr[u + 1]!; e++) {
      const a = local[byUser.indices[e]!]!;
      if (a >= 0) held[n++] = a;
    }
    for (let x = 0; x < n; x++) {
      const row = held[x]! * m;
      for (let y = 0; y < n; y++) g[row + held[y]!]! += 1;
    }
  }
  for (let a = 0; a < m; a++) g[a * m + a]! += params.lambda;
  const p = invertSymmetric(g, m);
  const weights = new Float32Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) weights[i * m + j] = i === j ? 0 : -p[i * m + j]! / p[j * m + j]!;
  }
  return { type: 'ease', params, itemOf, weights };
}

/**
 * Inverse of a symmetric positive definite matrix: A = LLᵀ, T = L⁻ᵀ (upper, stored by rows), A⁻¹ = TTᵀ.
 * Every inner loop is a dot product of two contiguous rows.
 */
export function invertSymmetric(a: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    const root = Math.sqrt(a[rj + j]! - dotRows(l, rj, l, rj, j));
    l[rj + j] = root;
    for (let i = j + 1; i < n; i++) l[i * n + j] = (a[i * n + j]! - dotRows(l, i * n, l, rj, j)) / root;
  }
  // T[j][i] = (L⁻¹)[i][j] for i ≥ j.
  const t = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    t[rj + j] = 1 / l[rj + j]!;
    for (let i = j + 1; i < n; i++) t[rj + i] = -dotRows(l, i * n + j, t, rj + j, i - j) / l[i * n + i]!;
  }
  const inverse = new Float64Array(n * n);
  for (let x = 0; x < n; x++) {
    for (let y = x; y < n; y++) {
      const s = dotRows(t, x * n + y, t, y * n + y, n - y);
      inverse[x * n + y] = s;
      inverse[y * n + x] = s;
    }
  }
  return inverse;
}

/** Σ x[ox + k] · y[oy + k] for k < len (a separate function: V8 optimises the loop far better alone). */
function dotRows(x: Float64Array, ox: number, y: Float64Array, oy: number, len: number): number {
  let s = 0;
  for (let k = 0; k < len; k++) s += x[ox + k]! * y[oy + k]!;
  return s;
}

/** Adds weight · Σ_seeds B[seed, j] to out[j]; seeds outside the model's items add nothing. */
export function scoreEase(
  model: EaseModel,
  localOf: Int32Array,
  seeds: Int32Array,
  seedWeights: Float32Array,
  weight: number,
  out: Float32Array,
): void {
  const m = model.itemOf.length;
  const sum = new Float32Array(m);
  for (let s = 0; s < seeds.length; s++) {
    const a = localOf[seeds[s]!]!;
    if (a < 0) continue;
    const w = seedWeights[s]!;
    const row = a * m;
    for (let j = 0; j < m; j++) sum[j]! += w * model.weights[row + j]!;
  }
  for (let j = 0; j < m; j++) out[model.itemOf[j]!]! += weight * sum[j]!;
}

/** Global item index → row of B, or −1. */
export function easeLocalIndex(model: EaseModel, items: number): Int32Array {
  const local = new Int32Array(items).fill(-1);
  for (let a = 0; a < model.itemOf.length; a++) local[model.itemOf[a]!] = a;
  return local;
}

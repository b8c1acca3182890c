/**
 * User-based neighbours, computed at query time: the query row q (a user's items, or a new playlist's
 * seeds) is compared with every training row v sharing an item, by
 *   sim(q, v) = Σ_i q_i · x_vi · idf_i / ‖x_v‖^α,     idf_i = log(1 + rows / n_i)^δ
 * (α = 1 is cosine up to a constant per query, α = 0 the raw overlap; δ > 0 lets a shared rare item
 * count for more than a shared hit), the k most similar rows are kept, and item j scores
 * Σ_v sim(q, v)^γ · x_vj; γ > 1 lets the closest rows dominate. A training user is never their own
 * neighbour. Nothing is precomputed but the row norms: a query walks only the rows of its own items.
 */
import type { Csr } from './matrix.js';

export interface UserKnnParams {
  /** Neighbour rows kept per query. */
  k: number;
  /** Exponent of the neighbour row's norm in the similarity's denominator. */
  alpha: number;
  /** Exponent sharpening the similarities before they are added. */
  gamma: number;
  /** Exponent of the shared item's inverse document frequency in the similarity. */
  idf: number;
}

export interface UserKnnModel {
  type: 'userknn';
  params: UserKnnParams;
  /** ‖x_v‖^−α for each training row. */
  rowScale: Float32Array;
  /** idf_i^δ for each item. */
  itemWeight: Float32Array;
}

/** The per-row and per-item factors of the similarity, from the rows the model answers with. */
export function fitUserKnn(byUser: Csr, params: UserKnnParams): UserKnnModel {
  const rowScale = new Float32Array(byUser.rows);
  for (let v = 0; v < byUser.rows; v++) {
    let sq = 0;
    for (let e = byUser.indptr[v]!; e < byUser.indptr[v + 1]!; e++) sq += byUser.values[e]! ** 2;
    rowScale[v] = sq > 0 ? sq ** (-params.alpha / 2) : 0;
  }
  const counts = new Float32Array(byUser.cols);
  for (let e = 0; e < byUser.indices.length; e++) counts[byUser.indices[e]!]!++;
  const itemWeight = counts.map((n) => (n > 0 ? Math.log1p(byUser.rows / n) ** params.idf : 0));
  return { type: 'userknn', params, rowScale, itemWeight };
}

/**
 * Adds weight · Σ_v sim(q, v)^γ · x_vj to out[j]. byItem is byUser transposed (same values); `self`
 * is the query's own training row (left out), or −1.
 */
export function scoreUserKnn(
  model: UserKnnModel,
  byUser: Csr,
  byItem: Csr,
  seeds: Int32Array,
  seedWeights: Float32Array,
  self: number,
  weight: number,
  out: Float32Array,
): void {
  const sim = new Float64Array(byUser.rows);
  const touched: number[] = [];
  for (let s = 0; s < seeds.length; s++) {
    const i = seeds[s]!;
    const w = seedWeights[s]! * model.itemWeight[i]!;
    if (w === 0) continue;
    for (let e = byItem.indptr[i]!; e < byItem.indptr[i + 1]!; e++) {
      const v = byItem.indices[e]!;
      if (v === self) continue;
      if (sim[v] === 0) touched.push(v);
      sim[v]! += w * byItem.values[e]!;
    }
  }
  const { k, gamma } = model.params;
  for (const v of touched) sim[v]! *= model.rowScale[v]!;
  touched.sort((a, b) => sim[b]! - sim[a]! || a - b);
  for (const v of touched.slice(0, k)) {
    const s = weight * sim[v]! ** gamma;
    for (let e = byUser.indptr[v]!; e < byUser.indptr[v + 1]!; e++) out[byUser.indices[e]!]! += s * byUser.values[e]!;
  }
}

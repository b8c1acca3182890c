/**
 * Item-item neighbourhood models over binary interactions, all made by one walk item → users → items:
 * acc(i, j) = Σ over users u holding both i and j of userWeight(u), then sim(i, j) = finish(acc, n_i, n_j)
 * where n_i is the number of users holding i.
 *   cosine (ItemKNN): userWeight 1, sim = acc / (sqrt(n_i · n_j) + shrink)
 *   cooc:             userWeight 1, sim = acc (co-occurrence counts)
 *   rp3 (RP3beta):    userWeight deg_u^-α, sim = acc · n_i^-α · n_j^-β (a 3-step random walk with
 *                     popular destinations damped by β)
 * With k > 0 each item keeps its k most similar items (a sparse item × item matrix); with k = 0 nothing
 * is kept and scoring walks the interactions for the seed items at query time (exact, no memory).
 */
import { type Csr, columnCounts } from './matrix.js';

export type NeighbourVariant = 'cosine' | 'cooc' | 'rp3';

export interface NeighbourParams {
  variant: NeighbourVariant;
  /** Neighbours kept per item; 0 keeps none and walks at query time. */
  k: number;
  shrink: number;
  alpha: number;
  beta: number;
}

export interface NeighbourModel {
  type: 'neighbours';
  params: NeighbourParams;
  /** Users per item. */
  itemCounts: Float32Array;
  /** Item × item similarities (top k per row); absent when k = 0. */
  similar?: Csr;
}

/** What a walk needs: users per item (item × user) and items per user (user × item), binary. */
export interface Walk {
  byItem: Csr;
  byUser: Csr;
}

export function fitNeighbours(walk: Walk, params: NeighbourParams): NeighbourModel {
  const itemCounts = columnCounts(walk.byUser);
  if (params.k <= 0) return { type: 'neighbours', params, itemCounts };
  const items = walk.byItem.rows;
  const acc = new Float64Array(items);
  const touched = new Int32Array(items);
  const indptr = new Int32Array(items + 1);
  const indices: Int32Array[] = [];
  const values: Float32Array[] = [];
  let total = 0;
  // RP3beta's popularity damping of each item, raised once rather than per pair (the same numbers).
  const damping =
    params.variant === 'rp3'
      ? {
          from: Float64Array.from(itemCounts, (n) => n ** -params.alpha),
          to: Float64Array.from(itemCounts, (n) => n ** -params.beta),
        }
      : null;
  for (let i = 0; i < items; i++) {
    const count = accumulate(walk, params, i, acc, touched);
    const row = keepBest(params, itemCounts, damping, i, acc, touched, count);
    for (let t = 0; t < count; t++) acc[touched[t]!] = 0;
    indices.push(row.indices);
    values.push(row.values);
    total += row.indices.length;
    indptr[i + 1] = total;
  }
  const similar: Csr = {
    rows: items,
    cols: items,
    indptr,
    indices: concat(indices, total),
    values: new Float32Array(total),
  };
  let at = 0;
  for (const v of values) {
    similar.values.set(v, at);
    at += v.length;
  }
  return { type: 'neighbours', params, itemCounts, similar };
}

/** Adds seedWeight · sim(seed, j) to out[j] for every seed. */
export function scoreNeighbours(
  model: NeighbourModel,
  walk: Walk,
  seeds: Int32Array,
  seedWeights: Float32Array,
  out: Float32Array,
): void {
  const { similar, params, itemCounts } = model;
  if (similar) {
    for (let s = 0; s < seeds.length; s++) {
      const i = seeds[s]!;
      const w = seedWeights[s]!;
      for (let e = similar.indptr[i]!; e < similar.indptr[i + 1]!; e++)
        out[similar.indices[e]!]! += w * similar.values[e]!;
    }
    return;
  }
  const acc = new Float64Array(walk.byItem.rows);
  const touched = new Int32Array(walk.byItem.rows);
  for (let s = 0; s < seeds.length; s++) {
    const i = seeds[s]!;
    const count = accumulate(walk, params, i, acc, touched);
    for (let t = 0; t < count; t++) {
      const j = touched[t]!;
      if (j !== i) out[j]! += seedWeights[s]! * finish(params, acc[j]!, itemCounts[i]!, itemCounts[j]!);
      acc[j] = 0;
    }
  }
}

function accumulate(walk: Walk, params: NeighbourParams, i: number, acc: Float64Array, touched: Int32Array): number {
  const { byItem, byUser } = walk;
  let count = 0;
  for (let e = byItem.indptr[i]!; e < byItem.indptr[i + 1]!; e++) {
    const u = byItem.indices[e]!;
    const start = byUser.indptr[u]!;
    const end = byUser.indptr[u + 1]!;
    const w = params.variant === 'rp3' ? (end - start) ** -params.alpha : 1;
    for (let f = start; f < end; f++) {
      const j = byUser.indices[f]!;
      if (acc[j] === 0) touched[count++] = j;
      acc[j]! += w;
    }
  }
  return count;
}

function finish(params: NeighbourParams, acc: number, ni: number, nj: number): number {
  switch (params.variant) {
    case 'cosine':
      return acc / (Math.sqrt(ni * nj) + params.shrink);
    case 'cooc':
      return acc;
    case 'rp3':
      return acc * ni ** -params.alpha * nj ** -params.beta;
  }
}

function keepBest(
  params: NeighbourParams,
  itemCounts: Float32Array,
  damping: { from: Float64Array; to: Float64Array } | null,
  i: number,
  acc: Float64Array,
  touched: Int32Array,
  count: number,
): { indices: Int32Array; values: Float32Array } {
  // A min-heap of the k best (worst on top), ordered by similarity, then the lower index first: a popular
  // item touches most of the catalogue, so sorting every candidate would cost far more than the walk.
  const k = params.k;
  const heapItems = new Int32Array(Math.min(k, count));
  const heapSims = new Float64Array(heapItems.length);
  const worse = (a: number, b: number) =>
    heapSims[a]! < heapSims[b]! || (heapSims[a] === heapSims[b] && heapItems[a]! > heapItems[b]!);
  const swap = (a: number, b: number) => {
    const item = heapItems[a]!;
    heapItems[a] = heapItems[b]!;
    heapItems[b] = item;
    const sim = heapSims[a]!;
    heapSims[a] = heapSims[b]!;
    heapSims[b] = sim;
  };
  let size = 0;
  for (let t = 0; t < count; t++) {
    const j = touched[t]!;
    if (j === i) continue;
    const sim = damping
      ? acc[j]! * damping.from[i]! * damping.to[j]!
      : finish(params, acc[j]!, itemCounts[i]!, itemCounts[j]!);
    if (size < heapItems.length) {
      heapItems[size] = j;
      heapSims[size] = sim;
      for (let at = size++; at > 0 && worse(at, (at - 1) >> 1); at = (at - 1) >> 1) swap(at, (at - 1) >> 1);
      continue;
    }
    if (sim < heapSims[0]! || (sim === heapSims[0] && j > heapItems[0]!)) continue;
    heapItems[0] = j;
    heapSims[0] = sim;
    for (let at = 0; ; ) {
      const left = 2 * at + 1;
      let least = at;
      if (left < size && worse(left, least)) least = left;
      if (left + 1 < size && worse(left + 1, least)) least = left + 1;
      if (least === at) break;
      swap(at, least);
      at = least;
    }
  }
  const order = Array.from({ length: size }, (_, h) => h).sort((a, b) => heapItems[a]! - heapItems[b]!);
  return {
    indices: Int32Array.from(order, (h) => heapItems[h]!),
    values: Float32Array.from(order, (h) => heapSims[h]!),
  };
}

function concat(parts: Int32Array[], total: number): Int32Array {
  const out = new Int32Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

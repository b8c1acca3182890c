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
  // Each user's weight raised once, not once per item they hold.
  const userWeights = Float64Array.from({ length: walk.byUser.rows }, (_, u) => userWeight(walk.byUser, params, u));
  const weightOf = (u: number) => userWeights[u]!;
  // RP3beta's popularity damping of each destination, raised once rather than per pair.
  const damping = Float64Array.from(itemCounts, (n) => n ** -params.beta);
  const best = new KBest(params.k);
  const rows = new RowWriter(items);
  for (let i = 0; i < items; i++) {
    const count = walkFrom(walk, weightOf, i, acc, touched);
    keepBest(params, itemCounts, damping, i, acc, touched, count, best);
    // The kept similarities go back into acc for the row writer, then leave it all zero for the next row.
    const kept = best.itemsByIndex(acc);
    rows.add(kept, acc);
    for (let t = 0; t < kept.length; t++) acc[kept[t]!] = 0;
  }
  return { type: 'neighbours', params, itemCounts, similar: rows.finish(items) };
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
  const weightOf = (u: number) => userWeight(walk.byUser, params, u);
  for (let s = 0; s < seeds.length; s++) {
    const i = seeds[s]!;
    const count = walkFrom(walk, weightOf, i, acc, touched);
    for (let t = 0; t < count; t++) {
      const j = touched[t]!;
      if (j !== i) out[j]! += seedWeights[s]! * finish(params, acc[j]!, itemCounts[i]!, itemCounts[j]!);
      acc[j] = 0;
    }
  }
}

/** A user's weight in the walk: deg_u^-α for RP3beta, 1 otherwise. */
function userWeight(byUser: Csr, params: NeighbourParams, u: number): number {
  return params.variant === 'rp3' ? (byUser.indptr[u + 1]! - byUser.indptr[u]!) ** -params.alpha : 1;
}

/** acc[j] += weightOf(u) for every user u holding i and every item j of u; returns the items touched. */
function walkFrom(
  walk: Walk,
  weightOf: (u: number) => number,
  i: number,
  acc: Float64Array,
  touched: Int32Array,
): number {
  const { byItem, byUser } = walk;
  let count = 0;
  for (let e = byItem.indptr[i]!; e < byItem.indptr[i + 1]!; e++) {
    const u = byItem.indices[e]!;
    const end = byUser.indptr[u + 1]!;
    const w = weightOf(u);
    for (let f = byUser.indptr[u]!; f < end; f++) {
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

/** Offers every touched item j ≠ i with its sim(i, j) to `best`, clearing acc as it goes. */
function keepBest(
  params: NeighbourParams,
  itemCounts: Float32Array,
  damping: Float64Array,
  i: number,
  acc: Float64Array,
  touched: Int32Array,
  count: number,
  best: KBest,
): void {
  best.clear();
  if (params.variant === 'rp3') {
    // The same product as finish(), with the powers raised once per row and once per item.
    const from = itemCounts[i]! ** -params.alpha;
    for (let t = 0; t < count; t++) {
      const j = touched[t]!;
      const sim = acc[j]! * from * damping[j]!;
      acc[j] = 0;
      if (j !== i) best.offer(j, sim);
    }
    return;
  }
  for (let t = 0; t < count; t++) {
    const j = touched[t]!;
    const sim = finish(params, acc[j]!, itemCounts[i]!, itemCounts[j]!);
    acc[j] = 0;
    if (j !== i) best.offer(j, sim);
  }
}

/**
 * The k most similar items of a row, ties to the lower index: a min-heap with the worst kept item on top,
 * reused row after row. A popular item touches most of the catalogue, so sorting every candidate would
 * cost far more than the walk; most candidates lose to the top at once.
 */
class KBest {
  private readonly items: Int32Array;
  private readonly sims: Float64Array;
  private size = 0;

  constructor(private readonly k: number) {
    this.items = new Int32Array(k);
    this.sims = new Float64Array(k);
  }

  clear(): void {
    this.size = 0;
  }

  offer(item: number, sim: number): void {
    const { items, sims } = this;
    if (this.size < this.k) {
      let at = this.size++;
      while (at > 0) {
        const parent = (at - 1) >> 1;
        if (!worse(sim, item, sims[parent]!, items[parent]!)) break;
        items[at] = items[parent]!;
        sims[at] = sims[parent]!;
        at = parent;
      }
      items[at] = item;
      sims[at] = sim;
      return;
    }
    if (worse(sim, item, sims[0]!, items[0]!)) return;
    let at = 0;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= this.size) break;
      let least = left;
      if (left + 1 < this.size && worse(sims[left + 1]!, items[left + 1]!, sims[left]!, items[left]!)) least = left + 1;
      if (!worse(sims[least]!, items[least]!, sim, item)) break;
      items[at] = items[least]!;
      sims[at] = sims[least]!;
      at = least;
    }
    items[at] = item;
    sims[at] = sim;
  }

  /** The kept items in increasing index (a view, valid until the next offer); sets simOf[item] to each one's sim. */
  itemsByIndex(simOf: Float64Array): Int32Array {
    for (let h = 0; h < this.size; h++) simOf[this.items[h]!] = this.sims[h]!;
    return this.items.subarray(0, this.size).sort();
  }
}

function worse(simA: number, itemA: number, simB: number, itemB: number): boolean {
  return simA < simB || (simA === simB && itemA > itemB);
}

/** The rows of a sparse item × item matrix, written one after another into blocks, joined at the end. */
class RowWriter {
  private static readonly BLOCK = 1 << 22;
  private readonly indptr: Int32Array;
  private readonly indices: Int32Array[] = [];
  private readonly values: Float32Array[] = [];
  private row = 0;
  private total = 0;

  constructor(rows: number) {
    this.indptr = new Int32Array(rows + 1);
  }

  /** Appends a row holding `columns`, each with the value sims[column]. */
  add(columns: Int32Array, sims: Float64Array): void {
    for (let c = 0; c < columns.length; c++) {
      const at = this.total % RowWriter.BLOCK;
      if (at === 0) {
        this.indices.push(new Int32Array(RowWriter.BLOCK));
        this.values.push(new Float32Array(RowWriter.BLOCK));
      }
      this.indices[this.indices.length - 1]![at] = columns[c]!;
      this.values[this.values.length - 1]![at] = sims[columns[c]!]!;
      this.total++;
    }
    this.indptr[++this.row] = this.total;
  }

  /** The joined matrix; each block is let go once copied, so the peak is about one copy, not two. */
  finish(cols: number): Csr {
    const indices = new Int32Array(this.total);
    for (let b = 0; b < this.indices.length; b++) {
      indices.set(
        this.indices[b]!.subarray(0, Math.min(RowWriter.BLOCK, this.total - b * RowWriter.BLOCK)),
        b * RowWriter.BLOCK,
      );
      this.indices[b] = EMPTY_INDICES;
    }
    const values = new Float32Array(this.total);
    for (let b = 0; b < this.values.length; b++) {
      values.set(
        this.values[b]!.subarray(0, Math.min(RowWriter.BLOCK, this.total - b * RowWriter.BLOCK)),
        b * RowWriter.BLOCK,
      );
      this.values[b] = EMPTY_VALUES;
    }
    return { rows: this.row, cols, indptr: this.indptr, indices, values };
  }
}

const EMPTY_INDICES = new Int32Array(0);
const EMPTY_VALUES = new Float32Array(0);

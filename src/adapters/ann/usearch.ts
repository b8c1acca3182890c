/**
 * The approximate vector index, on USearch (an HNSW graph in native code, shipped prebuilt in its npm
 * package, so nothing is compiled at install). Vectors are keyed in the graph by their row number; the
 * catalog ids live here, in row order, and in the ids file `save` writes beside the graph.
 *
 * Recall against speed is set by three numbers, fixed when the index is made: `connectivity` (graph
 * edges per node), `expansionAdd` (candidates kept while inserting) and `expansionSearch` (candidates
 * kept while searching). bench/recs-ann.ts measures what they give.
 *
 * The graph may hold its vectors in fewer bits than 32 (`quantization`): each step of the walk then
 * reads less memory and compares faster, at the price of rougher distances. The adapter then keeps
 * its own full-precision copy of the vectors and re-scores the best `oversample × k` the walk found,
 * so the order and the scores it answers are exact among those.
 *
 * A query that falls between clusters (a listener's vector, the mean of tastes in two genres) has its
 * true nearest neighbours in both, and one walk settles in whichever it reaches first. With `probes: 2`
 * a second walk follows the query with the direction of the first walk's best answer taken out, which
 * leads it to the other cluster; the candidates of both are re-scored against the query itself.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { Index, MetricKind, ScalarKind } from 'usearch';
import { Invalid } from '../../core/errors.js';
import type { VectorIndex, VectorIndexShape, VectorMatches, VectorMetric } from '../../ports/vector-index.js';
import { checkBatch, checkQuery, checkShape, readIds, writeIds } from './checks.js';
import { normalise } from './exact.js';

/** How the graph stores its vectors: 32-bit floats, 16-bit floats (IEEE or brain), or 8-bit integers. */
export type UsearchQuantization = 'f32' | 'f16' | 'bf16' | 'i8';

const SCALARS: Record<UsearchQuantization, ScalarKind> = {
  f32: ScalarKind.F32,
  f16: ScalarKind.F16,
  bf16: ScalarKind.BF16,
  i8: ScalarKind.I8,
};

/**
 * Chosen with bench/recs-ann.ts on 20,000 clustered 128-dimensional vectors: with 16 edges, listener
 * vectors (which fall between clusters) stayed at 0.94 recall@10 even with 256 candidates; with 32
 * they reached 0.96 with 128. Larger catalogues need more candidates for the same recall.
 *
 * Measured since (issue 16; docs/recommendations.md has the tables and command lines): at 200,000,
 * `i8` with 3 × k re-scored answers as well as `f32` (0.909 against 0.911 recall@10 at 128 candidates)
 * for 22 % less CPU per query (median 0.50 against 0.64 ms), a build 40 % cheaper and a graph half the
 * size; two probes lift listener recall by 0.05 to 0.08 for twice the CPU, about what doubling the
 * expansion gives at 200,000. Neither reaches 0.95 recall@10 there, and neither was measured at 1 M
 * (the shared machine could not finish a build in time), so the defaults stay as they were.
 */
export const USEARCH_DEFAULTS = {
  connectivity: 32,
  expansionAdd: 256,
  expansionSearch: 128,
  quantization: 'f32',
  oversample: 3,
  probes: 1,
} as const;

export interface UsearchOptions extends VectorIndexShape {
  /** Graph edges per node; default `USEARCH_DEFAULTS`. */
  connectivity?: number;
  /** Candidates kept while inserting; default `USEARCH_DEFAULTS`. */
  expansionAdd?: number;
  /** Candidates kept while searching (at least k are); default `USEARCH_DEFAULTS`. */
  expansionSearch?: number;
  /** Threads `add` inserts with; default 0, one per core. */
  threads?: number;
  /**
   * How the graph stores vectors; default `USEARCH_DEFAULTS`. `i8` only under cosine: USearch scales
   * each vector to unit length to fit it in 8 bits, which loses the lengths inner product scores by.
   */
  quantization?: UsearchQuantization;
  /**
   * With a quantization other than `f32`, how many times k candidates the walk returns to be re-scored
   * exactly; default `USEARCH_DEFAULTS`.
   */
  oversample?: number;
  /** Walks per query, 1 or 2 (see above); default `USEARCH_DEFAULTS`. */
  probes?: number;
}

export class UsearchVectorIndex implements VectorIndex {
  readonly dimensions: number;
  readonly metric: VectorMetric;
  readonly #threads: number;
  readonly #quantization: UsearchQuantization;
  readonly #oversample: number;
  readonly #probes: number;
  #index: Index;
  #ids: string[] = [];
  #known = new Set<string>();
  /**
   * The full-precision copy re-scoring reads, row after row (normalised under cosine); its length is
   * the capacity. Empty when the graph holds 32-bit vectors itself.
   */
  #rows = new Float32Array(0);

  constructor(options: UsearchOptions) {
    checkShape(options);
    const quantization = options.quantization ?? USEARCH_DEFAULTS.quantization;
    if (!(quantization in SCALARS))
      throw new Invalid(
        `quantization must be one of ${Object.keys(SCALARS).join(', ')}, not ${quantization}`,
        'quantization',
      );
    if (quantization === 'i8' && options.metric !== 'cosine')
      throw new Invalid('i8 quantization scales vectors to unit length, so it serves cosine only', 'quantization');
    const oversample = options.oversample ?? USEARCH_DEFAULTS.oversample;
    if (!Number.isInteger(oversample) || oversample < 1)
      throw new Invalid(`oversample must be a positive integer, not ${oversample}`, 'oversample');
    const probes = options.probes ?? USEARCH_DEFAULTS.probes;
    if (probes !== 1 && probes !== 2) throw new Invalid(`probes must be 1 or 2, not ${probes}`, 'probes');
    this.dimensions = options.dimensions;
    this.metric = options.metric;
    this.#threads = options.threads ?? 0;
    this.#quantization = quantization;
    this.#oversample = oversample;
    this.#probes = probes;
    this.#index = new Index({
      dimensions: options.dimensions,
      metric: options.metric === 'cosine' ? MetricKind.Cos : MetricKind.IP,
      quantization: SCALARS[quantization],
      connectivity: options.connectivity ?? USEARCH_DEFAULTS.connectivity,
      expansion_add: options.expansionAdd ?? USEARCH_DEFAULTS.expansionAdd,
      expansion_search: options.expansionSearch ?? USEARCH_DEFAULTS.expansionSearch,
      multi: false,
    });
  }

  get size(): number {
    return this.#ids.length;
  }

  add(ids: readonly string[], vectors: Float32Array): void {
    checkBatch(this, ids, vectors, this.#known);
    if (ids.length === 0) return;
    const first = this.#ids.length;
    const keys = new BigUint64Array(ids.length);
    for (let i = 0; i < ids.length; i++) keys[i] = BigInt(first + i);
    this.#index.add(keys, vectors, this.#threads);
    if (this.#rescores) this.#keep(first, vectors);
    for (const id of ids) {
      this.#ids.push(id);
      this.#known.add(id);
    }
  }

  search(vector: Float32Array, k: number): VectorMatches {
    checkQuery(this, vector, k);
    if (this.#ids.length === 0) return { ids: [], scores: new Float32Array(0) };
    if (this.#rescores) return this.#rescored(vector, k);
    // One thread: a single query gains nothing from more, and starting them costs.
    const found = this.#index.search(vector, k, 1);
    const ids: string[] = new Array(found.keys.length);
    const scores = new Float32Array(found.keys.length);
    for (let i = 0; i < found.keys.length; i++) {
      ids[i] = this.#ids[Number(found.keys[i])] as string;
      // USearch gives distances: 1 − cosine for `cos`, 1 − dot product for `ip`.
      scores[i] = 1 - (found.distances[i] as number);
    }
    return { ids, scores };
  }

  /** Whether answers are re-scored from the adapter's own full-precision copy of the vectors. */
  get #rescores(): boolean {
    return this.#quantization !== 'f32' || this.#probes > 1;
  }

  /**
   * The best `oversample × k` of each walk, scored again from the full-precision copy; the best k of
   * them.
   */
  #rescored(vector: Float32Array, k: number): VectorMatches {
    const d = this.dimensions;
    const query = Float32Array.from(vector);
    if (this.metric === 'cosine') normalise(query, 0, d);
    const wanted = k * this.#oversample;
    const rows = new Set<number>();
    for (const key of this.#index.search(query, wanted, 1).keys) rows.add(Number(key));
    const [first] = rows;
    if (this.#probes > 1 && first !== undefined) {
      const aside = this.#without(query, first);
      if (aside) for (const key of this.#index.search(aside, wanted, 1).keys) rows.add(Number(key));
    }
    const scored = [...rows].map((row) => ({ row, score: this.#dot(query, row) }));
    scored.sort((a, b) => b.score - a.score);
    const best = scored.slice(0, k);
    return { ids: best.map((s) => this.#ids[s.row] as string), scores: Float32Array.from(best, (s) => s.score) };
  }

  #dot(query: Float32Array, row: number): number {
    const d = this.dimensions;
    const rows = this.#rows;
    let dot = 0;
    for (let i = 0, at = row * d; i < d; i++, at++) dot += (query[i] as number) * (rows[at] as number);
    return dot;
  }

  /** `query` with the direction of vector `row` taken out; undefined when nothing is left of it. */
  #without(query: Float32Array, row: number): Float32Array | undefined {
    const d = this.dimensions;
    const at = row * d;
    let squares = 0;
    for (let i = 0; i < d; i++) squares += (this.#rows[at + i] as number) ** 2;
    const along = this.#dot(query, row) / squares;
    const rest = Float32Array.from(query, (x, i) => x - along * (this.#rows[at + i] as number));
    let left = 0;
    for (const x of rest) left += x * x;
    // Under a thousandth of the query's length, the rest is rounding, not a direction.
    let length = 0;
    for (const x of query) length += x * x;
    return left > 1e-6 * length ? rest : undefined;
  }

  /** Copies a batch, rows `first` on, into the full-precision copy. */
  #keep(first: number, vectors: Float32Array): void {
    const d = this.dimensions;
    const used = first * d;
    if (used + vectors.length > this.#rows.length) {
      const grown = new Float32Array(Math.max(used + vectors.length, Math.ceil(this.#rows.length * 1.5)));
      grown.set(this.#rows.subarray(0, used));
      this.#rows = grown;
    }
    this.#rows.set(vectors, used);
    if (this.metric === 'cosine') for (let at = used; at < used + vectors.length; at += d) normalise(this.#rows, at, d);
  }

  /**
   * Named in the ids file, so that a graph is loaded only into an index of its own quantization.
   */
  get #adapter(): string {
    return this.#quantization === 'f32' ? 'usearch' : `usearch-${this.#quantization}`;
  }

  async save(path: string): Promise<void> {
    this.#index.save(path);
    if (this.#rescores) {
      const used = this.#rows.subarray(0, this.#ids.length * this.dimensions);
      await writeFile(rowsPath(path), new Uint8Array(used.buffer, used.byteOffset, used.byteLength));
    }
    await writeIds(path, this.#adapter, this, this.#ids);
  }

  async load(path: string): Promise<void> {
    // The ids first: their header says whether the graph is of this shape before USearch reads it.
    const ids = await readIds(path, this.#adapter, this);
    let rows = new Float32Array(0);
    if (this.#rescores) {
      const bytes = await readFile(rowsPath(path)).catch(() => {
        throw new Invalid(`${path} was saved without the full-precision vectors re-scoring needs`, 'path');
      });
      if (bytes.byteLength !== ids.length * this.dimensions * Float32Array.BYTES_PER_ELEMENT)
        throw new Invalid(`${rowsPath(path)} does not hold ${ids.length} vectors`, 'path');
      // Copied rather than viewed: a Buffer's offset need not be a multiple of four.
      rows = new Float32Array(ids.length * this.dimensions);
      new Uint8Array(rows.buffer).set(bytes);
    }
    this.#index.load(path);
    if (this.#index.size() !== ids.length)
      throw new Invalid(`${path} holds ${this.#index.size()} vectors but lists ${ids.length} ids`, 'path');
    this.#rows = rows;
    this.#ids = ids;
    this.#known = new Set(ids);
  }
}

const rowsPath = (path: string): string => `${path}.f32`;

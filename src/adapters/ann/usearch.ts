/**
 * The approximate vector index, on USearch (an HNSW graph in native code, shipped prebuilt in its npm
 * package, so nothing is compiled at install). Vectors are keyed in the graph by their row number; the
 * catalog ids live here, in row order, and in the ids file `save` writes beside the graph.
 *
 * Recall against speed is set by three numbers, fixed when the index is made: `connectivity` (graph
 * edges per node), `expansionAdd` (candidates kept while inserting) and `expansionSearch` (candidates
 * kept while searching). bench/recs-ann.ts measures what they give.
 */
import { Index, MetricKind, ScalarKind } from 'usearch';
import { Invalid } from '../../core/errors.js';
import type { VectorIndex, VectorIndexShape, VectorMatches, VectorMetric } from '../../ports/vector-index.js';
import { checkBatch, checkQuery, checkShape, readIds, writeIds } from './checks.js';

const ADAPTER = 'usearch';

/**
 * Chosen with bench/recs-ann.ts on 20,000 clustered 128-dimensional vectors: with 16 edges, listener
 * vectors (which fall between clusters) stayed at 0.94 recall@10 even with 256 candidates; with 32
 * they reached 0.96 with 128. Larger catalogues need more candidates for the same recall.
 */
export const USEARCH_DEFAULTS = { connectivity: 32, expansionAdd: 256, expansionSearch: 128 } as const;

export interface UsearchOptions extends VectorIndexShape {
  /** Graph edges per node; default `USEARCH_DEFAULTS`. */
  connectivity?: number;
  /** Candidates kept while inserting; default `USEARCH_DEFAULTS`. */
  expansionAdd?: number;
  /** Candidates kept while searching (at least k are); default `USEARCH_DEFAULTS`. */
  expansionSearch?: number;
  /** Threads `add` inserts with; default 0, one per core. */
  threads?: number;
}

export class UsearchVectorIndex implements VectorIndex {
  readonly dimensions: number;
  readonly metric: VectorMetric;
  readonly #threads: number;
  #index: Index;
  #ids: string[] = [];
  #known = new Set<string>();

  constructor(options: UsearchOptions) {
    checkShape(options);
    this.dimensions = options.dimensions;
    this.metric = options.metric;
    this.#threads = options.threads ?? 0;
    this.#index = new Index({
      dimensions: options.dimensions,
      metric: options.metric === 'cosine' ? MetricKind.Cos : MetricKind.IP,
      quantization: ScalarKind.F32,
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
    for (const id of ids) {
      this.#ids.push(id);
      this.#known.add(id);
    }
  }

  search(vector: Float32Array, k: number): VectorMatches {
    checkQuery(this, vector, k);
    if (this.#ids.length === 0) return { ids: [], scores: new Float32Array(0) };
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

  async save(path: string): Promise<void> {
    this.#index.save(path);
    await writeIds(path, ADAPTER, this, this.#ids);
  }

  async load(path: string): Promise<void> {
    // The ids first: their header says whether the graph is of this shape before USearch reads it.
    const ids = await readIds(path, ADAPTER, this);
    this.#index.load(path);
    if (this.#index.size() !== ids.length)
      throw new Invalid(`${path} holds ${this.#index.size()} vectors but lists ${ids.length} ids`, 'path');
    this.#ids = ids;
    this.#known = new Set(ids);
  }
}

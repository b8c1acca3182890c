/**
 * The vector index port: nearest neighbours over embeddings (track and artist vectors from the
 * recommendation model), for the retrieval stage of recommendations. An exact adapter scans every
 * vector (small catalogues, and the baseline the benchmark measures against); an approximate one (a
 * graph index) answers in a few milliseconds at millions of vectors, trading a little recall.
 */

/**
 * How closeness is scored; higher is closer either way.
 * - `cosine`: the cosine of the angle between the vectors (-1..1); lengths do not matter.
 * - `inner-product`: the dot product, as a factorisation model scores a user against an item.
 */
export type VectorMetric = 'cosine' | 'inner-product';

export interface VectorIndexShape {
  dimensions: number;
  metric: VectorMetric;
}

/** The nearest vectors to a query, best first; `scores[i]` belongs to `ids[i]`. */
export interface VectorMatches {
  ids: string[];
  scores: Float32Array;
}

export interface VectorIndex extends VectorIndexShape {
  /** How many vectors the index holds. */
  readonly size: number;
  /**
   * Adds one vector per id: `vectors` holds them one after another, `ids.length × dimensions` numbers.
   * Throws `Invalid` on a wrong length, a value that is not finite, or an id that is empty, repeated or
   * already in the index (an index is rebuilt, not edited, when the model is refreshed).
   */
  add(ids: readonly string[], vectors: Float32Array): void;
  /**
   * The `k` nearest vectors to `vector` (fewer when the index holds fewer). Throws `Invalid` on a wrong
   * dimension, a value that is not finite, or a `k` that is not a positive integer.
   */
  search(vector: Float32Array, k: number): VectorMatches;
  /**
   * Writes the index to `path`, and may write files beside it whose names start with `path` followed by a
   * dot. `load` on an empty index of the same shape and kind reads them back.
   */
  save(path: string): Promise<void>;
  /** Replaces the content with what `save` wrote. Throws `Invalid` when the files are of another shape. */
  load(path: string): Promise<void>;
}

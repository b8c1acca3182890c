/**
 * The exact vector index: every query is scored against every vector. Right for small catalogues (a
 * few tens of thousands of vectors answer in a millisecond or two) and the baseline that the
 * approximate index is measured against. For cosine the vectors are stored normalised, so both metrics
 * come down to a dot product.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { Invalid } from '../../core/errors.js';
import type { VectorIndex, VectorIndexShape, VectorMatches, VectorMetric } from '../../ports/vector-index.js';
import { checkBatch, checkQuery, checkShape, readIds, writeIds } from './checks.js';

const ADAPTER = 'exact';

export class ExactVectorIndex implements VectorIndex {
  readonly dimensions: number;
  readonly metric: VectorMetric;
  #ids: string[] = [];
  #known = new Set<string>();
  /** Row after row; its length is the capacity, `#ids.length` rows are in use. */
  #rows: Float32Array;

  constructor(shape: VectorIndexShape) {
    checkShape(shape);
    this.dimensions = shape.dimensions;
    this.metric = shape.metric;
    this.#rows = new Float32Array(0);
  }

  get size(): number {
    return this.#ids.length;
  }

  add(ids: readonly string[], vectors: Float32Array): void {
    checkBatch(this, ids, vectors, this.#known);
    const d = this.dimensions;
    const used = this.#ids.length * d;
    if (used + vectors.length > this.#rows.length) {
      const grown = new Float32Array(Math.max(used + vectors.length, this.#rows.length * 2));
      grown.set(this.#rows.subarray(0, used));
      this.#rows = grown;
    }
    this.#rows.set(vectors, used);
    if (this.metric === 'cosine') for (let row = 0; row < ids.length; row++) normalise(this.#rows, used + row * d, d);
    for (const id of ids) {
      this.#ids.push(id);
      this.#known.add(id);
    }
  }

  search(vector: Float32Array, k: number): VectorMatches {
    checkQuery(this, vector, k);
    const d = this.dimensions;
    const query = Float32Array.from(vector);
    if (this.metric === 'cosine') normalise(query, 0, d);
    const best = new TopK(Math.min(k, this.#ids.length));
    const rows = this.#rows;
    for (let row = 0, at = 0; row < this.#ids.length; row++, at += d) {
      let dot = 0;
      for (let i = 0; i < d; i++) dot += (query[i] as number) * (rows[at + i] as number);
      best.offer(row, dot);
    }
    return { ids: best.rows.map((row) => this.#ids[row] as string), scores: Float32Array.from(best.scores) };
  }

  async save(path: string): Promise<void> {
    const used = this.#rows.subarray(0, this.#ids.length * this.dimensions);
    await writeFile(path, new Uint8Array(used.buffer, used.byteOffset, used.byteLength));
    await writeIds(path, ADAPTER, this, this.#ids);
  }

  async load(path: string): Promise<void> {
    const ids = await readIds(path, ADAPTER, this);
    const bytes = await readFile(path);
    const expected = ids.length * this.dimensions * Float32Array.BYTES_PER_ELEMENT;
    if (bytes.byteLength !== expected)
      throw new Invalid(`${path} holds ${bytes.byteLength} bytes, expected ${expected}`, 'path');
    // Copied rather than viewed: a Buffer's offset need not be a multiple of four.
    const rows = new Float32Array(ids.length * this.dimensions);
    new Uint8Array(rows.buffer).set(bytes);
    this.#rows = rows;
    this.#ids = ids;
    this.#known = new Set(ids);
  }
}

/** Scales `length` values from `start` to unit length. */
export function normalise(values: Float32Array, start: number, length: number): void {
  let squares = 0;
  for (let i = start; i < start + length; i++) squares += (values[i] as number) ** 2;
  const scale = 1 / Math.sqrt(squares);
  for (let i = start; i < start + length; i++) values[i] = (values[i] as number) * scale;
}

/** The `k` best rows seen so far, kept sorted best first (k is small: an insertion is cheaper than a heap). */
class TopK {
  readonly rows: number[] = [];
  readonly scores: number[] = [];

  constructor(readonly k: number) {}

  offer(row: number, score: number): void {
    const n = this.rows.length;
    if (n === this.k && (n === 0 || score <= (this.scores[n - 1] as number))) return;
    let at = n === this.k ? n - 1 : n;
    while (at > 0 && (this.scores[at - 1] as number) < score) {
      if (at < this.k) {
        this.scores[at] = this.scores[at - 1] as number;
        this.rows[at] = this.rows[at - 1] as number;
      }
      at--;
    }
    this.scores[at] = score;
    this.rows[at] = row;
  }
}

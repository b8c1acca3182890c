/**
 * Interactions as a compressed sparse row matrix over dense indices, the one shape every model reads.
 * Plain typed arrays only, so a matrix crosses into a worker thread by structured clone (or transfer).
 */

export interface Csr {
  rows: number;
  cols: number;
  /** Row r's entries are indptr[r] .. indptr[r + 1] - 1. */
  indptr: Int32Array;
  /** Column of each entry, increasing within a row. */
  indices: Int32Array;
  values: Float32Array;
}

/** A matrix with the external ids of its rows (users, playlists) and columns (artists, tracks). */
export interface Interactions {
  users: string[];
  items: string[];
  matrix: Csr;
}

/** Builds a CSR matrix from coordinates; duplicate (row, col) pairs are summed. */
export function csrFromCoordinates(
  rows: number,
  cols: number,
  rowOf: Int32Array,
  colOf: Int32Array,
  weightOf: Float32Array,
): Csr {
  const counts = new Int32Array(rows + 1);
  for (let e = 0; e < rowOf.length; e++) counts[rowOf[e]! + 1]!++;
  for (let r = 0; r < rows; r++) counts[r + 1]! += counts[r]!;
  const order = new Int32Array(rowOf.length);
  const cursor = counts.slice(0, rows);
  for (let e = 0; e < rowOf.length; e++) order[cursor[rowOf[e]!]!++] = e;
  const indptr = new Int32Array(rows + 1);
  const indices = new Int32Array(rowOf.length);
  const values = new Float32Array(rowOf.length);
  let n = 0;
  for (let r = 0; r < rows; r++) {
    const slice = Array.from(order.subarray(counts[r]!, counts[r + 1]!)).sort((a, b) => colOf[a]! - colOf[b]!);
    for (const e of slice) {
      if (n > indptr[r]! && indices[n - 1] === colOf[e]) values[n - 1]! += weightOf[e]!;
      else {
        indices[n] = colOf[e]!;
        values[n++] = weightOf[e]!;
      }
    }
    indptr[r + 1] = n;
  }
  return { rows, cols, indptr, indices: indices.slice(0, n), values: values.slice(0, n) };
}

export function transpose(m: Csr): Csr {
  const indptr = new Int32Array(m.cols + 1);
  for (let e = 0; e < m.indices.length; e++) indptr[m.indices[e]! + 1]!++;
  for (let c = 0; c < m.cols; c++) indptr[c + 1]! += indptr[c]!;
  const cursor = indptr.slice(0, m.cols);
  const indices = new Int32Array(m.indices.length);
  const values = new Float32Array(m.indices.length);
  for (let r = 0; r < m.rows; r++) {
    for (let e = m.indptr[r]!; e < m.indptr[r + 1]!; e++) {
      const at = cursor[m.indices[e]!]!++;
      indices[at] = r;
      values[at] = m.values[e]!;
    }
  }
  return { rows: m.cols, cols: m.rows, indptr, indices, values };
}

/** The same pattern with every value replaced by f(value). */
export function mapValues(m: Csr, f: (value: number) => number): Csr {
  return { ...m, values: m.values.map(f) };
}

/** Number of entries in each column (users per item). */
export function columnCounts(m: Csr): Float32Array {
  const counts = new Float32Array(m.cols);
  for (let e = 0; e < m.indices.length; e++) counts[m.indices[e]!]!++;
  return counts;
}

/** Interactions from (user, item, weight) rows, ids numbered in order of first appearance. */
export function interactionsFromRows(users: string[], items: string[], weights: Float32Array): Interactions {
  const userIndex = new Map<string, number>();
  const itemIndex = new Map<string, number>();
  const rowOf = new Int32Array(users.length);
  const colOf = new Int32Array(users.length);
  for (let e = 0; e < users.length; e++) {
    rowOf[e] = indexOf(userIndex, users[e]!);
    colOf[e] = indexOf(itemIndex, items[e]!);
  }
  return {
    users: [...userIndex.keys()],
    items: [...itemIndex.keys()],
    matrix: csrFromCoordinates(userIndex.size, itemIndex.size, rowOf, colOf, weights),
  };
}

function indexOf(index: Map<string, number>, id: string): number {
  let at = index.get(id);
  if (at === undefined) {
    at = index.size;
    index.set(id, at);
  }
  return at;
}

/** A small seeded generator (mulberry32): the same seed gives the same model and the same split. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

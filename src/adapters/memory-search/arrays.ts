/** Typed-array helpers of the search index: an int list, reusable bit sets, a stable radix sort, binary searches. */

export class IntList {
  data: Int32Array;
  length = 0;

  constructor(capacity = 64) {
    this.data = new Int32Array(Math.max(16, capacity));
  }

  push(value: number): void {
    if (this.length === this.data.length) this.grow(this.length + 1);
    this.data[this.length++] = value;
  }

  /** Makes room for at least `min` values. */
  grow(min: number): void {
    if (min <= this.data.length) return;
    let size = this.data.length * 2;
    while (size < min) size *= 2;
    const next = new Int32Array(size);
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }

  /** A copy of exactly the pushed values. */
  toArray(): Int32Array {
    return this.data.slice(0, this.length);
  }
}

/** Bit sets over a segment's documents, reused from scan to scan (all zero when not in use). */
const spareBits: Uint32Array[] = [];

/** An all-zero bit set of at least `size` bits. */
export function takeBits(size: number): Uint32Array {
  const words = (size + 31) >>> 5;
  const bits = spareBits.pop();
  return bits !== undefined && bits.length >= words ? bits : new Uint32Array(Math.max(words, bits?.length ?? 0));
}

/** Gives a bit set back, clearing the bits of [from, to) (the only ones that were set). */
export function giveBits(bits: Uint32Array, from: number, to: number): void {
  bits.fill(0, from >>> 5, (to + 31) >>> 5);
  spareBits.push(bits);
}

/** Sets in `bits` the documents docs[a..b). */
export function setBits(bits: Uint32Array, docs: Int32Array, a: number, b: number): void {
  for (let k = a; k < b; k++) {
    const d = docs[k]!;
    bits[d >>> 5]! |= 1 << (d & 31);
  }
}

/**
 * Sets in `bits` the documents in [from, to) of words [lo, hi) (postings in document order per word);
 * returns how many postings that was. Long lists are cut to [from, to) by binary search.
 */
export function setPostingBits(
  bits: Uint32Array,
  postings: Int32Array,
  postingOffsets: Int32Array,
  lo: number,
  hi: number,
  from: number,
  to: number,
): number {
  let set = 0;
  if ((hi - lo) * 32 < postingOffsets[hi]! - postingOffsets[lo]!) {
    for (let w = lo; w < hi; w++) {
      const b = lowerBound(postings, postingOffsets[w]!, postingOffsets[w + 1]!, to);
      const a = lowerBound(postings, postingOffsets[w]!, b, from);
      setBits(bits, postings, a, b);
      set += b - a;
    }
    return set;
  }
  for (let k = postingOffsets[lo]!; k < postingOffsets[hi]!; k++) {
    const d = postings[k]!;
    if (d >= from && d < to) {
      bits[d >>> 5]! |= 1 << (d & 31);
      set++;
    }
  }
  return set;
}

/**
 * Sorts `keys` (unsigned 32-bit) ascending and moves `values` (and `more`, if given) along, keeping the
 * order of equal keys: two 16-bit counting passes, or four 8-bit ones for short arrays (whose buckets
 * would cost more).
 */
export function radixSort(keys: Uint32Array, values: Int32Array, more: Int32Array | null = null): void {
  const n = keys.length;
  const bits = n < 1 << 16 ? 8 : 16;
  const buckets = 1 << bits;
  const mask = buckets - 1;
  let k1: Uint32Array = keys;
  let v1: Int32Array = values;
  let m1: Int32Array | null = more;
  let k2: Uint32Array = new Uint32Array(n);
  let v2: Int32Array = new Int32Array(n);
  let m2: Int32Array | null = more === null ? null : new Int32Array(n);
  const counts = new Int32Array(buckets + 1);
  for (let shift = 0; shift < 32; shift += bits) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[((k1[i]! >>> shift) & mask) + 1]!++;
    for (let b = 0; b < buckets; b++) counts[b + 1]! += counts[b]!;
    for (let i = 0; i < n; i++) {
      const key = k1[i]!;
      const at = counts[(key >>> shift) & mask]!++;
      k2[at] = key;
      v2[at] = v1[i]!;
      if (m1 !== null) m2![at] = m1[i]!;
    }
    [k1, k2] = [k2, k1];
    [v1, v2] = [v2, v1];
    [m1, m2] = [m2, m1];
  }
  // An even number of passes: the sorted data is back in the arrays we were given.
}

/** First index in [lo, hi) whose value is ≥ x (arr sorted ascending). */
export function lowerBound(arr: Int32Array | Uint32Array, lo: number, hi: number, x: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index in [lo, hi) whose string is ≥ key (dict sorted by UTF-16 code units). */
export function lowerBoundString(dict: readonly string[], lo: number, hi: number, key: string): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (dict[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The index range of the words starting with `prefix` (a contiguous range of a sorted dictionary). */
export function prefixRange(dict: readonly string[], prefix: string, lo = 0, hi = dict.length): [number, number] {
  const start = lowerBoundString(dict, lo, hi, prefix);
  const end = lowerBoundString(dict, start, hi, prefixEnd(prefix));
  return [start, end];
}

/** The smallest string greater than every string starting with `prefix`. */
export function prefixEnd(prefix: string): string {
  const last = prefix.charCodeAt(prefix.length - 1);
  return prefix.slice(0, -1) + String.fromCharCode(last + 1);
}

/** The id of `word` in the sorted dictionary, or −1. */
export function findWord(dict: readonly string[], word: string): number {
  const i = lowerBoundString(dict, 0, dict.length, word);
  return dict[i] === word ? i : -1;
}

/** 32-bit FNV-1a of a string's code units. */
export function hashString(s: string, h = 0x811c9dc5): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

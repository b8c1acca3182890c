/**
 * The driving list of a scan: the documents having one query word, in ascending order (so by type,
 * then popularity), merged across the word ranges it matches. A big prefix contributes its precomputed
 * documents (prefixes.ts); a few lists are merged as they are read, through a heap when more than a few;
 * a range of several words has its documents put in a bit set, read in ascending order (no sort, and
 * only as far as the scan reads).
 */
import { SEARCH_TYPES } from '../../ports/search-index.js';
import { giveBits, lowerBound, setBits, setPostingBits, takeBits } from './arrays.js';
import type { Expansion } from './expand.js';
import type { Segment } from './segment.js';

const TYPES = SEARCH_TYPES.length;
const MAX_SOURCES = 64;
const HEAP_FROM = 6;

/** Document ids in ascending order from up to MAX_SOURCES sorted lists, a bit set, or a plain range. */
export class Driver {
  readonly lists: Int32Array[] = [];
  readonly pos: number[] = [];
  readonly end: number[] = [];
  size = 0;
  truncated = false;
  private rangeNext = -1;
  private rangeEnd = -1;
  /** In bit-set mode: the set, the word being read, the bits of it not read yet, where [from, to) ends. */
  private bits: Uint32Array | null = null;
  private word = 0;
  private left = 0;
  private bitsFrom = 0;
  private bitsTo = 0;

  /** Reads the documents set in `bits` (all within [from, to)), which `release` gives back. */
  readBits(bits: Uint32Array, from: number, to: number): void {
    this.bits = bits;
    this.bitsFrom = from;
    this.bitsTo = to;
    this.word = (from >>> 5) - 1;
    this.left = 0;
  }

  /** Gives back a bit set it read from. */
  release(): void {
    if (this.bits === null) return;
    giveBits(this.bits, this.bitsFrom, this.bitsTo);
    this.bits = null;
  }

  range(from: number, to: number): void {
    this.rangeNext = from;
    this.rangeEnd = to;
    this.size = to - from;
  }

  add(list: Int32Array, from: number, to: number): void {
    if (from >= to) return;
    this.lists.push(list);
    this.pos.push(from);
    this.end.push(to);
  }

  next(): number {
    if (this.rangeEnd >= 0) return this.rangeNext < this.rangeEnd ? this.rangeNext++ : -1;
    if (this.bits !== null) return this.nextFromBits(this.bits);
    const { lists, pos, end } = this;
    if (lists.length === 1) return pos[0]! < end[0]! ? lists[0]![pos[0]!++]! : -1;
    if (lists.length > HEAP_FROM) return this.nextFromHeap();
    let min = -1;
    for (let i = 0; i < lists.length; i++) {
      if (pos[i]! < end[i]!) {
        const d = lists[i]![pos[i]!]!;
        if (min < 0 || d < min) min = d;
      }
    }
    if (min < 0) return -1;
    for (let i = 0; i < lists.length; i++) if (pos[i]! < end[i]! && lists[i]![pos[i]!] === min) pos[i]!++;
    return min;
  }

  private nextFromBits(bits: Uint32Array): number {
    const last = (this.bitsTo + 31) >>> 5;
    while (this.left === 0) {
      if (++this.word >= last) return -1;
      this.left = bits[this.word]!;
    }
    const lowest = this.left & -this.left;
    this.left ^= lowest;
    return this.word * 32 + 31 - Math.clz32(lowest);
  }

  /** Many lists: a binary heap of the lists by their current document. */
  private heap: Int32Array | null = null;
  private heapSize = 0;

  private nextFromHeap(): number {
    const { lists, pos, end } = this;
    if (this.heap === null) {
      this.heap = new Int32Array(lists.length);
      for (let i = 0; i < lists.length; i++) if (pos[i]! < end[i]!) this.heap[this.heapSize++] = i;
      for (let i = (this.heapSize >> 1) - 1; i >= 0; i--) this.siftDown(i);
    }
    const heap = this.heap;
    if (this.heapSize === 0) return -1;
    const min = lists[heap[0]!]![pos[heap[0]!]!]!;
    while (this.heapSize > 0) {
      const top = heap[0]!;
      if (lists[top]![pos[top]!] !== min) break;
      pos[top]!++;
      if (pos[top]! >= end[top]!) heap[0] = heap[--this.heapSize]!;
      this.siftDown(0);
    }
    return min;
  }

  private siftDown(at: number): void {
    const { lists, pos } = this;
    const heap = this.heap!;
    const n = this.heapSize;
    let i = at;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) return;
      let c = l;
      if (l + 1 < n && lists[heap[l + 1]!]![pos[heap[l + 1]!]!]! < lists[heap[l]!]![pos[heap[l]!]!]!) c = l + 1;
      if (lists[heap[c]!]![pos[heap[c]!]!]! >= lists[heap[i]!]![pos[heap[i]!]!]!) return;
      const swap = heap[i]!;
      heap[i] = heap[c]!;
      heap[c] = swap;
      i = c;
    }
  }
}

/** The driver for one word: its postings in [from, to) of a type, per range of the tier. */
export function driverFor(segment: Segment, e: Expansion, firstTier: boolean, type: number): Driver {
  const ranges = firstTier ? e.drive1 : e.driveAll;
  const driver = new Driver();
  const from = segment.typeStart[type]!;
  const to = segment.typeStart[type + 1]!;
  const { postings, postingOffsets, big } = segment;
  let several = ranges.lo.length > MAX_SOURCES;
  for (let i = 0; i < ranges.lo.length && !several; i++)
    several = ranges.node[i]! < 0 && ranges.hi[i]! - ranges.lo[i]! > 1;
  const bits = several ? takeBits(segment.size) : null;
  for (let i = 0; i < ranges.lo.length; i++) {
    const lo = ranges.lo[i]!;
    const hi = ranges.hi[i]!;
    const node = ranges.node[i]!;
    if (node >= 0) {
      const slot = node * TYPES + type;
      const a = big.offsets[slot]!;
      const b = big.offsets[slot + 1]!;
      if (big.counts[slot]! > b - a) driver.truncated = true;
      driver.size += big.counts[slot]!;
      if (bits === null) driver.add(big.docs, a, b);
      else setBits(bits, big.docs, a, b);
    } else if (bits === null) {
      const a = lowerBound(postings, postingOffsets[lo]!, postingOffsets[lo + 1]!, from);
      const b = lowerBound(postings, a, postingOffsets[lo + 1]!, to);
      driver.size += b - a;
      driver.add(postings, a, b);
    } else driver.size += setPostingBits(bits, postings, postingOffsets, lo, hi, from, to);
  }
  if (bits !== null) driver.readBits(bits, from, to);
  return driver;
}

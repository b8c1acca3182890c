/**
 * The driving list of a scan: the documents having one query word, in ascending order (so by type,
 * then popularity), merged across the word ranges it matches. A big prefix contributes its precomputed
 * documents (prefixes.ts); a range of few postings is gathered and sorted; many lists go through a heap.
 */
import { SEARCH_TYPES } from '../../ports/search-index.js';
import { IntList, lowerBound } from './arrays.js';
import type { Expansion } from './expand.js';
import type { Segment } from './segment.js';

const TYPES = SEARCH_TYPES.length;
const MAX_SOURCES = 64;
const HEAP_FROM = 6;

/** Document ids in ascending order from up to MAX_SOURCES sorted lists, or a plain range. */
export class Driver {
  readonly lists: Int32Array[] = [];
  readonly pos: number[] = [];
  readonly end: number[] = [];
  size = 0;
  truncated = false;
  private rangeNext = -1;
  private rangeEnd = -1;

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
  let gathered: IntList | null = null;
  const gatherAll = ranges.lo.length > MAX_SOURCES;
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
      if (gatherAll) {
        gathered ??= new IntList(4096);
        for (let k = a; k < b; k++) gathered.push(big.docs[k]!);
      } else driver.add(big.docs, a, b);
    } else if (hi - lo === 1 && !gatherAll) {
      const a = lowerBound(postings, postingOffsets[lo]!, postingOffsets[lo + 1]!, from);
      const b = lowerBound(postings, a, postingOffsets[lo + 1]!, to);
      driver.size += b - a;
      driver.add(postings, a, b);
    } else {
      gathered ??= new IntList(4096);
      const before = gathered.length;
      const all = postingOffsets[hi]! - postingOffsets[lo]!;
      if ((hi - lo) * 32 < all) {
        // Long lists: each word's part for this type is found by binary search.
        for (let w = lo; w < hi; w++) {
          const b = lowerBound(postings, postingOffsets[w]!, postingOffsets[w + 1]!, to);
          for (let k = lowerBound(postings, postingOffsets[w]!, b, from); k < b; k++) gathered.push(postings[k]!);
        }
      } else {
        for (let k = postingOffsets[lo]!; k < postingOffsets[hi]!; k++) {
          const d = postings[k]!;
          if (d >= from && d < to) gathered.push(d);
        }
      }
      driver.size += gathered.length - before;
    }
  }
  if (gathered !== null && gathered.length > 0) {
    // Sorted and without repeats: one more list in document order.
    const sorted = gathered.data.subarray(0, gathered.length).sort();
    let unique = 0;
    for (let k = 0; k < sorted.length; k++) if (k === 0 || sorted[k] !== sorted[k - 1]) sorted[unique++] = sorted[k]!;
    driver.add(sorted, 0, unique);
  }
  return driver;
}

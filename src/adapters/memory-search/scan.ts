/**
 * Candidates of one type in one segment. The cheapest query word drives: its postings are read in
 * document order, i.e. by descending popularity, merged across the word ranges it matches (a big prefix
 * contributes its precomputed most popular documents). Each candidate passes the filters, then the
 * Matcher checks every word and scores it. The scan stops once POOL documents matched or BUDGET were
 * read; the matches found so far, over the postings read, extrapolate the total.
 */
import { SEARCH_TYPES } from '../../ports/search-index.js';
import { IntList, lowerBound } from './arrays.js';
import type { Expansion } from './expand.js';
import type { Matcher } from './match.js';
import type { Plan } from './plan.js';
import { NO_DAY, type Segment } from './segment.js';

/**
 * Matches kept per segment and type, most popular first, for the final ranking: enough for paging to
 * offset 1000 in full search; typeahead shows a few, so it keeps fewer and answers sooner.
 */
export const POOL = 1000;
export const TYPEAHEAD_POOL = 300;
const TYPES = SEARCH_TYPES.length;
const MAX_SOURCES = 64;
const HEAP_FROM = 6;

/** Candidates of one type across segments, ranked in the end by the index. */
export class Pool {
  readonly segments: Segment[] = [];
  readonly docs: number[] = [];
  readonly text: number[] = [];

  add(segment: Segment, doc: number, text: number): void {
    this.segments.push(segment);
    this.docs.push(doc);
    this.text.push(text);
  }
}

export interface ScanResult {
  matched: number;
  /** Matches added to the pool. */
  added: number;
  /** Documents read, and how many the driving lists hold in all (an upper bound for the type). */
  read: number;
  size: number;
  /** True when every candidate was read, so `matched` is exact. */
  complete: boolean;
}

/** Document ids in ascending order from up to MAX_SOURCES sorted lists, or a plain range. */
class Driver {
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
function driverFor(segment: Segment, e: Expansion, firstTier: boolean, type: number): Driver {
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

/** Whether document `d` passes the request's filters (market, year, tag:new, genre). */
export function passes(segment: Segment, d: number, plan: Plan): boolean {
  if (plan.markets !== null && plan.markets[segment.market[d]!] !== 1) return false;
  if (plan.yearFrom > 0 || plan.yearTo < 65535) {
    const y = segment.year[d]!;
    if (y === 0 || y < plan.yearFrom || y > plan.yearTo) return false;
  }
  if (plan.newFrom !== null) {
    const day = segment.day[d]!;
    if (day === NO_DAY || day < plan.newFrom || day > plan.newTo) return false;
  }
  if (plan.genres !== null) {
    let any = false;
    for (let k = segment.genreOffsets[d]!; k < segment.genreOffsets[d + 1]! && !any; k++) {
      any = plan.genres[segment.genres[k]!] === 1;
    }
    if (!any) return false;
  }
  return true;
}

export interface ScanInput {
  segment: Segment;
  type: number;
  plan: Plan;
  expansions: Expansion[];
  matcher: Matcher;
  firstTier: boolean;
  pool: Pool;
  /** Documents already in the pool (found by lookups): counted, not added again. */
  skip: ReadonlySet<number>;
  /** Matches to add at most, and candidates to read at most. */
  limit: number;
  budget: number;
}

export function scan(input: ScanInput): ScanResult {
  const { segment, type, plan, expansions, matcher, firstTier, pool, skip, limit, budget } = input;
  let driver: Driver;
  let pick = -1;
  if (expansions.length === 0) {
    driver = new Driver();
    driver.range(segment.typeStart[type]!, segment.typeStart[type + 1]!);
  } else {
    // The cheapest word drives. A big prefix offers only some of its documents (those it begins, then
    // the most popular): fine in typeahead, whose best candidates come from lookups.ts anyway; in full
    // search it drives only when no other word can.
    pick = 0;
    for (let t = 1; t < expansions.length; t++) {
      const a = firstTier ? expansions[t]!.drive1 : expansions[t]!.driveAll;
      const b = firstTier ? expansions[pick]!.drive1 : expansions[pick]!.driveAll;
      if (!plan.typeahead && a.truncated !== b.truncated ? b.truncated : a.cost < b.cost) pick = t;
    }
    driver = driverFor(segment, expansions[pick]!, firstTier, type);
  }
  const checks = new Checks(segment, expansions, [pick], firstTier);
  const deleted = segment.deleted;
  let matched = 0;
  let added = 0;
  let read = 0;
  let complete = true;
  for (let d = driver.next(); d >= 0; d = driver.next()) {
    if (added >= limit || read >= budget) {
      complete = false;
      break;
    }
    read++;
    if (deleted !== null && deleted[d] === 1) continue;
    if (!checks.all(d) || !passes(segment, d, plan)) continue;
    const text = matcher.evaluate(segment, d);
    if (text < 0) continue;
    // The second tier only counts what the first did not.
    if (!firstTier && matcher.allFirstTier) continue;
    matched++;
    if (skip.has(d)) continue;
    pool.add(segment, d, text);
    added++;
  }
  if (driver.truncated) complete = false;
  return { matched, added, read, size: Math.max(driver.size, read), complete };
}

const MAX_FOLLOWED_WORDS = 8;

/**
 * Cheap first tests for the query words other than the driving one, so most candidates lacking one are
 * dropped before the Matcher scores them. A word matching a few whole words (exact, typos) has its
 * posting lists followed alongside the driver (documents come in ascending order); a word matching
 * ranges (a prefix) is looked for among the document's words.
 */
export class Checks {
  /** Per followed query word, its lists [from, to) into postings; `pos` moves forward. */
  private readonly start: number[] = [0];
  private readonly pos: number[] = [];
  private readonly end: number[] = [];
  private readonly postings: Int32Array;
  /** Per query word looked for in the forward index: its ranges [rangeStart[r], rangeStart[r + 1]). */
  private readonly rangeStart: number[] = [0];
  private readonly lo: number[] = [];
  private readonly hi: number[] = [];
  private readonly offsets: Int32Array;
  private readonly words: Int32Array;

  /** Checks for every query word but those in `known` (the driving one, words a lookup found). */
  constructor(segment: Segment, expansions: Expansion[], known: readonly number[], firstTier: boolean) {
    this.postings = segment.postings;
    this.offsets = segment.forwardOffsets;
    this.words = segment.forwardWords;
    for (let t = 0; t < expansions.length; t++) {
      if (known.includes(t)) continue;
      const e = expansions[t]!;
      const ranges = firstTier ? e.tier1 : e.all;
      const n = ranges.lo.length;
      if (n === 0) continue;
      let single = n <= MAX_FOLLOWED_WORDS;
      for (let i = 0; i < n && single; i++) if (ranges.hi[i]! - ranges.lo[i]! !== 1) single = false;
      if (single) {
        for (let i = 0; i < n; i++) {
          const w = ranges.lo[i]!;
          this.pos.push(segment.postingOffsets[w]!);
          this.end.push(segment.postingOffsets[w + 1]!);
        }
        this.start.push(this.pos.length);
      } else {
        for (let i = 0; i < n; i++) {
          this.lo.push(ranges.lo[i]!);
          this.hi.push(ranges.hi[i]!);
        }
        this.rangeStart.push(this.lo.length);
      }
    }
  }

  /** Whether document d (not below any earlier one asked) may have every checked word. */
  all(d: number): boolean {
    const { start, pos, end, postings } = this;
    for (let c = 0; c + 1 < start.length; c++) {
      let hit = false;
      for (let i = start[c]!; i < start[c + 1]!; i++) {
        const p = gallop(postings, pos[i]!, end[i]!, d);
        pos[i] = p;
        if (p < end[i]! && postings[p] === d) hit = true;
      }
      if (!hit) return false;
    }
    const { rangeStart, lo, hi, offsets, words } = this;
    for (let r = 0; r + 1 < rangeStart.length; r++) {
      const first = rangeStart[r]!;
      const last = rangeStart[r + 1]! - 1;
      let hit = false;
      for (let k = offsets[d]!; k < offsets[d + 1]! && !hit; k++) {
        const w = words[k]!;
        if (w < lo[first]! || w >= hi[last]!) continue;
        let a = first;
        let b = last + 1;
        while (b - a > 1) {
          const mid = (a + b) >> 1;
          if (lo[mid]! <= w) a = mid;
          else b = mid;
        }
        hit = w < hi[a]!;
      }
      if (!hit) return false;
    }
    return true;
  }
}

/** First index in [from, to) whose value is ≥ d, searching forward in growing steps. */
function gallop(list: Int32Array, from: number, to: number, d: number): number {
  if (from >= to || list[from]! >= d) return from;
  let lo = from;
  let step = 1;
  let hi = from + 1;
  while (hi < to && list[hi]! < d) {
    lo = hi;
    step *= 2;
    hi = lo + step;
  }
  return lowerBound(list, lo + 1, Math.min(hi, to), d);
}

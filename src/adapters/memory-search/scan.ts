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

/** Matches kept per segment and type, best popularity first, for the final ranking. */
export const POOL = 1000;
/** Exact-name matches added ahead of the scan, per segment and type. */
export const EXACT_NAMES = 200;
const TYPES = SEARCH_TYPES.length;
const MAX_SOURCES = 8;

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
      for (let k = postingOffsets[lo]!; k < postingOffsets[hi]!; k++) {
        const d = postings[k]!;
        if (d >= from && d < to) gathered.push(d);
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
  /** Documents already in the pool (exact names): counted, not added again. */
  skip: Set<number> | null;
  budget: number;
}

function cost(e: Expansion, firstTier: boolean): number {
  return firstTier ? e.drive1.cost : e.driveAll.cost;
}

export function scan(input: ScanInput): ScanResult {
  const { segment, type, plan, expansions, matcher, firstTier, pool, skip, budget } = input;
  let driver: Driver;
  let pick = -1;
  if (expansions.length === 0) {
    driver = new Driver();
    driver.range(segment.typeStart[type]!, segment.typeStart[type + 1]!);
  } else {
    pick = 0;
    for (let t = 1; t < expansions.length; t++) {
      if (cost(expansions[t]!, firstTier) < cost(expansions[pick]!, firstTier)) pick = t;
    }
    driver = driverFor(segment, expansions[pick]!, firstTier, type);
  }
  const checks = new Checks(segment, expansions, pick, firstTier, type);
  const deleted = segment.deleted;
  let matched = 0;
  let added = 0;
  let read = 0;
  let complete = true;
  for (let d = driver.next(); d >= 0; d = driver.next()) {
    if (added >= POOL || read >= budget) {
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
    if (skip?.has(d)) continue;
    pool.add(segment, d, text);
    added++;
  }
  if (driver.truncated) complete = false;
  return { matched, added, read, size: Math.max(driver.size, read), complete };
}

const MAX_FOLLOWED_WORDS = 8;
const MAX_MARKED_POSTINGS = 500_000;
/** Marking costs a pass over the word's postings; worth it when that is not much more than the driver. */
const MARK_RATIO = 100;
const MAX_MARKED_WORDS = 4;

/** Reusable per-document stamps for marking (shared by all segments, sized for the largest). */
const stamps: Int32Array[] = [];
let generation = 0;

function stampArray(slot: number, size: number): Int32Array {
  let a = stamps[slot];
  if (a === undefined || a.length < size) {
    a = new Int32Array(Math.max(size, 1024));
    stamps[slot] = a;
  }
  return a;
}

/**
 * Cheap first tests for the query words other than the driving one, so most candidates lacking one are
 * dropped before the Matcher looks at them. A word matching a few whole words (exact, typos) has its
 * posting lists followed alongside the driver (documents come in ascending order); a word matching
 * ranges (a prefix) has its documents marked beforehand when that costs little next to the driver.
 */
class Checks {
  /** Per followed query word, its lists [from, to) into postings; `pos` moves forward. */
  private readonly start: number[] = [0];
  private readonly pos: number[] = [];
  private readonly end: number[] = [];
  private readonly postings: Int32Array;
  private readonly marks: Int32Array[] = [];
  private readonly markGeneration: number[] = [];

  constructor(segment: Segment, expansions: Expansion[], driving: number, firstTier: boolean, type: number) {
    this.postings = segment.postings;
    const driverCost = driving >= 0 ? cost(expansions[driving]!, firstTier) : segment.size;
    for (let t = 0; t < expansions.length; t++) {
      if (t === driving) continue;
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
        continue;
      }
      const drive = firstTier ? e.drive1 : e.driveAll;
      if (
        this.marks.length < MAX_MARKED_WORDS &&
        drive.cost <= MAX_MARKED_POSTINGS &&
        drive.cost <= driverCost * MARK_RATIO
      ) {
        this.mark(segment, drive.lo, drive.hi, type);
      }
    }
  }

  private mark(segment: Segment, lo: number[], hi: number[], type: number): void {
    const stamp = stampArray(this.marks.length, segment.size);
    if (generation >= 0x7ffffff0) {
      for (const a of stamps) a.fill(0);
      generation = 0;
    }
    const g = ++generation;
    const from = segment.typeStart[type]!;
    const to = segment.typeStart[type + 1]!;
    const { postings, postingOffsets } = segment;
    for (let r = 0; r < lo.length; r++) {
      for (let k = postingOffsets[lo[r]!]!; k < postingOffsets[hi[r]!]!; k++) {
        const d = postings[k]!;
        if (d >= from && d < to) stamp[d] = g;
      }
    }
    this.marks.push(stamp);
    this.markGeneration.push(g);
  }

  /** Whether document d (not below any earlier one asked) may have every checked word. */
  all(d: number): boolean {
    const { marks, markGeneration } = this;
    for (let m = 0; m < marks.length; m++) if (marks[m]![d] !== markGeneration[m]) return false;
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

/**
 * Documents whose name's core is exactly the query's words (any popularity), added to the pool before
 * the scan so a common title's exact matches are never cut off by more popular partial matches.
 */
export function addExactNames(
  segment: Segment,
  type: number,
  plan: Plan,
  matcher: Matcher,
  pool: Pool,
): Set<number> | null {
  if (plan.nameKey === null) return null;
  const ids: number[] = [];
  for (const word of plan.textWords) {
    const id = lowerBoundWord(segment.dict, word);
    if (id < 0) return null;
    ids.push(id);
  }
  const keys = segment.nameKeys;
  const from = segment.typeStart[type]!;
  const to = segment.typeStart[type + 1]!;
  let found: Set<number> | null = null;
  for (let i = lowerBound(keys, 0, keys.length, plan.nameKey); i < keys.length && keys[i] === plan.nameKey; i++) {
    const d = segment.nameDocs[i]!;
    if (d < from || d >= to || (segment.deleted !== null && segment.deleted[d] === 1)) continue;
    if (!sameCore(segment, d, ids) || !passes(segment, d, plan)) continue;
    const text = matcher.evaluate(segment, d);
    if (text < 0) continue;
    found ??= new Set();
    found.add(d);
    pool.add(segment, d, text);
    if (found.size >= EXACT_NAMES) break;
  }
  return found;
}

function lowerBoundWord(dict: readonly string[], word: string): number {
  let lo = 0;
  let hi = dict.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (dict[mid]! < word) lo = mid + 1;
    else hi = mid;
  }
  return dict[lo] === word ? lo : -1;
}

/** Whether the core of document d's name is exactly these words. */
function sameCore(segment: Segment, d: number, ids: number[]): boolean {
  let i = 0;
  for (let k = segment.forwardOffsets[d]!; k < segment.forwardOffsets[d + 1]!; k++) {
    const meta = segment.forwardMeta[k]!;
    if ((meta & 7) !== 0 || ((meta >>> 3) & 31) !== 0 || ((meta >>> 15) & 31) !== 1) continue;
    if (i >= ids.length || segment.forwardWords[k] !== ids[i]) return false;
    i++;
  }
  return i === ids.length;
}

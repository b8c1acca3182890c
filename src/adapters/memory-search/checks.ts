/** Cheap first tests of a scan's candidates, before the Matcher. */
import { giveBits, lowerBound, setPostingBits, takeBits } from './arrays.js';
import type { Expansion } from './expand.js';
import type { Segment } from './segment.js';

const MAX_FOLLOWED_WORDS = 8;
/** A word's documents go into a bit set when its postings are at most this many per candidate to check. */
const BITS_PER_CANDIDATE = 8;

/** Where and how much a scan reads: its type's documents [from, to) and how many candidates at most. */
export interface ScanRange {
  from: number;
  to: number;
  candidates: number;
}

/**
 * Cheap first tests for the query words other than the driving one (or those a lookup found), so most
 * candidates lacking one are dropped before the Matcher scores them. A word matching a few whole words (exact, typos) has its
 * posting lists followed alongside the driver (documents come in ascending order); a word matching
 * ranges (a prefix) is looked for among the document's words, or, when the scan will read many more
 * candidates than the word has postings (typos, prefixes in the second tier), its documents are put in
 * a bit set first, so each candidate costs one bit test.
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
  private readonly bits: Uint32Array[] = [];
  private readonly range: ScanRange | null;

  /** Checks for every query word but those in `known` (the driving one, words a lookup found). */
  constructor(
    segment: Segment,
    expansions: Expansion[],
    known: readonly number[],
    firstTier: boolean,
    range: ScanRange | null = null,
  ) {
    this.postings = segment.postings;
    this.offsets = segment.forwardOffsets;
    this.words = segment.forwardWords;
    this.range = range;
    for (let t = 0; t < expansions.length; t++) {
      if (known.includes(t)) continue;
      const e = expansions[t]!;
      const ranges = firstTier ? e.tier1 : e.all;
      const n = ranges.lo.length;
      if (n === 0) continue;
      let single = n <= MAX_FOLLOWED_WORDS;
      for (let i = 0; i < n && single; i++) if (ranges.hi[i]! - ranges.lo[i]! !== 1) single = false;
      if (!single && range !== null) {
        let cost = 0;
        const { postingOffsets } = segment;
        for (let i = 0; i < n; i++) cost += postingOffsets[ranges.hi[i]!]! - postingOffsets[ranges.lo[i]!]!;
        if (cost <= range.candidates * BITS_PER_CANDIDATE) {
          this.bits.push(fillBits(segment, ranges.lo, ranges.hi, range));
          continue;
        }
      }
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
    const bits = this.bits;
    for (let b = 0; b < bits.length; b++) if ((bits[b]![d >>> 5]! & (1 << (d & 31))) === 0) return false;
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

  /** Gives the bit sets back, cleared. */
  release(): void {
    const range = this.range;
    if (range === null) return;
    for (const bits of this.bits.splice(0)) giveBits(bits, range.from, range.to);
  }
}

/** A bit set of the documents in [range.from, range.to) having a word of the ranges. */
function fillBits(segment: Segment, lo: Int32Array, hi: Int32Array, range: ScanRange): Uint32Array {
  const bits = takeBits(segment.size);
  for (let r = 0; r < lo.length; r++) {
    setPostingBits(bits, segment.postings, segment.postingOffsets, lo[r]!, hi[r]!, range.from, range.to);
  }
  return bits;
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

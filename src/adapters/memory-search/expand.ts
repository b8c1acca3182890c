/**
 * A query word against one segment's dictionary: the word ranges it matches, each with how
 * (ranking.ts's EXACT, PREFIX, TYPO1 …). Ranges come from the exact word, its prefix range, typo
 * neighbours (typos.ts) and, in typeahead, typo'd prefixes: the word with one edit (not in its first
 * letter, except deletions and swaps) as a prefix of longer words, found by walking the sorted dictionary.
 *
 * Matching needs disjoint ranges with the best kind each ("painted"); the first tier keeps only exact and
 * typeahead-prefix matches, the second adds everything.
 */
import { EXACT, MATCH, PREFIX, PREFIX_OF_COMPLETE, TYPO_PREFIX, TYPO1, TYPO2 } from '../../core/search/ranking.js';
import { findWord, lowerBoundString, prefixEnd, prefixRange } from './arrays.js';
import { NO_PREFIX, type Term, TYPEAHEAD, WHOLE_WORD_PREFIX } from './plan.js';
import type { Segment } from './segment.js';
import { typoMatches } from './typos.js';

/** Disjoint word ranges [lo, hi) with the MATCH score of each and whether it belongs to the first tier. */
export interface Ranges {
  lo: Int32Array;
  hi: Int32Array;
  score: Float64Array;
  firstTier: Uint8Array;
}

/** Ranges to read postings from (none inside another), with their big-prefix node or −1. */
export interface Drive {
  lo: number[];
  hi: number[];
  node: number[];
  /** Postings under these ranges: the cost of driving by this word. */
  cost: number;
  /** Whether a range is a big prefix, which only offers some of its documents (prefixes.ts). */
  truncated: boolean;
}

const isFirstTier = (kind: number) => kind === EXACT || kind === PREFIX;

/** Expansions kept per segment, the most recently used: queries repeat words ("love", "the", "remix"). */
const KEPT_PER_SEGMENT = 16_384;

/**
 * A word's expansion in a segment, built once and reused by later queries: a segment's dictionary,
 * postings and typo index never change (deletions are marks the scans check), so neither does what a
 * word expands to. Kept per segment, so a segment merged away takes its expansions with it.
 */
export function expansionOf(segment: Segment, term: Term): Expansion {
  // On the segment itself rather than in a WeakMap keyed by it: with the cache as a WeakMap's value, the
  // API thread's longest collector pause under load in bench:search was 200–290 ms; on the segment, 68 ms.
  let bySegment = segment.expansions;
  if (bySegment === undefined) {
    bySegment = new Map();
    segment.expansions = bySegment;
  }
  const key = `${term.prefix},${term.typos},${term.text}`;
  let expansion = bySegment.get(key);
  if (expansion !== undefined) bySegment.delete(key);
  else {
    expansion = new Expansion(segment, { ...term });
    if (bySegment.size >= KEPT_PER_SEGMENT) bySegment.delete(bySegment.keys().next().value!);
  }
  bySegment.set(key, expansion);
  return expansion;
}

/**
 * A word's matches in one segment. The first tier is worked out at once; typos and typo'd prefixes only
 * when the second tier is asked for (most queries never need it).
 */
export class Expansion {
  /** The word's own id, or −1. */
  readonly exact: number;
  readonly drive1: Drive;
  readonly tier1: Ranges;
  private readonly lo: number[] = [];
  private readonly hi: number[] = [];
  private readonly kinds: number[] = [];
  private readonly nodes: number[] = [];
  private second: { drive: Drive; ranges: Ranges } | null = null;

  constructor(
    private readonly segment: Segment,
    private readonly term: Term,
  ) {
    const { dict } = segment;
    this.exact = findWord(dict, term.text);
    if (this.exact >= 0) this.add(this.exact, this.exact + 1, EXACT, -1);
    if (term.prefix !== NO_PREFIX) {
      const [a, b] = prefixRange(dict, term.text);
      const kind = term.prefix === TYPEAHEAD ? PREFIX : PREFIX_OF_COMPLETE;
      this.add(a, b, kind, segment.big.nodes.get(term.text) ?? -1);
    }
    this.drive1 = drive(segment, this.lo, this.hi, this.nodes, this.kinds, true);
    this.tier1 = paint(this.lo, this.hi, this.kinds, true);
  }

  /** Whether the second tier may match more than the first. */
  get widens(): boolean {
    return this.term.typos > 0 || this.term.prefix === WHOLE_WORD_PREFIX;
  }

  get driveAll(): Drive {
    return this.widen().drive;
  }

  get all(): Ranges {
    return this.widen().ranges;
  }

  private widen(): { drive: Drive; ranges: Ranges } {
    if (this.second !== null) return this.second;
    const { segment, term } = this;
    const { dict } = segment;
    if (term.typos > 0) {
      typoMatches(segment.typos, dict, term.text, term.typos, (id, distance) =>
        this.add(id, id + 1, distance === 1 ? TYPO1 : TYPO2, -1),
      );
      // A typo'd prefix of three letters would begin too many words ("kil" → kel…, kal…, ki…).
      if (term.prefix === TYPEAHEAD && term.text.length > 3) {
        for (const variant of prefixVariants(dict, term.text)) {
          const [a, b] = prefixRange(dict, variant);
          this.add(a, b, TYPO_PREFIX, segment.big.nodes.get(variant) ?? -1);
        }
      }
    }
    this.second = {
      drive: drive(segment, this.lo, this.hi, this.nodes, this.kinds, false),
      ranges: paint(this.lo, this.hi, this.kinds, false),
    };
    return this.second;
  }

  private add(from: number, to: number, kind: number, node: number): void {
    if (from >= to) return;
    this.lo.push(from);
    this.hi.push(to);
    this.kinds.push(kind);
    this.nodes.push(node);
  }
}

function drive(segment: Segment, lo: number[], hi: number[], nodes: number[], kinds: number[], firstOnly: boolean) {
  const use: number[] = [];
  for (let i = 0; i < lo.length; i++) if (!firstOnly || isFirstTier(kinds[i]!)) use.push(i);
  const keep = outermost(
    use.map((i) => lo[i]!),
    use.map((i) => hi[i]!),
  ).map((k) => use[k]!);
  let cost = 0;
  for (const i of keep) cost += segment.postingOffsets[hi[i]!]! - segment.postingOffsets[lo[i]!]!;
  const node = keep.map((i) => nodes[i]!);
  const truncated = node.some((x) => x >= 0);
  return { lo: keep.map((i) => lo[i]!), hi: keep.map((i) => hi[i]!), node, cost, truncated };
}

/** Indexes of the ranges not inside another (ties: the first). */
function outermost(lo: number[], hi: number[]): number[] {
  const keep: number[] = [];
  for (let i = 0; i < lo.length; i++) {
    let inside = false;
    for (let j = 0; j < lo.length && !inside; j++) {
      if (j === i) continue;
      if (lo[j]! <= lo[i]! && hi[i]! <= hi[j]! && (lo[j] !== lo[i] || hi[j] !== hi[i] || j < i)) inside = true;
    }
    if (!inside) keep.push(i);
  }
  return keep;
}

/** Disjoint ranges, each with the best score of the ranges covering it. */
function paint(lo: number[], hi: number[], kinds: number[], firstOnly: boolean): Ranges {
  const use: number[] = [];
  for (let i = 0; i < lo.length; i++) if (!firstOnly || isFirstTier(kinds[i]!)) use.push(i);
  const cuts = [...new Set(use.flatMap((i) => [lo[i]!, hi[i]!]))].sort((a, b) => a - b);
  const outLo: number[] = [];
  const outHi: number[] = [];
  const outScore: number[] = [];
  const outFirst: number[] = [];
  for (let c = 0; c + 1 < cuts.length; c++) {
    const a = cuts[c]!;
    const b = cuts[c + 1]!;
    let best = 0;
    let first = 0;
    for (const i of use) {
      if (lo[i]! <= a && b <= hi[i]!) {
        const s = MATCH[kinds[i]!]!;
        if (s > best) best = s;
        if (isFirstTier(kinds[i]!)) first = 1;
      }
    }
    if (best === 0) continue;
    const last = outLo.length - 1;
    if (last >= 0 && outHi[last] === a && outScore[last] === best && outFirst[last] === first) outHi[last] = b;
    else {
      outLo.push(a);
      outHi.push(b);
      outScore.push(best);
      outFirst.push(first);
    }
  }
  return {
    lo: Int32Array.from(outLo),
    hi: Int32Array.from(outHi),
    score: Float64Array.from(outScore),
    firstTier: Uint8Array.from(outFirst),
  };
}

/**
 * The word with one edit, as prefixes present in the dictionary: deletions and swaps anywhere; a letter
 * replaced or inserted after the first one, using only letters the dictionary has at that place.
 */
function prefixVariants(dict: readonly string[], word: string): string[] {
  const out = new Set<string>();
  const n = word.length;
  for (let i = 0; i < n; i++) out.add(word.slice(0, i) + word.slice(i + 1));
  for (let i = 0; i + 1 < n; i++) out.add(word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2));
  for (let i = 1; i < n; i++) {
    const head = word.slice(0, i);
    const [from, to] = prefixRange(dict, head);
    let j = from;
    if (j < to && dict[j]!.length === i) j++;
    while (j < to) {
      const c = dict[j]![i]!;
      const end = lowerBoundString(dict, j, to, prefixEnd(head + c));
      if (c !== word[i]) out.add(head + c + word.slice(i + 1));
      out.add(head + c + word.slice(i));
      j = end;
    }
  }
  out.delete(word);
  return [...out].filter((v) => v.length >= 3);
}

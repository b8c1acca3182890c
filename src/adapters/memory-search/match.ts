/**
 * One document against the query words: every word must match one of the document's words in a field
 * it may look at, and takes its best match for the score. The bonuses of ranking.ts come from which
 * words of each group (the name's core, its tail, each artist's name, the album) the query covers: in
 * query order, each query word covers its first match in a group that no earlier word covers ("la la
 * land" covers two words with "la"); a word whose matches are all covered by earlier ones (`cayu` after
 * `cayucas`) overlaps. Runs for every candidate, so it works on typed arrays and allocates nothing.
 *
 * A reading with a space slip mended (readings.ts) weighs the words the slip made (Term.weight), has
 * SLIP_WORDS rather than EXACT_WORDS, and wants the two halves of a word typed as one ("bythe" → by,
 * the) side by side.
 */
import {
  ALBUM,
  ARTISTS,
  type Bonuses,
  EXACT,
  FIELD,
  MATCH,
  NAME,
  TAIL,
  type TextMatch,
  textScore,
} from '../../core/search/ranking.js';
import { SEARCH_TYPES } from '../../ports/search-index.js';
import type { Expansion, Ranges } from './expand.js';
import { fieldMask, isFree, type Term } from './plan.js';
import type { Segment } from './segment.js';

const MAX_BITS = 30;
const WHOLE = MATCH[EXACT]!;
/** Groups of a document: a core, a tail, up to 32 artists, an album. */
const MAX_GROUPS = 64;
/** Matches of a query word kept per group: a word said up to this many times covers as many words. */
const MATCHES_KEPT = 4;

/** Factor on a match per meta's field and tail bits (meta & 7). */
const FIELD_WEIGHT = new Float64Array(8);
for (let f = 0; f < 3; f++) {
  FIELD_WEIGHT[f] = FIELD[f]!;
  FIELD_WEIGHT[f + 4] = FIELD[f]! * TAIL;
}

/**
 * What `evaluate` works on for one document, per query word and per group of the document. Only one
 * document is evaluated at a time on a thread, and `evaluate` sets every entry it reads, so every
 * matcher shares one set, grown for the longest query. A search builds a matcher per reading, segment
 * and tier; allocating these for each was 2–3 % of typeahead's time in a CPU profile.
 */
class Scratch {
  readonly best: Float64Array;
  readonly bestMeta: Int32Array;
  readonly firstHit: Uint8Array;
  readonly freeMatch: Uint8Array;
  // Per group of the document, and per (query word, group): positions covered, as bits.
  readonly groupKey = new Int32Array(MAX_GROUPS);
  readonly groupStart = new Uint8Array(MAX_GROUPS);
  readonly groupLength = new Int32Array(MAX_GROUPS);
  /**
   * Per (query word, group): its first MATCHES_KEPT matches as position bits (slot × MATCHES_KEPT + i),
   * how many, and which of them are whole words (bit i).
   */
  readonly matchBits: Int32Array;
  readonly matchCount: Uint8Array;
  readonly wholeMatch: Uint8Array;
  /** Per (query word, group): the match it covers. */
  readonly takenBits: Int32Array;

  constructor(readonly words: number) {
    this.best = new Float64Array(words);
    this.bestMeta = new Int32Array(words);
    this.firstHit = new Uint8Array(words);
    this.freeMatch = new Uint8Array(words);
    this.matchBits = new Int32Array(words * MAX_GROUPS * MATCHES_KEPT);
    this.matchCount = new Uint8Array(words * MAX_GROUPS);
    this.wholeMatch = new Uint8Array(words * MAX_GROUPS);
    this.takenBits = new Int32Array(words * MAX_GROUPS);
  }
}

let scratch = new Scratch(8);

function scratchFor(words: number): Scratch {
  if (words > scratch.words) scratch = new Scratch(Math.max(words, 2 * scratch.words));
  return scratch;
}

export class Matcher {
  readonly size: number;
  /** False when some word cannot match the type at all (a `track:` filter on albums). */
  possible = false;
  /** After `evaluate`: whether every word had a first-tier match (so the first tier counted it). */
  allFirstTier = false;
  /** After `evaluate`: whether the query's words begin the name or an artist's name (START)… */
  started = false;
  /** …all of them the same one. */
  startedOneGroup = false;
  // Per query word: its ranges [start[t], start[t + 1]) with their scores; the fields it may match.
  private readonly start: Int32Array;
  private readonly lo: Int32Array;
  private readonly hi: Int32Array;
  private readonly score: Float64Array;
  private readonly first: Uint8Array;
  private readonly mask: Int32Array;
  private readonly free: Uint8Array;
  /** Per query word: the factor on its match, and whether it must sit right before the next word. */
  private readonly weight: Float64Array;
  private readonly glued: Uint8Array;
  private readonly anyGlued: boolean;
  private artistType = false;
  // The document being evaluated, in scratch arrays shared by every matcher (see Scratch).
  private readonly best: Float64Array;
  private readonly bestMeta: Int32Array;
  private readonly firstHit: Uint8Array;
  private readonly freeMatch: Uint8Array;
  private readonly groupKey: Int32Array;
  private readonly groupStart: Uint8Array;
  private readonly groupLength: Int32Array;
  private readonly matchBits: Int32Array;
  private readonly matchCount: Uint8Array;
  private readonly wholeMatch: Uint8Array;
  private readonly takenBits: Int32Array;
  private readonly fieldWeight = FIELD_WEIGHT;
  private readonly text: TextMatch = {
    matchSum: 0,
    words: 0,
    exactWords: false,
    slipWords: false,
    complete: false,
    start: false,
    oneGroupStart: false,
    artistComplete: false,
    overlap: 0,
    inOrder: 0,
  };

  /**
   * Built once per reading of the query, segment and tier (the ranges are the same for every type), then
   * pointed at each type in turn with `forType`.
   */
  constructor(
    private readonly terms: Term[],
    expansions: Expansion[],
    firstTierOnly: boolean,
    private readonly bonuses: Bonuses,
    /** A reading with a space slip mended: SLIP_WORDS instead of EXACT_WORDS. */
    private readonly respelt: boolean,
  ) {
    const n = terms.length;
    this.size = n;
    this.start = new Int32Array(n + 1);
    const ranges: Ranges[] = expansions.map((e) => (firstTierOnly ? e.tier1 : e.all));
    for (let t = 0; t < n; t++) this.start[t + 1] = this.start[t]! + ranges[t]!.lo.length;
    const total = this.start[n]!;
    this.lo = new Int32Array(total);
    this.hi = new Int32Array(total);
    this.score = new Float64Array(total);
    this.first = new Uint8Array(total);
    for (let t = 0; t < n; t++) {
      const r = ranges[t]!;
      this.lo.set(r.lo, this.start[t]!);
      this.hi.set(r.hi, this.start[t]!);
      this.score.set(r.score, this.start[t]!);
      this.first.set(r.firstTier, this.start[t]!);
    }
    this.mask = new Int32Array(n);
    this.free = Uint8Array.from(terms.map((term) => (isFree(term) ? 1 : 0)));
    this.weight = Float64Array.from(terms.map((term) => term.weight));
    this.glued = Uint8Array.from(terms.map((term, t) => (term.glued && t + 1 < n ? 1 : 0)));
    this.anyGlued = this.glued.includes(1);
    const scratch = scratchFor(n);
    this.best = scratch.best;
    this.bestMeta = scratch.bestMeta;
    this.firstHit = scratch.firstHit;
    this.freeMatch = scratch.freeMatch;
    this.groupKey = scratch.groupKey;
    this.groupStart = scratch.groupStart;
    this.groupLength = scratch.groupLength;
    this.matchBits = scratch.matchBits;
    this.matchCount = scratch.matchCount;
    this.wholeMatch = scratch.wholeMatch;
    this.takenBits = scratch.takenBits;
  }

  /** Points the matcher at a type: the fields each word may match there. */
  forType(type: number): this {
    let possible = true;
    for (let t = 0; t < this.size; t++) {
      this.mask[t] = fieldMask(this.terms[t]!, type);
      if (this.mask[t] === 0) possible = false;
    }
    this.possible = possible;
    this.artistType = SEARCH_TYPES[type] === 'artist';
    return this;
  }

  /** The text score of document `d`, or −1 when some word does not match. */
  evaluate(segment: Segment, d: number): number {
    const n = this.size;
    const { best, bestMeta, firstHit, lo, hi, score, first, start, mask, fieldWeight } = this;
    const { groupKey, groupLength, matchBits, matchCount, wholeMatch } = this;
    best.fill(0, 0, n);
    firstHit.fill(0, 0, n);
    let groups = 0;
    const words = segment.forwardWords;
    const metas = segment.forwardMeta;
    const to = segment.forwardOffsets[d + 1]!;
    for (let k = segment.forwardOffsets[d]!; k < to; k++) {
      const w = words[k]!;
      const meta = metas[k]!;
      const field = meta & 3;
      const weight = fieldWeight[meta & 7]!;
      let g = -1;
      for (let t = 0; t < n; t++) {
        if (((mask[t]! >> field) & 1) === 0) continue;
        let a = start[t]!;
        let b = start[t + 1]!;
        if (a === b || w < lo[a]! || w >= hi[b - 1]!) continue;
        while (b - a > 1) {
          const mid = (a + b) >> 1;
          if (lo[mid]! <= w) a = mid;
          else b = mid;
        }
        if (w >= hi[a]!) continue;
        if (first[a]) firstHit[t] = 1;
        const s = score[a]! * weight;
        if (s > best[t]!) {
          best[t] = s;
          bestMeta[t] = meta;
        }
        if (g < 0) {
          // This word's group (created on its first match in the document).
          const key = meta & 0xff;
          g = 0;
          while (g < groups && groupKey[g] !== key) g++;
          if (g === groups && groups < MAX_GROUPS) {
            groupKey[g] = key;
            groupLength[g] = (meta >>> 20) & 127;
            for (let u = 0; u < n; u++) {
              matchCount[u * MAX_GROUPS + g] = 0;
              wholeMatch[u * MAX_GROUPS + g] = 0;
            }
            groups++;
          }
        }
        if (g >= groups) continue;
        const slot = t * MAX_GROUPS + g;
        const pos = (meta >>> 8) & 127;
        const kept = matchCount[slot]!;
        if (pos < MAX_BITS && kept < MATCHES_KEPT) {
          matchBits[slot * MATCHES_KEPT + kept] =
            (((1 << Math.min((meta >>> 15) & 31, MAX_BITS)) - 1) << pos) & 0x3fffffff;
          if (score[a] === WHOLE) wholeMatch[slot]! |= 1 << kept;
          matchCount[slot] = kept + 1;
        }
      }
    }
    let sum = 0;
    let allFirst = true;
    for (let t = 0; t < n; t++) {
      if (best[t] === 0) return -1;
      sum += best[t]!;
      if (!firstHit[t]) allFirst = false;
    }
    if (this.respelt) {
      sum = 0;
      for (let t = 0; t < n; t++) sum += best[t]! * this.weight[t]!;
    }
    this.allFirstTier = allFirst;
    this.started = false;
    this.startedOneGroup = false;
    if (n === 0) return 0;
    if (this.respelt && this.anyGlued && !this.gluedSideBySide(groups)) return -1;
    const m = this.text;
    m.matchSum = sum;
    m.words = n;
    m.exactWords = allFirst && !this.respelt;
    m.slipWords = allFirst && this.respelt;
    this.cover(groups);
    return textScore(m, this.bonuses);
  }

  /**
   * Whether each word typed as one with the next sits right before one of the next's matches: in one
   * group, or at the end of a group with the next word beginning another ("richardsonlost" for a track
   * "Lost" by Sorcha Richardson, typed artist first).
   */
  private gluedSideBySide(groups: number): boolean {
    const { glued, matchBits, matchCount, groupLength } = this;
    for (let t = 0; t + 1 < this.size; t++) {
      if (!glued[t]) continue;
      let found = false;
      let ends = -1;
      let begins = -1;
      for (let g = 0; g < groups && !found; g++) {
        const a = t * MAX_GROUPS + g;
        const b = a + MAX_GROUPS;
        const length = groupLength[g]!;
        const last = length > 0 && length <= MAX_BITS ? 1 << (length - 1) : 0;
        for (let j = 0; j < matchCount[b]!; j++) if ((matchBits[b * MATCHES_KEPT + j]! & 1) === 1) begins = g;
        for (let i = 0; i < matchCount[a]! && !found; i++) {
          const high = 1 << (31 - Math.clz32(matchBits[a * MATCHES_KEPT + i]!));
          if (high === last) ends = g;
          for (let j = 0; j < matchCount[b]! && !found; j++) {
            const after = matchBits[b * MATCHES_KEPT + j]!;
            if ((after & -after) === high << 1) found = true;
          }
        }
      }
      if (!found && !(ends >= 0 && begins >= 0 && ends !== begins)) return false;
    }
    return true;
  }

  /** Group coverage → COMPLETE, ARTIST_COMPLETE, START, overlap and order. */
  private cover(groups: number): void {
    const n = this.size;
    const { groupKey, groupStart, groupLength, matchBits, matchCount, wholeMatch, freeMatch, takenBits } = this;
    const { wholeWordCoverage, artistNeedsMore } = this.bonuses;
    freeMatch.fill(0, 0, n);
    let complete = false;
    let artistComplete = false;
    let oneGroupStart = false;
    for (let g = 0; g < groups; g++) {
      let covered = 0;
      let coveredWhole = 0;
      let present = 0;
      let last = 0;
      let startable = true;
      for (let t = 0; t < n; t++) {
        const slot = t * MAX_GROUPS + g;
        const count = matchCount[slot]!;
        takenBits[slot] = 0;
        if (count === 0) continue;
        present++;
        // The first match no earlier word covers, else the first (overlapping).
        let i = 0;
        while (i < count && (matchBits[slot * MATCHES_KEPT + i]! & ~covered) === 0) i++;
        if (i < count) freeMatch[t] = 1;
        else {
          i = 0;
          startable = false;
        }
        const take = matchBits[slot * MATCHES_KEPT + i]!;
        const whole = (wholeMatch[slot]! >> i) & 1;
        // Typed words begin a group in the order they were typed.
        const low = take & -take;
        if (low <= last) startable = false;
        last = low;
        takenBits[slot] = take;
        covered |= take;
        if (whole) coveredWhole |= take;
      }
      if ((covered & (covered + 1)) !== 0) startable = false;
      groupStart[g] = startable ? 1 : 0;
      const key = groupKey[g]!;
      // Every query word in this one group, from its first word on ("grupo b" for Grupo Bryndis).
      if (present === n && (key & 3) !== ALBUM && startable) oneGroupStart = true;
      const length = groupLength[g]!;
      const full = length > 0 && length <= MAX_BITS ? (1 << length) - 1 : -1;
      if (full < 0) continue;
      if ((key & 7) === NAME && (covered & full) === full) complete = true;
      // An artist's whole name (an artist's own name counts too); in typeahead in whole words, and
      // only when the query says more than the name ("cayucas cayu", not "astr" for ASTR).
      const artist = (key & 3) === ARTISTS || (this.artistType && (key & 7) === NAME);
      const counted = wholeWordCoverage ? coveredWhole : covered;
      if (artist && (counted & full) === full && (!artistNeedsMore || present < n)) artistComplete = true;
    }
    const m = this.text;
    m.complete = complete;
    m.artistComplete = artistComplete;
    let overlap = 0;
    for (let t = 0; t < n; t++) if (!freeMatch[t]) overlap++;
    m.overlap = overlap / n;
    m.start = oneGroupStart || (overlap === 0 && this.startAcrossGroups(groups));
    this.started = m.start;
    this.startedOneGroup = oneGroupStart;
    m.oneGroupStart = oneGroupStart;
    m.inOrder = this.inOrder(groups);
  }

  /** START across fields: every word's best match sits in a group begun by the query's words. */
  private startAcrossGroups(groups: number): boolean {
    const { bestMeta, groupKey, groupStart } = this;
    for (let t = 0; t < this.size; t++) {
      const meta = bestMeta[t]!;
      if ((meta & 3) === ALBUM) return false;
      const key = meta & 0xff;
      let g = 0;
      while (g < groups && groupKey[g] !== key) g++;
      if (g === groups || groupStart[g] === 0) return false;
    }
    return true;
  }

  /** Share of consecutive free-text words that cover positions in order in some group. */
  private inOrder(groups: number): number {
    const { free, takenBits } = this;
    let pairs = 0;
    let ordered = 0;
    for (let t = 1; t < this.size; t++) {
      if (!free[t] || !free[t - 1]) continue;
      pairs++;
      for (let g = 0; g < groups; g++) {
        const before = takenBits[(t - 1) * MAX_GROUPS + g]!;
        const after = takenBits[t * MAX_GROUPS + g]!;
        if (before !== 0 && after !== 0 && (after & -after) > (before & -before)) {
          ordered++;
          break;
        }
      }
    }
    return pairs > 0 ? ordered / pairs : 0;
  }
}

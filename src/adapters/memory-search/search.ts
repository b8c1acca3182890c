/**
 * One type's results across segments, in tiers:
 * 0. documents whose name is exactly the query, and in typeahead those whose name or an artist's name
 *    begins with the query's complete words (lookups.ts);
 * 1. documents matching every word exactly or, in typeahead, as a prefix. When the type has none, the
 *    same for the query's space slips mended
 *    (readings.ts: "bythe river" as "by the river"), which rank after every exact match of the words as
 *    typed (ranking.ts SLIP_WORDS) and before any typo;
 * 2. only when the page is not full yet: documents needing a typo (or a word's prefix, plan.ts) for some
 *    word, with typos in short words too when tier 1 found nothing; and, only when nothing at
 *    all was found, the same for the slip readings ("bythe rivr"). They rank after every tier-1 document
 *    anyway (ranking.ts EXACT_WORDS).
 * A document found by several readings keeps its best score. A partial search (index.ts) has several
 * first readings, each with one word left out, tried side by side, and its scores are put below any full
 * match's (ranking.ts `partialDrop`).
 * The pooled candidates are then ranked with the full formula (ranking.ts), the listener's affinities
 * looked up for them only, and the requested page cut out.
 *
 * `total` is exact when every scan read all its candidates; otherwise (a scan stopped after POOL matches
 * or BUDGET candidates) it is extrapolated from the share of candidates that matched, so it is an
 * estimate, never less than what can be paged through. It counts second-tier (typo) matches only when
 * the page asked for needed them, and of the other readings only the documents they added. Pages are
 * served from the pooled candidates: at most POOL per segment and reading, so paging reaches at least
 * the first 1000 results.
 */
import { freshness, partialDrop, rankScore, versionMargin } from '../../core/search/ranking.js';
import type { RankingWeights, SearchHit, SearchRequest, SearchType } from '../../ports/search-index.js';
import { type Expansion, expansionOf } from './expand.js';
import { addExactNames, addPrefixStarts, addStarts } from './lookups.js';
import { Matcher } from './match.js';
import { packedCompare, packedString } from './packed.js';
import type { Plan } from './plan.js';
import { POOL, Pool, type ScanResult, scan, TYPEAHEAD_POOL } from './scan.js';
import { NO_DAY, type Segment } from './segment.js';
import { liftOriginals } from './versions.js';

/** Candidates read per segment and type, at most: first tier, second tier (typos: few results). */
const TYPEAHEAD_BUDGET = 10_000;
const TYPEAHEAD_TYPO_BUDGET = 2_000;
const FULL_BUDGET = 100_000;
const FULL_TYPO_BUDGET = 30_000;
const FILTER_BUDGET = 400_000;
const DAY_MS = 86_400_000;

/** One reading of the query: its plan, each segment's expansions of its words, its matchers. */
export class Reading {
  readonly expansions: Expansion[][];
  readonly matchers: Matchers;
  /** Whether some word may match more in the second tier (typos, words cut short). */
  readonly widens: boolean;

  constructor(
    readonly plan: Plan,
    segments: readonly Segment[],
  ) {
    this.expansions = segments.map((s) => plan.terms.map((t) => expansionOf(s, t)));
    this.matchers = new Matchers(plan, this.expansions);
    this.widens = this.expansions.some((words) => words.some((e) => e.widens));
  }
}

/** Readings tried for a type only when the first ones found nothing whole in it. */
export interface MoreReadings {
  /** The query with a space slip mended (readings.ts `respellings`): both tiers. */
  slips: Reading[];
  /** The first reading with typos allowed in its 3-letter words (plan.ts): its second tier, instead. */
  shortTypos: Reading | null;
}

export interface TypeQuery {
  type: SearchType;
  typeNumber: number;
  /** Tried side by side from the start (one, or a partial search's several). */
  first: Reading[];
  /** A partial search: scores go below any full match's. */
  partial: boolean;
  segments: Segment[];
  request: SearchRequest;
  weights: RankingWeights;
}

/** A reading's matchers, one per segment and tier, built when first needed and shared by every type. */
export class Matchers {
  private readonly built: (Matcher | undefined)[] = [];

  constructor(
    private readonly plan: Plan,
    private readonly expansions: Expansion[][],
  ) {}

  get(segment: number, firstTier: boolean, type: number): Matcher {
    const k = 2 * segment + (firstTier ? 0 : 1);
    let matcher = this.built[k];
    if (matcher === undefined) {
      const { terms, bonuses, respelt } = this.plan;
      matcher = new Matcher(terms, this.expansions[segment]!, firstTier, bonuses, respelt);
      this.built[k] = matcher;
    }
    return matcher.forType(type);
  }
}

/**
 * One type's results: the first readings' tier 1; when that found nothing in this type, its other
 * readings (`more`, built once for every type that needs them); tier 2 as the page needs; ranked.
 * Each type decides for itself, so a search split by type (pool.ts) answers as the whole would.
 */
export function searchType(q: TypeQuery, more: () => MoreReadings | null): { items: SearchHit[]; total: number } {
  const { first, request, segments, typeNumber } = q;
  const pool = new Pool();
  const page = request.offset + request.limit;
  // Matches kept per scan: typeahead keeps fewer, but always the page asked for.
  const limit = request.prefix ? Math.max(TYPEAHEAD_POOL, page) : POOL;
  // Several first readings (a partial search) may find the same document.
  if (first.length > 1) pool.dedupe();
  let total = 0;
  for (let r = 0; r < first.length; r++) {
    const before = pool.docs.length;
    const counted = firstTier(q, first[r]!, pool, limit);
    if (counted < 0) return { items: [], total: 0 };
    total += r === 0 ? counted : pool.docs.length - before;
  }
  if (pool.docs.length < page) {
    const present = segments.some((s) => s.typeStart[typeNumber + 1]! > s.typeStart[typeNumber]!);
    const other = pool.docs.length === 0 && present ? more() : null;
    const slips = other?.slips ?? [];
    if (slips.length > 0 || other?.shortTypos) pool.dedupe();
    for (const reading of slips) {
      const before = pool.docs.length;
      firstTier(q, reading, pool, limit);
      total += pool.docs.length - before;
    }
    // Second-tier matches rank after every first-tier one (EXACT_WORDS): needed only for a page past
    // them. The first reading's (or, in its place, the one with short typos) comes first; the other
    // readings' typos (a slip and a typo, a word left out and a typo) only when nothing was found yet.
    const main = q.partial ? null : (other?.shortTypos ?? first[0]!);
    if (main?.widens) total += secondTier(q, main, pool, limit);
    if (pool.docs.length === 0) {
      for (const reading of [...(q.partial ? first : []), ...slips]) {
        if (!reading.widens) continue;
        const before = pool.docs.length;
        secondTier(q, reading, pool, limit);
        total += pool.docs.length - before;
      }
    }
  }
  return rank(q, pool, Math.max(total, pool.docs.length));
}

/** Tier 0 and 1 of a reading in every segment; the matches counted (estimated), or −1 when impossible. */
function firstTier(q: TypeQuery, reading: Reading, pool: Pool, limit: number): number {
  const { segments, typeNumber: type, request } = q;
  const { plan, expansions, matchers } = reading;
  const budget = plan.terms.length === 0 ? FILTER_BUDGET : request.prefix ? TYPEAHEAD_BUDGET : FULL_BUDGET;
  let total = 0;
  for (let s = 0; s < segments.length; s++) {
    const segment = segments[s]!;
    if (segment.typeStart[type + 1] === segment.typeStart[type]) continue;
    const matcher = matchers.get(s, true, type);
    if (!matcher.possible) return -1;
    const skip = new Set<number>();
    addExactNames(segment, type, plan, expansions[s]!, matcher, pool, skip);
    if (plan.typeahead) {
      addStarts(segment, type, plan, expansions[s]!, matcher, pool, skip);
      addPrefixStarts(segment, type, plan, expansions[s]!, matcher, pool, skip);
    }
    const result = scan({
      segment,
      type,
      plan,
      expansions: expansions[s]!,
      matcher,
      firstTier: true,
      pool,
      skip,
      limit,
      budget,
    });
    total += estimate(result);
  }
  return total;
}

/** Tier 2 of a reading in every segment: the matches counted (estimated). */
function secondTier(q: TypeQuery, reading: Reading, pool: Pool, limit: number): number {
  const { segments, typeNumber: type, request } = q;
  const { plan, expansions, matchers } = reading;
  const budget = plan.terms.length === 0 ? FILTER_BUDGET : request.prefix ? TYPEAHEAD_TYPO_BUDGET : FULL_TYPO_BUDGET;
  let total = 0;
  for (let s = 0; s < segments.length; s++) {
    const segment = segments[s]!;
    if (segment.typeStart[type + 1] === segment.typeStart[type]) continue;
    const matcher = matchers.get(s, false, type);
    if (!matcher.possible) continue;
    const result = scan({
      segment,
      type,
      plan,
      expansions: expansions[s]!,
      matcher,
      firstTier: false,
      pool,
      skip: new Set<number>(),
      limit,
      budget,
    });
    total += estimate(result);
  }
  return total;
}

function estimate(r: ScanResult): number {
  if (r.complete || r.read === 0) return r.matched;
  return Math.max(r.matched, Math.round((r.matched * r.size) / r.read));
}

function rank(q: TypeQuery, pool: Pool, total: number): { items: SearchHit[]; total: number } {
  const { request, weights, type } = q;
  const drop = q.partial ? partialDrop(weights) : 0;
  const n = pool.docs.length;
  const scores = new Float64Array(n);
  const popularity = new Uint8Array(n);
  const nowDay = request.now / DAY_MS;
  const liked = request.affinity?.[type];
  for (let i = 0; i < n; i++) {
    const segment = pool.segments[i]!;
    const d = pool.docs[i]!;
    popularity[i] = segment.popularity[d]!;
    const day = segment.day[d]!;
    const affinity = liked !== undefined && liked.size > 0 ? clamp01(liked.get(packedString(segment.ids, d)) ?? 0) : 0;
    const fresh = day === NO_DAY ? 0 : day >= nowDay ? 1 : freshness(day, request.now);
    scores[i] = rankScore(weights, pool.text[i]!, popularity[i]!, affinity, fresh) - drop;
  }
  const offset = Math.max(0, request.offset | 0);
  const limit = Math.max(0, request.limit | 0);
  const wanted = Math.min(n, offset + limit);
  if (wanted === 0) return { items: [], total };
  // Only the documents scoring at least the wanted-th best need sorting (an original lifted above its
  // version on the page scores above that too).
  const threshold = wantedBest(scores, wanted);
  if (q.first[0]!.plan.originalsFirst) liftOriginals(pool, scores, versionMargin(weights), threshold);
  const order: number[] = [];
  for (let i = 0; i < n; i++) if (scores[i]! >= threshold) order.push(i);
  const { segments, docs } = pool;
  order.sort(
    (a, b) =>
      scores[b]! - scores[a]! ||
      popularity[b]! - popularity[a]! ||
      packedCompare(segments[a]!.ids, docs[a]!, segments[b]!.ids, docs[b]!),
  );
  const items: SearchHit[] = [];
  for (let k = offset; k < wanted; k++) {
    const i = order[k]!;
    items.push({ id: packedString(segments[i]!.ids, docs[i]!), score: scores[i]! });
  }
  return { items, total };
}

/** Pages up to this long find their threshold by insertion (wantedBest). */
const SHORT_PAGE = 64;

/**
 * The wanted-th best score, ties counted (what sorting a copy ascending puts at n − wanted): for a page
 * much shorter than the pool, kept in a short sorted list rather than sorting every score. Each
 * insertion moves up to `wanted` entries, so a long page (a deep offset) sorts instead.
 */
function wantedBest(scores: Float64Array, wanted: number): number {
  const n = scores.length;
  if (wanted > SHORT_PAGE || wanted * 8 > n) return scores.slice().sort()[n - wanted]!;
  // best[0..kept) ascending: the best scores so far.
  const best = new Float64Array(wanted);
  let kept = 0;
  for (let i = 0; i < n; i++) {
    const s = scores[i]!;
    // NaN (only from weights that are not numbers) sorts last: leave its order to the sort.
    if (Number.isNaN(s)) return scores.slice().sort()[n - wanted]!;
    if (kept === wanted) {
      if (!(s > best[0]!)) continue;
      let j = 0;
      while (j + 1 < wanted && best[j + 1]! < s) {
        best[j] = best[j + 1]!;
        j++;
      }
      best[j] = s;
    } else {
      let j = kept++;
      while (j > 0 && best[j - 1]! > s) {
        best[j] = best[j - 1]!;
        j--;
      }
      best[j] = s;
    }
  }
  return best[0]!;
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.max(0, Math.min(1, x)) : 0;
}

/**
 * One type's results across segments, in tiers:
 * 0. documents whose name is exactly the query, and in typeahead those whose name or an artist's name
 *    begins with the query's complete words (lookups.ts);
 * 1. documents matching every word exactly or, in typeahead, as a prefix;
 * 2. only when tier 1 did not fill the requested page: documents needing a typo (or a word's prefix,
 *    plan.ts) for some word. They rank after every tier-1 document anyway (ranking.ts EXACT_WORDS).
 * The pooled candidates are then ranked with the full formula (ranking.ts), the listener's affinities
 * looked up for them only, and the requested page cut out.
 *
 * `total` is exact when every scan read all its candidates; otherwise (a scan stopped after POOL matches
 * or BUDGET candidates) it is extrapolated from the share of candidates that matched, so it is an
 * estimate, never less than what can be paged through. It counts second-tier (typo) matches only when
 * the page asked for needed them. Pages are served from the pooled candidates:
 * at most POOL per segment, so paging reaches at least the first 1000 results.
 */
import { freshness, rankScore } from '../../core/search/ranking.js';
import type { RankingWeights, SearchHit, SearchRequest, SearchType } from '../../ports/search-index.js';
import type { Expansion } from './expand.js';
import { addExactNames, addPrefixStarts, addStarts } from './lookups.js';
import { Matcher } from './match.js';
import { packedCompare, packedString } from './packed.js';
import type { Plan } from './plan.js';
import { POOL, Pool, type ScanResult, scan, TYPEAHEAD_POOL } from './scan.js';
import { NO_DAY, type Segment } from './segment.js';

/** Candidates read per segment and type, at most: first tier, second tier (typos: few results). */
const TYPEAHEAD_BUDGET = 10_000;
const TYPEAHEAD_TYPO_BUDGET = 2_000;
const FULL_BUDGET = 100_000;
const FULL_TYPO_BUDGET = 30_000;
const FILTER_BUDGET = 400_000;
const DAY_MS = 86_400_000;

export interface TypeQuery {
  type: SearchType;
  typeNumber: number;
  plan: Plan;
  segments: Segment[];
  expansions: Expansion[][];
  matchers: Matchers;
  request: SearchRequest;
  weights: RankingWeights;
}

/** A query's matchers, one per segment and tier, built when first needed and shared by every type. */
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
      const { terms, bonuses } = this.plan;
      matcher = new Matcher(terms, this.expansions[segment]!, firstTier, bonuses);
      this.built[k] = matcher;
    }
    return matcher.forType(type);
  }
}

export function searchType(q: TypeQuery): { items: SearchHit[]; total: number } {
  const { plan, segments, expansions, matchers, typeNumber: type, request } = q;
  const pool = new Pool();
  const budget = plan.terms.length === 0 ? FILTER_BUDGET : request.prefix ? TYPEAHEAD_BUDGET : FULL_BUDGET;
  // Typeahead keeps fewer, but always the page asked for.
  const page = request.offset + request.limit;
  const limit = request.prefix ? Math.max(TYPEAHEAD_POOL, page) : POOL;
  let total = 0;
  let secondTier = false;
  for (let s = 0; s < segments.length; s++) {
    const segment = segments[s]!;
    if (segment.typeStart[type + 1] === segment.typeStart[type]) continue;
    const matcher = matchers.get(s, true, type);
    if (!matcher.possible) return { items: [], total: 0 };
    const skip = new Set<number>();
    addExactNames(segment, type, plan, matcher, pool, skip);
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
    for (const e of expansions[s]!) if (e.widens) secondTier = true;
  }
  // Second-tier matches rank after every first-tier one (EXACT_WORDS): needed only for a page past them.
  if (secondTier && pool.docs.length < page) {
    for (let s = 0; s < segments.length; s++) {
      const segment = segments[s]!;
      if (segment.typeStart[type + 1] === segment.typeStart[type]) continue;
      const matcher = matchers.get(s, false, type);
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
        budget: plan.terms.length === 0 ? budget : request.prefix ? TYPEAHEAD_TYPO_BUDGET : FULL_TYPO_BUDGET,
      });
      total += estimate(result);
    }
  }
  return rank(q, pool, Math.max(total, pool.docs.length));
}

function estimate(r: ScanResult): number {
  if (r.complete || r.read === 0) return r.matched;
  return Math.max(r.matched, Math.round((r.matched * r.size) / r.read));
}

function rank(q: TypeQuery, pool: Pool, total: number): { items: SearchHit[]; total: number } {
  const { request, weights, type } = q;
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
    scores[i] = rankScore(weights, pool.text[i]!, popularity[i]!, affinity, fresh);
  }
  const offset = Math.max(0, request.offset | 0);
  const limit = Math.max(0, request.limit | 0);
  const wanted = Math.min(n, offset + limit);
  if (wanted === 0) return { items: [], total };
  // Only the documents scoring at least the wanted-th best need sorting.
  const threshold = scores.slice().sort()[n - wanted]!;
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

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.max(0, Math.min(1, x)) : 0;
}

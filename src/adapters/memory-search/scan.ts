/**
 * Candidates of one type in one segment. The cheapest query word drives (driver.ts): its postings are
 * read in document order, i.e. by descending popularity. Each candidate passes cheap checks of the
 * other words (checks.ts) and the filters, then the Matcher checks every word and scores it. The scan
 * stops once `limit` documents matched or `budget` were read; the matches found so far, over the
 * documents read, extrapolate the total.
 */
import { Checks } from './checks.js';
import { Driver, driverFor } from './driver.js';
import type { Expansion } from './expand.js';
import type { Matcher } from './match.js';
import type { Plan } from './plan.js';
import { TOP_DOCS } from './prefixes.js';
import { NO_DAY, type Segment } from './segment.js';

/**
 * Matches kept per segment and type, most popular first, for the final ranking: enough for paging to
 * offset 1000 in full search; typeahead shows ten at most, beside the best matches found by key
 * (lookups.ts), so it keeps fewer and answers sooner.
 */
export const POOL = 1000;
export const TYPEAHEAD_POOL = 100;

/** Candidates of one type across segments, ranked in the end by the index. */
export class Pool {
  readonly segments: Segment[] = [];
  readonly docs: number[] = [];
  readonly text: number[] = [];
  /** Once several readings of the query are pooled: where each document is (per segment, by number). */
  private where: Map<Segment, Map<number, number>> | null = null;

  /** Adds a candidate; false when `dedupe` is on and it was there already (it keeps the better score). */
  add(segment: Segment, doc: number, text: number): boolean {
    if (this.where !== null && !this.first(segment, doc, text)) return false;
    this.segments.push(segment);
    this.docs.push(doc);
    this.text.push(text);
    return true;
  }

  /** With `dedupe` on: whether the document is new here (if not, it keeps the better score). */
  private first(segment: Segment, doc: number, text: number): boolean {
    const where = this.where!;
    let docs = where.get(segment);
    if (docs === undefined) {
      docs = new Map();
      where.set(segment, docs);
    }
    const at = docs.get(doc);
    if (at !== undefined) {
      if (text > this.text[at]!) this.text[at] = text;
      return false;
    }
    docs.set(doc, this.docs.length);
    return true;
  }

  /**
   * From now on a document offered again keeps one place, with its best score: other readings of the
   * query (readings.ts: space slips, partial readings) find some of the same documents. Tiers of one reading do not
   * need it, so most searches never pay for the map.
   */
  dedupe(): void {
    if (this.where !== null) return;
    const where = new Map<Segment, Map<number, number>>();
    for (let i = 0; i < this.docs.length; i++) {
      const segment = this.segments[i]!;
      let docs = where.get(segment);
      if (docs === undefined) {
        docs = new Map();
        where.set(segment, docs);
      }
      docs.set(this.docs[i]!, i);
    }
    this.where = where;
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
  const from = segment.typeStart[type]!;
  const to = segment.typeStart[type + 1]!;
  const checks = new Checks(segment, expansions, [pick], firstTier, {
    from,
    to,
    candidates: Math.min(driver.size, budget),
  });
  const deleted = segment.deleted;
  let matched = 0;
  let added = 0;
  let read = 0;
  let complete = true;
  // A big prefix's list (the documents it begins first, TOP_DOCS at most) is read whole.
  const enough = driver.truncated ? Math.max(limit, TOP_DOCS) : limit;
  for (let d = driver.next(); d >= 0; d = driver.next()) {
    if (added >= enough || read >= budget) {
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
    if (pool.add(segment, d, text)) added++;
  }
  checks.release();
  driver.release();
  if (driver.truncated) complete = false;
  return { matched, added, read, size: Math.max(driver.size, read), complete };
}

import { Conflict, Invalid, NotFound } from '../errors.js';
import { newId } from '../ids.js';
import { MARKETS } from '../markets.js';
import { allocateColumns } from './allocate-columns.js';
import { checkPeriod, checkSplits, computeMarket, FULL_SHARE_BP, RunDigest } from './compute.js';
import type {
  HolderStatementLine,
  MarketPrice,
  MarketResult,
  RightsHolder,
  RoyaltiesRepository,
  RunSummary,
  Split,
} from './types.js';

/** A promise awaited later: marked handled now, so failing before then does not end the process. */
function inBackground(work: Promise<void>): Promise<void> {
  work.catch(() => {});
  return work;
}

/** Lines hashed between turns of the event loop. */
const DIGEST_STEP = 20_000;

/**
 * Royalty runs, prices, rights holders and splits. A run reads the period's tallies as columns, computes
 * each market (allocate-columns.ts) and hands its lines to the repository, which writes the whole run
 * in one transaction.
 * A closed period is frozen: rerunning it recomputes from its stored inputs and checks the result is
 * byte-identical (same digest) instead of writing.
 */
export class RoyaltyService {
  constructor(private readonly repo: RoyaltiesRepository) {}

  async run(period: string, options: { close?: boolean } = {}): Promise<RunSummary> {
    checkPeriod(period);
    const frozen = (await this.repo.periodClosedAt(period)) !== null && (await this.repo.storedDigest(period)) !== null;
    const prices = new Map((await this.repo.prices(period)).map((p) => [p.market, p]));
    const [users, streams] = await Promise.all([
      this.repo.premiumUsers(period),
      this.repo.periodStreams(period, frozen ? 'stored' : 'current'),
    ]);
    const missing = streams.markets.map((m) => m.market).filter((m) => !prices.has(m));
    if (missing.length > 0) {
      throw new Invalid(
        `no prices for ${missing.join(', ')} in ${period}: set them with cadenza royalties price --market XX --period ${period} …`,
        'market',
      );
    }
    const writer = frozen ? null : await this.repo.openRun(period);
    const digest = new RunDigest();
    const results: MarketResult[] = [];
    let lines = 0;
    // The writer's COPY of one market runs while the next is computed and hashed: the hashing gives
    // way every few thousand lines so the COPY's chunks keep flowing to the database meanwhile.
    let writing: Promise<void> = Promise.resolve();
    try {
      if (writer) writing = inBackground(writer.tracks(streams.tracks));
      for (const counts of streams.markets) {
        const price = prices.get(counts.market)!;
        const out = allocateColumns(streams.tracks, counts, price, users.get(counts.market) ?? 0);
        for (let from = 0; from < out.lines.length; from += DIGEST_STEP) {
          digest.columns(streams.tracks, counts, out.lines, from, Math.min(out.lines.length, from + DIGEST_STEP));
          await new Promise(setImmediate);
        }
        await writing;
        if (writer) writing = inBackground(writer.lines(streams.tracks, counts, out.lines));
        lines += out.lines.length;
        results.push(out.result);
      }
      await writing;
      // Priced markets without streams still report their (unallocated) ad revenue.
      const seen = new Set(results.map((r) => r.market));
      for (const price of prices.values()) {
        if (!seen.has(price.market)) {
          results.push(computeMarket({ market: price.market, price, premiumUsers: 0, tracks: [] }).result);
        }
      }
      results.sort((a, b) => (a.market < b.market ? -1 : 1));
      for (const r of results) digest.market(r);
      const streamCount = results.reduce((sum, r) => sum + r.premiumStreams + r.freeStreams, 0);
      const summary = summarize(period, results, streamCount, lines, digest.hex());
      if (frozen) {
        const stored = await this.repo.storedDigest(period);
        if (stored !== summary.digest) {
          throw new Conflict(
            `recomputing closed period ${period} gave different statements (digest ${summary.digest}, stored ${stored}); its inputs changed after it closed; the stored statements are kept`,
            'period',
          );
        }
        return { ...summary, closed: true, verified: true };
      }
      await writer!.commit(summary, options.close === true);
      return { ...summary, closed: options.close === true };
    } catch (err) {
      await writing.catch(() => {});
      await writer?.abort();
      throw err;
    }
  }

  async setPrice(price: MarketPrice): Promise<void> {
    checkPeriod(price.period);
    if (!MARKETS.has(price.market)) throw new Invalid('market must be an ISO 3166-1 alpha-2 code', 'market');
    if (price.premiumPriceMicros < 0n) throw new Invalid('must not be negative', 'premium_price_micros');
    if (price.adRevenueMicros < 0n) throw new Invalid('must not be negative', 'ad_revenue_micros');
    if (!Number.isInteger(price.payoutBp) || price.payoutBp < 0 || price.payoutBp > FULL_SHARE_BP) {
      throw new Invalid('must be a whole number of basis points from 0 to 10000', 'payout_bp');
    }
    if ((await this.repo.periodClosedAt(price.period)) !== null) {
      throw new Conflict(`period ${price.period} is closed; its prices are frozen`, 'period');
    }
    await this.repo.setPrice(price);
  }

  async prices(period: string): Promise<MarketPrice[]> {
    return this.repo.prices(checkPeriod(period));
  }

  async addHolder(input: { name: string; userId?: string | null; username?: string }): Promise<RightsHolder> {
    const name = input.name.trim();
    if (name.length === 0 || name.length > 200) throw new Invalid('must be 1 to 200 characters', 'name');
    let userId = input.userId ?? null;
    if (input.username !== undefined) {
      userId = await this.repo.findUserId(input.username);
      if (!userId) throw new NotFound(`no user named ${input.username}`, 'username');
    } else if (userId !== null && !(await this.repo.userExists(userId))) {
      throw new Invalid(`no user ${userId}`, 'user_id');
    }
    const holder = { id: newId(), name, userId };
    await this.repo.addHolder(holder);
    return holder;
  }

  /** Replaces a track's splits as a whole; refused unless they sum to exactly 100 %. */
  async setSplits(trackId: string, splits: Split[]): Promise<Split[]> {
    checkSplits(splits);
    if (!(await this.repo.trackExists(trackId))) throw new NotFound('track not found', 'track_id');
    const known = new Set(await this.repo.holdersExist(splits.map((s) => s.holderId)));
    const bad = splits.findIndex((s) => !known.has(s.holderId));
    if (bad >= 0) throw new Invalid(`no rights holder ${splits[bad]!.holderId}`, `splits[${bad}].holder_id`);
    await this.repo.replaceSplits(trackId, splits);
    return this.repo.splits(trackId);
  }

  async holderStatement(period: string, holderId: string): Promise<HolderStatementLine[]> {
    checkPeriod(period);
    if ((await this.repo.holdersExist([holderId])).length === 0) throw new NotFound('no such rights holder', 'holder');
    return this.repo.statement(period, { holderId });
  }

  /** Every rights holder's lines of the period (unassigned money is not in any statement). */
  async allStatements(period: string): Promise<HolderStatementLine[]> {
    return this.repo.statement(checkPeriod(period), {});
  }

  /** The statement lines of every rights holder linked to this account. */
  async statementsForUser(userId: string, period: string): Promise<HolderStatementLine[]> {
    return this.repo.statement(checkPeriod(period), { userId });
  }
}

function summarize(
  period: string,
  markets: MarketResult[],
  streams: number,
  lines: number,
  digest: string,
): Omit<RunSummary, 'closed'> & { closed: boolean; verified: boolean } {
  let poolMicros = 0n;
  let paidMicros = 0n;
  let unassignedMicros = 0n;
  let unallocatedMicros = 0n;
  for (const m of markets) {
    const pool = m.premiumPoolMicros + m.adPoolMicros;
    // The arithmetic guarantees this; checking it here means a bug can never be paid out.
    if (m.paidMicros + m.unassignedMicros + m.unallocatedMicros !== pool) {
      throw new Error(`royalty run ${period} does not reconcile in ${m.market}`);
    }
    poolMicros += pool;
    paidMicros += m.paidMicros;
    unassignedMicros += m.unassignedMicros;
    unallocatedMicros += m.unallocatedMicros;
  }
  return {
    period,
    closed: false,
    verified: false,
    streams,
    poolMicros,
    paidMicros,
    unassignedMicros,
    unallocatedMicros,
    lines,
    digest,
    markets,
  };
}

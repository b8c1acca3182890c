import { createHash, type Hash } from 'node:crypto';
import { Invalid } from '../errors.js';
import { apportion } from './largest-remainder.js';
import type { MarketInput, MarketResult, Split, StatementLine } from './types.js';

/**
 * The royalty arithmetic of one market and period, pure (see docs/royalties.md):
 *  1. premium pool = floor(premium users × price × payout_bp / 10000); ad pool = the configured ad revenue.
 *  2. The premium pool is shared among tracks by premium streams, the ad pool by free streams, each
 *     by largest remainder. A pool whose kind has no streams is shared by the other kind's streams;
 *     with no streams at all it stays unallocated (reported, never lost).
 *  3. Each track's amount (premium share + ad share) is split among its rights holders by basis
 *     points, again by largest remainder; a track without splits keeps its amount unassigned.
 */

export const PERIOD_PATTERN = /^\d{4}-(0[1-9]|1[0-2])$/;
export const FULL_SHARE_BP = 10_000;

export function checkPeriod(period: string): string {
  if (!PERIOD_PATTERN.test(period)) throw new Invalid('period must be YYYY-MM, e.g. 2026-10', 'period');
  return period;
}

/** A track's splits: positive whole basis points, one per holder, summing to exactly 10000. */
export function checkSplits(splits: readonly Split[], field = 'splits'): void {
  if (splits.length === 0) throw new Invalid('a track needs at least one split', field);
  const seen = new Set<string>();
  let sum = 0;
  for (const [i, s] of splits.entries()) {
    if (!Number.isInteger(s.shareBp) || s.shareBp < 1 || s.shareBp > FULL_SHARE_BP) {
      throw new Invalid(`share_bp must be a whole number of basis points from 1 to 10000`, `${field}[${i}].share_bp`);
    }
    if (seen.has(s.holderId)) throw new Invalid(`holder ${s.holderId} appears twice`, `${field}[${i}].holder_id`);
    seen.add(s.holderId);
    sum += s.shareBp;
  }
  if (sum !== FULL_SHARE_BP) {
    throw new Invalid(
      `splits must sum to exactly 10000 basis points (100 %); these sum to ${sum} (${sum / 100} %)`,
      field,
    );
  }
}

export function premiumPool(premiumUsers: number, priceMicros: bigint, payoutBp: number): bigint {
  return (BigInt(premiumUsers) * priceMicros * BigInt(payoutBp)) / BigInt(FULL_SHARE_BP);
}

const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function computeMarket(input: MarketInput): { result: MarketResult; lines: StatementLine[] } {
  const { market, price } = input;
  if (price.payoutBp < 0 || price.payoutBp > FULL_SHARE_BP)
    throw new Invalid('payout_bp must be 0..10000', 'payout_bp');
  // Sorting first makes the lines' order, and so the digest, independent of the input order.
  const tracks = [...input.tracks].sort((a, b) => byteOrder(a.trackId, b.trackId));
  const ids = tracks.map((t) => t.trackId);
  const premium = tracks.map((t) => t.premiumStreams);
  const free = tracks.map((t) => t.freeStreams);
  const premiumStreams = premium.reduce((a, b) => a + b, 0);
  const freeStreams = free.reduce((a, b) => a + b, 0);
  const premiumPoolMicros = premiumPool(input.premiumUsers, price.premiumPriceMicros, price.payoutBp);
  const adPoolMicros = price.adRevenueMicros;

  let unallocatedMicros = 0n;
  const shares = tracks.map(() => 0n);
  const share = (pool: bigint, weights: number[]) => {
    apportion(pool, weights, ids).forEach((amount, i) => {
      shares[i] = shares[i]! + amount;
    });
  };
  const total = premiumPoolMicros + adPoolMicros;
  if (premiumStreams === 0 && freeStreams === 0) unallocatedMicros = total;
  else if (freeStreams === 0) share(total, premium);
  else if (premiumStreams === 0) share(total, free);
  else {
    share(premiumPoolMicros, premium);
    share(adPoolMicros, free);
  }

  const lines: StatementLine[] = [];
  let paidMicros = 0n;
  let unassignedMicros = 0n;
  tracks.forEach((t, i) => {
    const amount = shares[i]!;
    const base = { market, trackId: t.trackId, premiumStreams: t.premiumStreams, freeStreams: t.freeStreams };
    if (t.splits.length === 0) {
      unassignedMicros += amount;
      lines.push({ ...base, holderId: null, shareBp: FULL_SHARE_BP, amountMicros: amount });
      return;
    }
    try {
      checkSplits(t.splits);
    } catch (err) {
      throw new Invalid(`splits of track ${t.trackId}: ${(err as Error).message}`, 'splits');
    }
    const splits = [...t.splits].sort((a, b) => byteOrder(a.holderId, b.holderId));
    const parts = apportion(
      amount,
      splits.map((s) => s.shareBp),
      splits.map((s) => s.holderId),
    );
    splits.forEach((s, j) => {
      paidMicros += parts[j]!;
      lines.push({ ...base, holderId: s.holderId, shareBp: s.shareBp, amountMicros: parts[j]! });
    });
  });
  return {
    result: {
      market,
      premiumUsers: input.premiumUsers,
      premiumStreams,
      freeStreams,
      premiumPoolMicros,
      adPoolMicros,
      paidMicros,
      unassignedMicros,
      unallocatedMicros,
    },
    lines,
  };
}

/**
 * The canonical bytes of a run, hashed: every market's result and every line, in order. Two runs
 * with equal digests wrote byte-identical statements.
 */
export class RunDigest {
  private readonly hash: Hash = createHash('sha256');

  lines(lines: readonly StatementLine[]): void {
    let chunk = '';
    for (const [i, l] of lines.entries()) {
      chunk += `L,${l.market},${l.trackId},${l.holderId ?? ''},${l.shareBp},${l.premiumStreams},${l.freeStreams},${l.amountMicros}\n`;
      if (i % 10_000 === 9_999) {
        this.hash.update(chunk);
        chunk = '';
      }
    }
    this.hash.update(chunk);
  }

  market(r: MarketResult): void {
    this.hash.update(
      `M,${r.market},${r.premiumUsers},${r.premiumStreams},${r.freeStreams},${r.premiumPoolMicros},${r.adPoolMicros},${r.paidMicros},${r.unassignedMicros},${r.unallocatedMicros}\n`,
    );
  }

  hex(): string {
    return this.hash.digest('hex');
  }
}

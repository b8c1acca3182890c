import { createHash, type Hash } from 'node:crypto';
import { Invalid } from '../errors.js';
import { encoded } from './encoded-ids.js';
import { apportion } from './largest-remainder.js';
import type {
  MarketCounts,
  MarketInput,
  MarketLines,
  MarketResult,
  PeriodTracks,
  Split,
  StatementLine,
  TrackStreams,
} from './types.js';

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

function isSortedBy<T>(items: readonly T[], key: (item: T) => string): boolean {
  for (let i = 1; i < items.length; i++) if (key(items[i - 1]!) >= key(items[i]!)) return false;
  return true;
}

/** The common case of checkSplits without its allocations; checkSplits explains any failure. */
function splitsLookValid(splits: readonly Split[]): boolean {
  let sum = 0;
  for (let i = 0; i < splits.length; i++) {
    const s = splits[i]!;
    if (!Number.isInteger(s.shareBp) || s.shareBp < 1 || s.shareBp > FULL_SHARE_BP) return false;
    for (let j = 0; j < i; j++) if (splits[j]!.holderId === s.holderId) return false;
    sum += s.shareBp;
  }
  return sum === FULL_SHARE_BP;
}

function line(
  market: string,
  t: TrackStreams,
  holderId: string | null,
  shareBp: number,
  amountMicros: bigint,
): StatementLine {
  return {
    market,
    trackId: t.trackId,
    holderId,
    shareBp,
    premiumStreams: t.premiumStreams,
    freeStreams: t.freeStreams,
    amountMicros,
  };
}

/** All of a market's lines at once: for tests and small markets (runs use allocateMarket's chunks). */
export function computeMarket(input: MarketInput): { result: MarketResult; lines: StatementLine[] } {
  const { result, chunks } = allocateMarket(input);
  return { result, lines: [...chunks()].flat() };
}

/**
 * A market's result at once and its lines in chunks, built only while they are consumed, so a run
 * holds one chunk of lines rather than millions. Bad splits throw while the chunks are read.
 */
export function allocateMarket(
  input: MarketInput,
  chunkSize = 10_000,
): { result: MarketResult; chunks(): Generator<StatementLine[]> } {
  const { market, price } = input;
  if (price.payoutBp < 0 || price.payoutBp > FULL_SHARE_BP)
    throw new Invalid('payout_bp must be 0..10000', 'payout_bp');
  // Sorting first makes the lines' order, and so the digest, independent of the input order. The
  // repository already delivers byte order, so this is usually one linear check.
  const tracks = isSortedBy(input.tracks, (t) => t.trackId)
    ? input.tracks
    : [...input.tracks].sort((a, b) => byteOrder(a.trackId, b.trackId));
  const n = tracks.length;
  const ids = new Array<string>(n);
  const premium = new Array<number>(n);
  const free = new Array<number>(n);
  let premiumStreams = 0;
  let freeStreams = 0;
  for (let i = 0; i < n; i++) {
    const t = tracks[i]!;
    ids[i] = t.trackId;
    premium[i] = t.premiumStreams;
    free[i] = t.freeStreams;
    premiumStreams += t.premiumStreams;
    freeStreams += t.freeStreams;
  }
  const premiumPoolMicros = premiumPool(input.premiumUsers, price.premiumPriceMicros, price.payoutBp);
  const adPoolMicros = price.adRevenueMicros;

  let unallocatedMicros = 0n;
  let shares: bigint[] = new Array<bigint>(n).fill(0n);
  const total = premiumPoolMicros + adPoolMicros;
  if (premiumStreams === 0 && freeStreams === 0) unallocatedMicros = total;
  else if (freeStreams === 0) shares = apportion(total, premium, ids);
  else if (premiumStreams === 0) shares = apportion(total, free, ids);
  else {
    shares = apportion(premiumPoolMicros, premium, ids);
    const ad = apportion(adPoolMicros, free, ids);
    for (let i = 0; i < n; i++) shares[i] = shares[i]! + ad[i]!;
  }
  // A track's holders get exactly its amount (largest remainder), so the totals are known up front.
  let unassignedMicros = 0n;
  for (let i = 0; i < n; i++) if (tracks[i]!.splits.length === 0) unassignedMicros += shares[i]!;
  const result: MarketResult = {
    market,
    premiumUsers: input.premiumUsers,
    premiumStreams,
    freeStreams,
    premiumPoolMicros,
    adPoolMicros,
    paidMicros: total - unallocatedMicros - unassignedMicros,
    unassignedMicros,
    unallocatedMicros,
  };

  function* chunks(): Generator<StatementLine[]> {
    let lines: StatementLine[] = [];
    for (let i = 0; i < n; i++) {
      const t = tracks[i]!;
      const amount = shares[i]!;
      if (t.splits.length === 0) lines.push(line(market, t, null, FULL_SHARE_BP, amount));
      else {
        if (!splitsLookValid(t.splits)) {
          try {
            checkSplits(t.splits);
          } catch (err) {
            throw new Invalid(`splits of track ${t.trackId}: ${(err as Error).message}`, 'splits');
          }
        }
        const splits = isSortedBy(t.splits, (x) => x.holderId)
          ? t.splits
          : [...t.splits].sort((a, b) => byteOrder(a.holderId, b.holderId));
        const parts =
          splits.length === 1
            ? [amount]
            : apportion(
                amount,
                splits.map((x) => x.shareBp),
                splits.map((x) => x.holderId),
              );
        for (let j = 0; j < splits.length; j++) {
          lines.push(line(market, t, splits[j]!.holderId, splits[j]!.shareBp, parts[j]!));
        }
      }
      if (lines.length >= chunkSize) {
        yield lines;
        lines = [];
      }
    }
    if (lines.length > 0) yield lines;
  }
  return { result, chunks };
}

/**
 * The canonical bytes of a run, hashed: every market's result and every line, in order. Two runs
 * with equal digests wrote byte-identical statements.
 */
export class RunDigest {
  private readonly hash: Hash = createHash('sha256');
  private out = Buffer.allocUnsafe(1 << 20);

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

  /**
   * The same bytes as lines() for a market's lines held as columns, written as bytes rather than
   * strings (tens of millions of lines in a run): ids encoded once per run, digits written directly.
   */
  columns(tracks: PeriodTracks, counts: MarketCounts, lines: MarketLines, from = 0, to = lines.length): void {
    const trackIds = encoded(tracks.trackIds);
    const holderIds = encoded(tracks.holderIds);
    const prefix = Buffer.from(`L,${lines.market},`, 'utf8');
    let out = this.out;
    let at = 0;
    for (let k = from; k < to; k++) {
      const t = lines.track[k]!;
      const h = lines.holder[k]!;
      const need = prefix.length + trackIds.length(t) + (h < 0 ? 0 : holderIds.length(h)) + 120;
      if (at + need > out.length) {
        this.hash.update(out.subarray(0, at));
        at = 0;
        if (need > out.length) this.out = out = Buffer.allocUnsafe(need);
      }
      for (let b = 0; b < prefix.length; b++) out[at++] = prefix[b]!;
      at = trackIds.copy(t, out, at);
      out[at++] = COMMA;
      if (h >= 0) at = holderIds.copy(h, out, at);
      out[at++] = COMMA;
      at = writeDigits(out, at, lines.shareBp[k]!);
      out[at++] = COMMA;
      at = writeDigits(out, at, counts.premium[t]!);
      out[at++] = COMMA;
      at = writeDigits(out, at, counts.free[t]!);
      out[at++] = COMMA;
      if (lines.big) at += out.write(`${lines.big[k]}`, at, 'latin1');
      else at = writeDigits(out, at, lines.amount[k]!);
      out[at++] = NEWLINE;
    }
    this.hash.update(out.subarray(0, at));
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

const COMMA = 0x2c;
const NEWLINE = 0x0a;
const ZERO = 0x30;

/** Writes a non-negative integer below 2^53 as decimal digits at `at`; returns the end. */
function writeDigits(out: Buffer, at: number, value: number): number {
  if (value < 10) {
    out[at] = ZERO + value;
    return at + 1;
  }
  if (value > 0x7fffffff) {
    // Rare (amounts above 2147 units of currency): the general path.
    return at + out.write(`${value}`, at, 'latin1');
  }
  let digits = 1;
  for (let v = value; v >= 10; v = (v / 10) | 0) digits++;
  let v = value | 0;
  for (let i = at + digits - 1; i >= at; i--) {
    const next = (v / 10) | 0;
    out[i] = ZERO + v - next * 10;
    v = next;
  }
  return at + digits;
}

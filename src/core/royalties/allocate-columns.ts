import { Invalid } from '../errors.js';
import { apportionColumns, fitsColumns } from './apportion-columns.js';
import { allocateMarket, checkSplits, FULL_SHARE_BP, premiumPool } from './compute.js';
import type { MarketCounts, MarketLines, MarketPrice, MarketResult, PeriodTracks, TrackStreams } from './types.js';

/**
 * allocateMarket (compute.ts) over a run's columns: the same rule and the same lines, computed on typed
 * arrays indexed by track number so that a market of a million tracks makes no object per track. A
 * market whose amounts do not fit the exact double arithmetic (apportion-columns.ts) is computed by
 * allocateMarket itself and converted.
 */
export function allocateColumns(
  tracks: PeriodTracks,
  counts: MarketCounts,
  price: MarketPrice,
  premiumUsers: number,
): { result: MarketResult; lines: MarketLines } {
  if (price.payoutBp < 0 || price.payoutBp > FULL_SHARE_BP)
    throw new Invalid('payout_bp must be 0..10000', 'payout_bp');
  const { premium, free } = counts;
  const n = tracks.trackIds.length;
  let premiumStreams = 0;
  let freeStreams = 0;
  let maxPremium = 0;
  let maxFree = 0;
  let present = 0;
  let lineCount = 0;
  for (let i = 0; i < n; i++) {
    const p = premium[i]!;
    const f = free[i]!;
    if (p === 0 && f === 0) continue;
    present++;
    lineCount += Math.max(1, tracks.splitStart[i + 1]! - tracks.splitStart[i]!);
    premiumStreams += p;
    freeStreams += f;
    if (p > maxPremium) maxPremium = p;
    if (f > maxFree) maxFree = f;
  }
  const premiumPoolMicros = premiumPool(premiumUsers, price.premiumPriceMicros, price.payoutBp);
  const adPoolMicros = price.adRevenueMicros;
  const total = premiumPoolMicros + adPoolMicros;
  if (
    !fitsColumns(total, premiumStreams, maxPremium) ||
    !fitsColumns(total, freeStreams, maxFree) ||
    !Number.isSafeInteger(premiumStreams + freeStreams)
  ) {
    return viaObjects(tracks, counts, price, premiumUsers);
  }

  const amounts = new Float64Array(n);
  let unallocatedMicros = 0n;
  if (present === 0) unallocatedMicros = total;
  else if (freeStreams === 0) apportionColumns(total, premium, premiumStreams, amounts);
  else if (premiumStreams === 0) apportionColumns(total, free, freeStreams, amounts);
  else {
    apportionColumns(premiumPoolMicros, premium, premiumStreams, amounts);
    apportionColumns(adPoolMicros, free, freeStreams, amounts);
  }

  const lines: MarketLines = {
    market: counts.market,
    length: lineCount,
    track: new Int32Array(lineCount),
    holder: new Int32Array(lineCount),
    shareBp: new Int32Array(lineCount),
    amount: new Float64Array(lineCount),
    big: null,
  };
  let unassigned = 0;
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (premium[i] === 0 && free[i] === 0) continue;
    const from = tracks.splitStart[i]!;
    const to = tracks.splitStart[i + 1]!;
    const amount = amounts[i]!;
    if (from === to) {
      lines.track[k] = i;
      lines.holder[k] = -1;
      lines.shareBp[k] = FULL_SHARE_BP;
      lines.amount[k++] = amount;
      unassigned += amount;
      continue;
    }
    checkTrackSplits(tracks, i);
    splitAmount(amount, tracks.splitBp, from, to, lines.amount, k);
    for (let s = from; s < to; s++, k++) {
      lines.track[k] = i;
      lines.holder[k] = tracks.splitHolder[s]!;
      lines.shareBp[k] = tracks.splitBp[s]!;
    }
  }
  const unassignedMicros = BigInt(unassigned);
  const result: MarketResult = {
    market: counts.market,
    premiumUsers,
    premiumStreams,
    freeStreams,
    premiumPoolMicros,
    adPoolMicros,
    paidMicros: total - unallocatedMicros - unassignedMicros,
    unassignedMicros,
    unallocatedMicros,
  };
  return { result, lines };
}

/**
 * A track's amount split by basis points into out[at …], largest remainder: amount = q × 10000 + r,
 * part = q × bp + ⌊r × bp / 10000⌋, remainder (r × bp) mod 10000; ties to the larger share, then the
 * holder first in byte order (the order the splits are listed in).
 */
function splitAmount(amount: number, bps: Int32Array, from: number, to: number, out: Float64Array, at: number): void {
  const q = Math.floor(amount / FULL_SHARE_BP);
  const r = amount - q * FULL_SHARE_BP;
  let leftover = amount;
  for (let s = from; s < to; s++) {
    const part = q * bps[s]! + Math.floor((r * bps[s]!) / FULL_SHARE_BP);
    out[at + s - from] = part;
    leftover -= part;
  }
  // Fewer units are left than there are holders, and tracks have a handful of holders: each unit goes
  // to the best holder not yet given one (a given holder's remainder is marked −1).
  const remainders = scratch(to - from);
  for (let s = from; s < to; s++) remainders[s - from] = (r * bps[s]!) % FULL_SHARE_BP;
  for (; leftover > 0; leftover--) {
    let best = -1;
    for (let j = 0; j < to - from; j++) {
      const rj = remainders[j]!;
      if (rj <= 0) continue;
      if (best < 0 || rj > remainders[best]! || (rj === remainders[best] && bps[from + j]! > bps[from + best]!)) {
        best = j;
      }
    }
    remainders[best] = -1;
    out[at + best] = out[at + best]! + 1;
  }
}

let scratchArray = new Float64Array(16);
function scratch(length: number): Float64Array {
  if (scratchArray.length < length) scratchArray = new Float64Array(length);
  return scratchArray;
}

function checkTrackSplits(tracks: PeriodTracks, i: number): void {
  const from = tracks.splitStart[i]!;
  const to = tracks.splitStart[i + 1]!;
  let sum = 0;
  let valid = true;
  for (let s = from; s < to; s++) {
    const bp = tracks.splitBp[s]!;
    if (bp < 1 || bp > FULL_SHARE_BP || (s > from && tracks.splitHolder[s - 1]! >= tracks.splitHolder[s]!)) {
      valid = false;
    }
    sum += bp;
  }
  if (valid && sum === FULL_SHARE_BP) return;
  try {
    checkSplits(trackStreams(tracks, i, 0, 0).splits);
  } catch (err) {
    throw new Invalid(`splits of track ${tracks.trackIds[i]}: ${(err as Error).message}`, 'splits');
  }
  throw new Invalid(`splits of track ${tracks.trackIds[i]}: holders out of order`, 'splits');
}

function trackStreams(tracks: PeriodTracks, i: number, premiumStreams: number, freeStreams: number): TrackStreams {
  const splits = [];
  for (let s = tracks.splitStart[i]!; s < tracks.splitStart[i + 1]!; s++) {
    splits.push({ holderId: tracks.holderIds[tracks.splitHolder[s]!]!, shareBp: tracks.splitBp[s]! });
  }
  return { trackId: tracks.trackIds[i]!, premiumStreams, freeStreams, splits };
}

/** The BigInt path for markets beyond the columns' exact range: allocateMarket, its lines as columns. */
function viaObjects(
  tracks: PeriodTracks,
  counts: MarketCounts,
  price: MarketPrice,
  premiumUsers: number,
): { result: MarketResult; lines: MarketLines } {
  const input: TrackStreams[] = [];
  const trackNo = new Map<string, number>();
  for (let i = 0; i < tracks.trackIds.length; i++) {
    if (counts.premium[i] === 0 && counts.free[i] === 0) continue;
    input.push(trackStreams(tracks, i, counts.premium[i]!, counts.free[i]!));
    trackNo.set(tracks.trackIds[i]!, i);
  }
  const holderNo = new Map(tracks.holderIds.map((id, i) => [id, i]));
  const { result, chunks } = allocateMarket({ market: counts.market, price, premiumUsers, tracks: input });
  const all = [...chunks()].flat();
  const lines: MarketLines = {
    market: counts.market,
    length: all.length,
    track: Int32Array.from(all, (l) => trackNo.get(l.trackId)!),
    holder: Int32Array.from(all, (l) => (l.holderId === null ? -1 : holderNo.get(l.holderId)!)),
    shareBp: Int32Array.from(all, (l) => l.shareBp),
    amount: new Float64Array(all.length),
    big: all.map((l) => l.amountMicros),
  };
  return { result, lines };
}

/** Line k's amount in micro-units, as decimal digits. */
export function lineAmount(lines: MarketLines, k: number): string {
  return lines.big ? `${lines.big[k]}` : `${lines.amount[k]}`;
}

import type pg from 'pg';
import { encoded } from '../../core/royalties/encoded-ids.js';
import type { MarketCounts, MarketLines, PeriodStreams, PeriodTracks } from '../../core/royalties/types.js';
import { BinaryCopy, OID } from './copy-binary.js';
import { binaryIntArray, binaryTextArray, copyToBinary } from './copy-to.js';

/**
 * A run's inputs read into columns, and its outputs written as binary COPY rows (see
 * docs/royalties.md, "Scale"). Track and holder ids are read once as strings and numbered in byte
 * order; everything else is typed arrays indexed by those numbers.
 */

const CHUNK_BYTES = 1 << 20;

/** The queries a run's inputs are read with, each a row of arrays, on its own connection, all at once. */
export interface PeriodQueries {
  /** One row per market: (market, track keys, premium streams, free streams). */
  tallies: string;
  /** (track keys, track ids), in byte order of the id. */
  keys: string;
  /** (holder ids) in byte order. */
  holders: string;
  /** (track keys, holder numbers in `holders`, basis points). */
  splits: string;
}

interface Tally {
  market: string;
  keys: Float64Array;
  premium: Float64Array;
  free: Float64Array;
}

/** The period's tallies and the splits of its tracks, as PeriodStreams. */
export async function readPeriodStreams(clients: pg.PoolClient[], queries: PeriodQueries): Promise<PeriodStreams> {
  const tallies: Tally[] = [];
  let keys: Float64Array = new Float64Array(0);
  let ids: string[] = [];
  let holderIds: string[] = [];
  let splits: Float64Array[] = [];
  const [a, b, c, d] = clients as [pg.PoolClient, pg.PoolClient, pg.PoolClient, pg.PoolClient];
  await settled([
    copyToBinary(a, queries.tallies, ([market, key, premium, free]) => {
      tallies.push({
        market: market!.toString('utf8'),
        keys: binaryIntArray(key!),
        premium: binaryIntArray(premium!),
        free: binaryIntArray(free!),
      });
    }),
    copyToBinary(b, queries.keys, ([key, id]) => {
      keys = key ? binaryIntArray(key) : keys;
      ids = id ? binaryTextArray(id) : ids;
    }),
    copyToBinary(c, queries.holders, ([id]) => {
      holderIds = id ? binaryTextArray(id) : holderIds;
    }),
    copyToBinary(d, queries.splits, (fields) => {
      if (fields[0]) splits = fields.map((f) => binaryIntArray(f!));
    }),
  ]);
  // Track numbers: the keys with streams in the period, in byte order of their ids.
  let maxKey = 0;
  for (const k of keys) if (k > maxKey) maxKey = k;
  const trackNo = new Int32Array(maxKey + 1).fill(-1);
  for (const t of tallies) for (const k of t.keys) trackNo[k] = 0;
  const trackIds: string[] = [];
  for (let i = 0; i < keys.length; i++) {
    if (trackNo[keys[i]!] === 0) {
      trackNo[keys[i]!] = trackIds.length + 1;
      trackIds.push(ids[i]!);
    }
  }
  for (let k = 0; k <= maxKey; k++) trackNo[k] = trackNo[k]! - 1;
  const n = trackIds.length;
  const markets: MarketCounts[] = tallies
    .sort((x, y) => (x.market < y.market ? -1 : 1))
    .map((t) => {
      const premium = new Float64Array(n);
      const free = new Float64Array(n);
      for (let r = 0; r < t.keys.length; r++) {
        const i = trackNo[t.keys[r]!]!;
        premium[i] = t.premium[r]!;
        free[i] = t.free[r]!;
      }
      return { market: t.market, premium, free };
    });
  // No splits at all: array_agg of no rows is null.
  const [splitKey, splitHolderNo, splitShare] = (
    splits.length > 0 ? splits : [0, 1, 2].map(() => new Float64Array(0))
  ) as [Float64Array, Float64Array, Float64Array];
  return { tracks: splitColumns(trackIds, trackNo, holderIds, splitKey, splitHolderNo, splitShare), markets };
}

/** Waits for every read (a connection goes back to the pool only when its COPY is over), then fails with the first error. */
async function settled(reads: Promise<void>[]): Promise<void> {
  const failed = (await Promise.allSettled(reads)).find((r) => r.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
}

/** Splits of the tracks with streams in compressed rows, holders listed in byte order. */
function splitColumns(
  trackIds: string[],
  trackNo: Int32Array,
  holderIds: string[],
  keys: Float64Array,
  holders: Float64Array,
  bps: Float64Array,
): PeriodTracks {
  const n = trackIds.length;
  const splitStart = new Int32Array(n + 1);
  const trackOf = (r: number) => (keys[r]! < trackNo.length ? trackNo[keys[r]!]! : -1);
  for (let r = 0; r < keys.length; r++) if (trackOf(r) >= 0) splitStart[trackOf(r) + 1]!++;
  for (let i = 0; i < n; i++) splitStart[i + 1]! += splitStart[i]!;
  const next = splitStart.slice(0, n);
  const splitHolder = new Int32Array(splitStart[n]!);
  const splitBp = new Int32Array(splitStart[n]!);
  for (let r = 0; r < keys.length; r++) {
    const t = trackOf(r);
    if (t < 0) continue;
    const at = next[t]!++;
    splitHolder[at] = holders[r]!;
    splitBp[at] = bps[r]!;
  }
  // Each track's handful of splits in holder order (insertion sort).
  for (let i = 0; i < n; i++) {
    for (let a = splitStart[i]! + 1; a < splitStart[i + 1]!; a++) {
      const h = splitHolder[a]!;
      const bp = splitBp[a]!;
      let b = a - 1;
      for (; b >= splitStart[i]! && splitHolder[b]! > h; b--) {
        splitHolder[b + 1] = splitHolder[b]!;
        splitBp[b + 1] = splitBp[b]!;
      }
      splitHolder[b + 1] = h;
      splitBp[b + 1] = bp;
    }
  }
  return { trackIds, holderIds, splitStart, splitHolder, splitBp };
}

/** royalty_run_tracks rows: (period, track_no, track_id, holders, share_bps). */
export function* runTrackRows(period: string, tracks: PeriodTracks): Generator<Buffer> {
  const out = new BinaryCopy(CHUNK_BYTES);
  const trackIds = encoded(tracks.trackIds);
  const holderIds = encoded(tracks.holderIds);
  for (let i = 0; i < tracks.trackIds.length; i++) {
    const from = tracks.splitStart[i]!;
    const to = tracks.splitStart[i + 1]!;
    out.row(5);
    out.text(period);
    out.int4(i);
    out.id(trackIds, i);
    out.idArray(holderIds, tracks.splitHolder, from, to);
    out.array(to - from, OID.int4, 4);
    for (let s = from; s < to; s++) out.int4Element(tracks.splitBp[s]!);
    if (out.size >= CHUNK_BYTES) yield out.take();
  }
  out.end();
  yield out.take();
}

/**
 * royalty_statements rows of one market: one per holder (and one for unassigned tracks), each with
 * its lines' track numbers, streams and amounts in track order.
 */
export function* statementRows(
  period: string,
  tracks: PeriodTracks,
  counts: MarketCounts,
  lines: MarketLines,
): Generator<Buffer> {
  // Lines grouped by holder (slot 0: unassigned), keeping track order within each: a counting sort.
  const slots = tracks.holderIds.length + 1;
  const start = new Int32Array(slots + 1);
  for (let k = 0; k < lines.length; k++) start[lines.holder[k]! + 2]!++;
  for (let s = 0; s < slots; s++) start[s + 1]! += start[s]!;
  const next = start.slice(0, slots);
  const order = new Int32Array(lines.length);
  for (let k = 0; k < lines.length; k++) order[next[lines.holder[k]! + 1]!++] = k;

  const out = new BinaryCopy(CHUNK_BYTES);
  const holderIds = encoded(tracks.holderIds);
  for (let s = 0; s < slots; s++) {
    const from = start[s]!;
    const to = start[s + 1]!;
    if (from === to) continue;
    const count = to - from;
    out.row(7);
    out.text(period);
    out.text(lines.market);
    if (s === 0) out.text(null);
    else out.id(holderIds, s - 1);
    out.array(count, OID.int4, 4);
    for (let j = from; j < to; j++) out.int4Element(lines.track[order[j]!]!);
    out.array(count, OID.int8, 8);
    for (let j = from; j < to; j++) out.int8Element(counts.premium[lines.track[order[j]!]!]!);
    out.array(count, OID.int8, 8);
    for (let j = from; j < to; j++) out.int8Element(counts.free[lines.track[order[j]!]!]!);
    out.array(count, OID.int8, 8);
    for (let j = from; j < to; j++) {
      const k = order[j]!;
      if (lines.big) out.bigint8Element(lines.big[k]!);
      else out.int8Element(lines.amount[k]!);
    }
    if (out.size >= CHUNK_BYTES) yield out.take();
  }
  out.end();
  yield out.take();
}

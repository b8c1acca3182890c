import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { allocateColumns, lineAmount } from '../../src/core/royalties/allocate-columns.js';
import { selectFirst } from '../../src/core/royalties/apportion-columns.js';
import { computeMarket, RunDigest } from '../../src/core/royalties/compute.js';
import type { MarketCounts, PeriodTracks, Split, TrackStreams } from '../../src/core/royalties/types.js';
import { splitsArbitrary } from '../helpers/royalty-arbitraries.js';

/**
 * The run computes on columns (allocate-columns.ts); computeMarket is the rule written plainly. Both
 * must give the same lines and the same digest for any market, ties and huge pools included.
 */

const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The run's columns for these tracks, numbered as the repository numbers them (byte order of ids). */
function columns(tracks: TrackStreams[]): { period: PeriodTracks; counts: MarketCounts } {
  const sorted = [...tracks].sort((a, b) => byteOrder(a.trackId, b.trackId));
  const holderIds = [...new Set(sorted.flatMap((t) => t.splits.map((s) => s.holderId)))].sort(byteOrder);
  const splitStart = new Int32Array(sorted.length + 1);
  const holders: number[] = [];
  const bps: number[] = [];
  sorted.forEach((t, i) => {
    for (const s of [...t.splits].sort((a, b) => byteOrder(a.holderId, b.holderId))) {
      holders.push(holderIds.indexOf(s.holderId));
      bps.push(s.shareBp);
    }
    splitStart[i + 1] = holders.length;
  });
  return {
    period: {
      trackIds: sorted.map((t) => t.trackId),
      holderIds,
      splitStart,
      splitHolder: Int32Array.from(holders),
      splitBp: Int32Array.from(bps),
    },
    counts: {
      market: 'DE',
      premium: Float64Array.from(sorted, (t) => t.premiumStreams),
      free: Float64Array.from(sorted, (t) => t.freeStreams),
    },
  };
}

const SplitsArb = splitsArbitrary(4, ['h0', 'h1', 'H2', 'h3', 'h4', 'h5', 'h6']);

// Few distinct stream counts and equal shares make ties common; pools up to beyond 2^53 take the BigInt path.
const MarketArb = fc.record({
  premiumUsers: fc.integer({ min: 0, max: 5_000_000 }),
  price: fc.oneof(fc.bigInt({ min: 0n, max: 30_000_000n }), fc.bigInt({ min: 2n ** 40n, max: 2n ** 50n })),
  payoutBp: fc.integer({ min: 0, max: 10_000 }),
  ad: fc.oneof(fc.bigInt({ min: 0n, max: 1000n }), fc.bigInt({ min: 0n, max: 10n ** 13n })),
  tracks: fc.uniqueArray(
    fc.record({
      trackId: fc.string({ minLength: 1, maxLength: 4 }),
      premiumStreams: fc.oneof(fc.nat({ max: 3 }), fc.nat({ max: 100_000 })),
      freeStreams: fc.oneof(fc.nat({ max: 3 }), fc.nat({ max: 100_000 })),
      splits: fc.oneof(
        { weight: 1, arbitrary: fc.constant([] as Split[]) },
        { weight: 1, arbitrary: fc.constant<Split[]>([H('h1', 5000), H('h0', 5000)]) },
        { weight: 4, arbitrary: SplitsArb },
      ),
    }),
    { selector: (t) => t.trackId, maxLength: 60 },
  ),
});

function H(holderId: string, shareBp: number): Split {
  return { holderId, shareBp };
}

test('columns give the lines, totals and digest of computeMarket', () => {
  fc.assert(
    fc.property(MarketArb, (m) => {
      // The repository holds only tracks with streams in some market; here, in this one.
      const tracks = m.tracks.filter((t) => t.premiumStreams + t.freeStreams > 0);
      const price = {
        market: 'DE',
        period: '2026-10',
        premiumPriceMicros: m.price,
        payoutBp: m.payoutBp,
        adRevenueMicros: m.ad,
      };
      const expected = computeMarket({ market: 'DE', price, premiumUsers: m.premiumUsers, tracks });
      const { period, counts } = columns(tracks);
      const { result, lines } = allocateColumns(period, counts, price, m.premiumUsers);
      assert.deepEqual(result, expected.result);
      const got = Array.from({ length: lines.length }, (_, k) => [
        period.trackIds[lines.track[k]!],
        lines.holder[k]! < 0 ? null : period.holderIds[lines.holder[k]!],
        lines.shareBp[k],
        lineAmount(lines, k),
      ]);
      assert.deepEqual(
        got,
        expected.lines.map((l) => [l.trackId, l.holderId, l.shareBp, `${l.amountMicros}`]),
      );
      const a = new RunDigest();
      a.lines(expected.lines);
      const b = new RunDigest();
      b.columns(period, counts, lines);
      assert.equal(b.hex(), a.hex());
    }),
    { numRuns: 500 },
  );
});

test('a market with tracks in other markets only, and one with no streams, match computeMarket', () => {
  const price = {
    market: 'DE',
    period: '2026-10',
    premiumPriceMicros: 9_990_000n,
    payoutBp: 7000,
    adRevenueMicros: 7n,
  };
  const { period, counts } = columns([
    { trackId: 'a', premiumStreams: 2, freeStreams: 1, splits: [H('x', 10000)] },
    { trackId: 'b', premiumStreams: 0, freeStreams: 0, splits: [H('x', 10000)] },
    { trackId: 'c', premiumStreams: 1, freeStreams: 2, splits: [] },
  ]);
  const { result, lines } = allocateColumns(period, counts, price, 1);
  assert.equal(lines.length, 2, 'track b has no streams here: no line');
  assert.equal(result.paidMicros + result.unassignedMicros, 6_993_000n + 7n);
  const empty = allocateColumns(
    period,
    { market: 'DE', premium: new Float64Array(3), free: new Float64Array(3) },
    price,
    0,
  );
  assert.equal(empty.lines.length, 0);
  assert.equal(empty.result.unallocatedMicros, 7n);
});

test('selectFirst puts the k foremost first, for any k', () => {
  fc.assert(
    fc.property(fc.array(fc.nat({ max: 20 }), { minLength: 1, maxLength: 200 }), fc.nat(), (values, seed) => {
      const k = 1 + (seed % values.length);
      const ahead = (a: number, b: number) => values[a]! > values[b]! || (values[a] === values[b] && a < b);
      const items = Int32Array.from(values, (_, i) => i);
      selectFirst(items, k, ahead);
      const expected = [...values.keys()].sort((a, b) => (ahead(a, b) ? -1 : 1)).slice(0, k);
      assert.deepEqual(
        [...items.slice(0, k)].sort((a, b) => a - b),
        expected.sort((a, b) => a - b),
      );
    }),
  );
});

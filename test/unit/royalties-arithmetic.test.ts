import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Invalid } from '../../src/core/errors.js';
import { checkSplits, computeMarket, premiumPool } from '../../src/core/royalties/compute.js';
import { apportion } from '../../src/core/royalties/largest-remainder.js';
import { statementCsv } from '../../src/core/royalties/statement-csv.js';
import type { MarketPrice, TrackStreams } from '../../src/core/royalties/types.js';

/** Small cases computed by hand (the working is in the comments). */

const DE: MarketPrice = {
  market: 'DE',
  period: '2026-10',
  premiumPriceMicros: 9_990_000n,
  payoutBp: 7000,
  adRevenueMicros: 1_000_000n,
};

test('largest remainder: leftover units go to the largest remainders', () => {
  // 10 × 3/7 = 4.29, 10 × 2/7 = 2.86 twice: floors 4+2+2 = 8; the two .86 remainders get the 2 left.
  assert.deepEqual(apportion(10n, [3, 2, 2], ['x', 'y', 'z']), [4n, 3n, 3n]);
  // Exact shares need no rounding.
  assert.deepEqual(apportion(100n, [1, 2, 3, 4], ['a', 'b', 'c', 'd']), [10n, 20n, 30n, 40n]);
  assert.deepEqual(apportion(0n, [5, 1], ['a', 'b']), [0n, 0n]);
});

test('largest remainder ties: the larger weight first, then the smaller key in byte order', () => {
  // 2 × 1/4 = 0.5 and 2 × 3/4 = 1.5: equal remainders; the weight 3 part gets the unit despite key "b".
  assert.deepEqual(apportion(2n, [1, 3], ['a', 'b']), [0n, 2n]);
  // 10/3 each: one unit left, equal remainders and weights: key "A" < "a" < "b" in byte order.
  assert.deepEqual(apportion(10n, [1, 1, 1], ['b', 'a', 'A']), [3n, 3n, 4n]);
  // Order of the inputs does not matter.
  assert.deepEqual(apportion(10n, [1, 1, 1], ['A', 'b', 'a']), [4n, 3n, 3n]);
});

test('largest remainder is exact beyond 2^53', () => {
  const total = 123_456_789_012_345_678_901n;
  const parts = apportion(total, [7, 11, 13], ['a', 'b', 'c']);
  assert.equal(
    parts.reduce((a, b) => a + b, 0n),
    total,
  );
  // 123456789012345678901 × 7 / 31 = 27877339454400637171 remainder 6 (of 31).
  assert.equal(parts[0], 27_877_339_454_400_637_171n);
});

test('premium pool: users × price × payout share, rounded down to the micro-unit', () => {
  assert.equal(premiumPool(3, 9_990_000n, 7000), 20_979_000n);
  // 999 × 3333 / 10000 = 332.97 → 332.
  assert.equal(premiumPool(1, 999n, 3333), 332n);
  assert.equal(premiumPool(0, 9_990_000n, 7000), 0n);
});

const H = (holderId: string, shareBp: number) => ({ holderId, shareBp });

test('one market by hand: premium pool by premium streams, ad pool by free streams, splits by basis points', () => {
  const tracks: TrackStreams[] = [
    { trackId: 'A', premiumStreams: 2, freeStreams: 1, splits: [H('h1', 5000), H('h2', 3333), H('h3', 1667)] },
    { trackId: 'B', premiumStreams: 1, freeStreams: 0, splits: [] },
    { trackId: 'C', premiumStreams: 0, freeStreams: 2, splits: [H('h1', 10000)] },
  ];
  const { result, lines } = computeMarket({ market: 'DE', price: DE, premiumUsers: 3, tracks });
  // Premium pool 3 × 9.99 × 70 % = 20.979000: A 2/3 = 13.986000, B 1/3 = 6.993000.
  // Ad pool 1.000000 by free streams: A 1/3 = 0.333333 r1, C 2/3 = 0.666666 r2 → C gets the unit.
  // A = 14.319333, split 50/33.33/16.67 %: 7159666.5, 4772633.6889, 2387032.8111 → floors leave 2,
  // which go to the remainders .8111 (h3) and .6889 (h2).
  assert.deepEqual(
    lines.map((l) => [l.trackId, l.holderId, l.amountMicros]),
    [
      ['A', 'h1', 7_159_666n],
      ['A', 'h2', 4_772_634n],
      ['A', 'h3', 2_387_033n],
      ['B', null, 6_993_000n],
      ['C', 'h1', 666_667n],
    ],
  );
  assert.equal(result.premiumPoolMicros, 20_979_000n);
  assert.equal(result.adPoolMicros, 1_000_000n);
  assert.equal(result.paidMicros, 14_986_000n);
  assert.equal(result.unassignedMicros, 6_993_000n);
  assert.equal(result.unallocatedMicros, 0n);
  assert.equal(result.premiumStreams, 3);
  assert.equal(result.freeStreams, 3);
});

test('a pool whose kind has no streams is shared by the other kind; with no streams it is unallocated', () => {
  const premiumOnly = computeMarket({
    market: 'DE',
    price: DE,
    premiumUsers: 1,
    tracks: [
      { trackId: 'A', premiumStreams: 1, freeStreams: 0, splits: [H('h', 10000)] },
      { trackId: 'B', premiumStreams: 3, freeStreams: 0, splits: [H('h', 10000)] },
    ],
  });
  // 6.993000 + 1.000000 = 7.993000 by premium streams 1:3 → 1.998250 and 5.994750.
  assert.deepEqual(
    premiumOnly.lines.map((l) => l.amountMicros),
    [1_998_250n, 5_994_750n],
  );
  const empty = computeMarket({ market: 'DE', price: DE, premiumUsers: 0, tracks: [] });
  assert.equal(empty.result.unallocatedMicros, 1_000_000n);
  assert.equal(empty.lines.length, 0);
});

test('the input order of tracks and splits does not change a line', () => {
  const tracks: TrackStreams[] = [
    { trackId: 't1', premiumStreams: 5, freeStreams: 2, splits: [H('b', 5000), H('a', 5000)] },
    { trackId: 't2', premiumStreams: 5, freeStreams: 2, splits: [H('a', 10000)] },
    { trackId: 't0', premiumStreams: 1, freeStreams: 9, splits: [H('c', 2500), H('a', 7500)] },
  ];
  const input = { market: 'FR', price: { ...DE, market: 'FR' }, premiumUsers: 7 };
  const one = computeMarket({ ...input, tracks });
  const other = computeMarket({
    ...input,
    tracks: [...tracks].reverse().map((t) => ({ ...t, splits: [...t.splits].reverse() })),
  });
  assert.deepEqual(other, one);
});

test('splits must be whole basis points summing to exactly 10000', () => {
  assert.doesNotThrow(() => checkSplits([H('a', 3333), H('b', 3333), H('c', 3334)]));
  const refused = (splits: { holderId: string; shareBp: number }[], field: string, message: RegExp) =>
    assert.throws(
      () => checkSplits(splits),
      (err: unknown) => err instanceof Invalid && err.field === field && message.test(err.message),
    );
  refused([H('a', 5000), H('b', 4000)], 'splits', /sum to 9000 \(90 %\)/);
  refused([H('a', 5000), H('b', 5001)], 'splits', /exactly 10000/);
  refused([], 'splits', /at least one/);
  refused([H('a', 5000), H('a', 5000)], 'splits[1].holder_id', /twice/);
  refused([H('a', 0), H('b', 10000)], 'splits[0].share_bp', /1 to 10000/);
  refused([H('a', 2500.5), H('b', 7499.5)], 'splits[0].share_bp', /whole number/);
  // The run refuses bad splits that reached the table some other way, naming the track.
  assert.throws(
    () =>
      computeMarket({
        market: 'DE',
        price: DE,
        premiumUsers: 1,
        tracks: [{ trackId: 'T', premiumStreams: 1, freeStreams: 0, splits: [H('a', 9000)] }],
      }),
    /splits of track T/,
  );
});

test('statement CSV: header, quoted fields, CRLF', () => {
  const csv = statementCsv([
    {
      period: '2026-10',
      market: 'DE',
      holderId: 'h1',
      holderName: 'Smith, "Jr"',
      trackId: 't1',
      trackName: null,
      shareBp: 5000,
      premiumStreams: 2,
      freeStreams: 1,
      amountMicros: 7_159_666n,
    },
  ]);
  assert.equal(
    csv,
    'period,market,holder_id,holder_name,track_id,track_name,share_bp,premium_streams,free_streams,amount_micros\r\n' +
      '2026-10,DE,h1,"Smith, ""Jr""",t1,,5000,2,1,7159666\r\n',
  );
});

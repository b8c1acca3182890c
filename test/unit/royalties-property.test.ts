import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { computeMarket, premiumPool } from '../../src/core/royalties/compute.js';
import { apportion } from '../../src/core/royalties/largest-remainder.js';
import type { Split, StatementLine } from '../../src/core/royalties/types.js';
import { splitsArbitrary } from '../helpers/royalty-arbitraries.js';

/** Properties over random markets: exact reconciliation, no negative amounts, monotone in streams. */

const SplitsArb = splitsArbitrary(3, ['h0', 'h1', 'h2', 'h3', 'h4', 'h5']);

const MarketArb = fc.record({
  premiumUsers: fc.integer({ min: 0, max: 2_000_000 }),
  price: fc.bigInt({ min: 0n, max: 30_000_000n }),
  payoutBp: fc.integer({ min: 0, max: 10_000 }),
  ad: fc.bigInt({ min: 0n, max: 10n ** 13n }),
  tracks: fc.uniqueArray(
    fc.record({
      trackId: fc.string({ minLength: 1, maxLength: 4 }),
      premiumStreams: fc.nat({ max: 5000 }),
      freeStreams: fc.nat({ max: 5000 }),
      splits: fc.oneof({ weight: 1, arbitrary: fc.constant([] as Split[]) }, { weight: 5, arbitrary: SplitsArb }),
    }),
    { selector: (t) => t.trackId, maxLength: 40 },
  ),
});

const sum = (xs: bigint[]) => xs.reduce((a, b) => a + b, 0n);
const trackTotals = (lines: StatementLine[]) => {
  const totals = new Map<string, bigint>();
  for (const l of lines) totals.set(l.trackId, (totals.get(l.trackId) ?? 0n) + l.amountMicros);
  return totals;
};

test('statements always sum to the pool to the micro-unit, and no amount is negative', () => {
  fc.assert(
    fc.property(MarketArb, (m) => {
      const price = {
        market: 'DE',
        period: '2026-10',
        premiumPriceMicros: m.price,
        payoutBp: m.payoutBp,
        adRevenueMicros: m.ad,
      };
      const { result, lines } = computeMarket({ market: 'DE', price, premiumUsers: m.premiumUsers, tracks: m.tracks });
      const pool = premiumPool(m.premiumUsers, m.price, m.payoutBp) + m.ad;
      const paid = sum(lines.filter((l) => l.holderId !== null).map((l) => l.amountMicros));
      const unassigned = sum(lines.filter((l) => l.holderId === null).map((l) => l.amountMicros));
      assert.equal(paid, result.paidMicros);
      assert.equal(unassigned, result.unassignedMicros);
      assert.equal(paid + unassigned + result.unallocatedMicros, pool);
      const streams = m.tracks.reduce((a, t) => a + t.premiumStreams + t.freeStreams, 0);
      assert.equal(result.unallocatedMicros, streams === 0 ? pool : 0n);
      for (const l of lines) assert.ok(l.amountMicros >= 0n, `negative amount ${l.amountMicros}`);
    }),
    { numRuns: 500 },
  );
});

test('a track with at least as many premium and free streams as another never gets less, but for a tie’s rounding', () => {
  fc.assert(
    fc.property(MarketArb, (m) => {
      const price = {
        market: 'DE',
        period: '2026-10',
        premiumPriceMicros: m.price,
        payoutBp: m.payoutBp,
        adRevenueMicros: m.ad,
      };
      const { lines } = computeMarket({ market: 'DE', price, premiumUsers: m.premiumUsers, tracks: m.tracks });
      const totals = trackTotals(lines);
      for (const a of m.tracks)
        for (const b of m.tracks) {
          if (a.premiumStreams >= b.premiumStreams && a.freeStreams >= b.freeStreams) {
            // Two tracks with as many streams of a kind share that pool's odd micro-units by the documented
            // tie-break, so one of them may get one micro-unit less from each pool in which they tie.
            const ties = BigInt(
              Number(a.premiumStreams === b.premiumStreams) + Number(a.freeStreams === b.freeStreams),
            );
            const [got, other] = [totals.get(a.trackId)!, totals.get(b.trackId)!];
            assert.ok(got + ties >= other, `${a.trackId} got ${other - got} micro-units less than ${b.trackId}`);
          }
        }
    }),
    { numRuns: 300 },
  );
});

test('apportion: parts sum to the total, and more weight never means less, also after a weight grows', () => {
  fc.assert(
    fc.property(
      fc.bigInt({ min: 0n, max: 10n ** 20n }),
      fc.array(fc.nat({ max: 1_000_000 }), { minLength: 1, maxLength: 30 }),
      fc.nat(),
      fc.integer({ min: 1, max: 1000 }),
      (total, raw, pick, growth) => {
        const weights = raw.some((w) => w > 0) ? raw : [...raw.slice(1), 1];
        const keys = weights.map((_, i) => `k${i}`);
        const parts = apportion(total, weights, keys);
        assert.equal(sum(parts), total);
        for (let i = 0; i < weights.length; i++)
          for (let j = 0; j < weights.length; j++) if (weights[i]! > weights[j]!) assert.ok(parts[i]! >= parts[j]!);
        const i = pick % weights.length;
        const grown = weights.map((w, k) => (k === i ? w + growth : w));
        assert.ok(apportion(total, grown, keys)[i]! >= parts[i]!, 'a part shrank when its weight grew');
      },
    ),
    { numRuns: 1000 },
  );
});

/** The rule spelled out with BigInt only, to check the double-precision fast path against. */
function referenceApportion(total: bigint, weights: number[], keys: string[]): bigint[] {
  const W = BigInt(weights.reduce((a, b) => a + b, 0));
  const parts = weights.map((w) => (total * BigInt(w)) / W);
  const rem = weights.map((w) => (total * BigInt(w)) % W);
  let left = total - sum(parts);
  const order = weights.map((_, i) => i);
  order.sort((a, b) =>
    rem[b]! > rem[a]! ? 1 : rem[b]! < rem[a]! ? -1 : weights[b]! - weights[a]! || (keys[a]! < keys[b]! ? -1 : 1),
  );
  for (const i of order) {
    if (left === 0n) break;
    parts[i] = parts[i]! + 1n;
    left--;
  }
  return parts;
}

test('apportion equals the all-BigInt rule on both sides of 2^53', () => {
  fc.assert(
    fc.property(
      fc.oneof(fc.bigInt({ min: 0n, max: 10n ** 9n }), fc.bigInt({ min: 2n ** 40n, max: 2n ** 60n })),
      fc.array(fc.nat({ max: 100_000 }), { minLength: 1, maxLength: 20 }),
      (total, raw) => {
        const weights = raw.some((w) => w > 0) ? raw : [...raw, 1];
        const keys = weights.map((_, i) => `k${(i * 7) % 10}${i}`);
        assert.deepEqual(apportion(total, weights, keys), referenceApportion(total, weights, keys));
      },
    ),
    { numRuns: 2000 },
  );
});

import fc from 'fast-check';
import type { Split } from '../../src/core/royalties/types.js';

/**
 * Splits of 1 to `maxCuts + 1` holders, drawn from `holders`, summing to exactly 10000 basis points:
 * cut points in 1..9999.
 */
export function splitsArbitrary(maxCuts: number, holders: readonly string[]): fc.Arbitrary<Split[]> {
  return fc.uniqueArray(fc.integer({ min: 1, max: 9999 }), { maxLength: maxCuts }).chain((cuts) => {
    const points = [0, ...[...cuts].sort((a, b) => a - b), 10_000];
    const bps = points.slice(1).map((p, i) => p - points[i]!);
    return fc
      .uniqueArray(fc.constantFrom(...holders), { minLength: bps.length, maxLength: bps.length })
      .map((ids) => bps.map((shareBp, i) => ({ holderId: ids[i]!, shareBp })));
  });
}

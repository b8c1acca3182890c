/**
 * Largest-remainder (Hamilton) apportionment of an integer amount by integer weights, exactly.
 *
 * Each part's exact share is total × w / W. Every part first gets the floor of it; the micro-units
 * left over (fewer than the number of parts) go one each to the parts with the largest remainders.
 * Remainders are compared exactly as integers (total × w mod W, all over the same W). Ties go to the
 * larger weight, then to the smaller key in byte order — so the result depends on nothing but the
 * inputs, whatever order they come in.
 *
 * The parts always sum to `total`; none is negative; a larger weight never gets less.
 */
export function apportion(total: bigint, weights: readonly number[], keys: readonly string[]): bigint[] {
  const n = weights.length;
  if (n === 0) return [];
  if (total < 0n) throw new RangeError('cannot apportion a negative amount');
  let sum = 0;
  for (const w of weights) {
    if (!Number.isSafeInteger(w) || w < 0) throw new RangeError(`weight ${w} is not a non-negative integer`);
    sum += w;
  }
  if (!Number.isSafeInteger(sum)) throw new RangeError('weights sum beyond 2^53');
  const parts = new Array<bigint>(n);
  if (sum === 0) {
    parts.fill(0n);
    if (total !== 0n) throw new RangeError('cannot apportion an amount over zero weights');
    return parts;
  }
  const denominator = BigInt(sum);
  // Remainders are < sum ≤ 2^53, so they compare as plain numbers.
  const remainders = new Float64Array(n);
  let given = 0n;
  for (let i = 0; i < n; i++) {
    const product = total * BigInt(weights[i] as number);
    const floor = product / denominator;
    parts[i] = floor;
    given += floor;
    remainders[i] = Number(product - floor * denominator);
  }
  let leftover = Number(total - given);
  if (leftover === 0) return parts;
  const order = Array.from({ length: n }, (_, i) => i).filter((i) => remainders[i]! > 0);
  order.sort(
    (a, b) =>
      remainders[b]! - remainders[a]! ||
      weights[b]! - weights[a]! ||
      (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : 0),
  );
  for (const i of order) {
    if (leftover === 0) break;
    parts[i] = parts[i]! + 1n;
    leftover--;
  }
  return parts;
}

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
const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);

export function apportion(total: bigint, weights: readonly number[], keys: readonly string[]): bigint[] {
  const n = weights.length;
  if (n === 0) return [];
  if (total < 0n) throw new RangeError('cannot apportion a negative amount');
  let sum = 0;
  let maxWeight = 0;
  for (const w of weights) {
    if (!Number.isSafeInteger(w) || w < 0) throw new RangeError(`weight ${w} is not a non-negative integer`);
    sum += w;
    if (w > maxWeight) maxWeight = w;
  }
  if (!Number.isSafeInteger(sum)) throw new RangeError('weights sum beyond 2^53');
  const parts = new Array<bigint>(n);
  if (sum === 0) {
    parts.fill(0n);
    if (total !== 0n) throw new RangeError('cannot apportion an amount over zero weights');
    return parts;
  }
  const remainders = new Float64Array(n);
  let leftover: number;
  if (total * BigInt(maxWeight) <= MAX_EXACT) {
    // Every product is an integer below 2^53, exact in a double; a correctly rounded quotient p / W
    // of such integers never rounds up to the next integer (that would need p ≥ 2^53), so floor and
    // remainder are exact too — without BigInt arithmetic per part, which was most of a run's time.
    const t = Number(total);
    let given = 0;
    for (let i = 0; i < n; i++) {
      const product = t * (weights[i] as number);
      const floor = Math.floor(product / sum);
      parts[i] = BigInt(floor);
      given += floor;
      remainders[i] = product - floor * sum;
    }
    leftover = t - given;
  } else {
    const denominator = BigInt(sum);
    let given = 0n;
    for (let i = 0; i < n; i++) {
      const product = total * BigInt(weights[i] as number);
      const floor = product / denominator;
      parts[i] = floor;
      given += floor;
      // Remainders are < sum ≤ 2^53, so they compare as plain numbers.
      remainders[i] = Number(product - floor * denominator);
    }
    leftover = Number(total - given);
  }
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

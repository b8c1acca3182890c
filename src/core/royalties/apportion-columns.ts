/**
 * The largest-remainder rule of largest-remainder.ts over typed arrays, for a run's millions of
 * parts: parts are numbers (exact integers below 2^53) and a part's key is its index, so callers
 * number their parts in key order (byte order of the ids) and ties need no string comparison.
 *
 * Exactness without BigInt per part: with total = q × W + r (r < W), part i = q × w_i + ⌊r × w_i / W⌋
 * and its remainder is (r × w_i) mod W. Every product stays below 2^53 when total < 2^53 and
 * W × max w < 2^53 (`fitsColumns`), and the floor of a correctly rounded quotient of two such
 * integers is the exact floor. Callers use the BigInt form (apportion) when it does not fit.
 */

const MAX_EXACT = Number.MAX_SAFE_INTEGER;

/** Whether apportionColumns is exact for this total and these weights' sum and largest weight. */
export function fitsColumns(total: bigint, sum: number, maxWeight: number): boolean {
  return total <= BigInt(MAX_EXACT) && sum <= MAX_EXACT && sum * maxWeight <= MAX_EXACT;
}

/**
 * Adds to `into[i]` part i of `total` shared by `weights` (sum `sum` > 0). Ties of remainders go to
 * the larger weight, then the smaller index.
 */
export function apportionColumns(total: bigint, weights: Float64Array, sum: number, into: Float64Array): void {
  const n = weights.length;
  const W = BigInt(sum);
  const q = Number(total / W);
  const r = Number(total % W);
  const remainders = new Float64Array(n);
  let given = 0;
  let candidates = 0;
  for (let i = 0; i < n; i++) {
    const w = weights[i]!;
    if (w === 0) continue;
    const product = r * w;
    const floor = Math.floor(product / sum);
    const part = q * w + floor;
    into[i] = into[i]! + part;
    given += part;
    const remainder = product - floor * sum;
    remainders[i] = remainder;
    if (remainder > 0) candidates++;
  }
  let leftover = Number(total) - given;
  if (leftover === 0) return;
  const order = new Int32Array(candidates);
  for (let i = 0, j = 0; i < n; i++) if (remainders[i]! > 0) order[j++] = i;
  const ahead = (a: number, b: number) =>
    remainders[a]! > remainders[b]! ||
    (remainders[a] === remainders[b] && (weights[a]! > weights[b]! || (weights[a] === weights[b] && a < b)));
  if (leftover < candidates) selectFirst(order, leftover, ahead);
  for (let j = 0; leftover > 0; j++, leftover--) {
    const i = order[j]!;
    into[i] = into[i]! + 1;
  }
}

/**
 * Reorders `items` so that its first `k` are the k foremost by `ahead` (a strict total order), in no
 * particular order among themselves: quickselect, linear on average, where a sort would be n log n.
 */
export function selectFirst(items: Int32Array, k: number, ahead: (a: number, b: number) => boolean): void {
  let lo = 0;
  let hi = items.length - 1;
  while (lo < hi) {
    const pivot = items[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (ahead(items[i]!, pivot)) i++;
      while (ahead(pivot, items[j]!)) j--;
      if (i <= j) {
        const t = items[i]!;
        items[i] = items[j]!;
        items[j] = t;
        i++;
        j--;
      }
    }
    // items[lo..j] are not behind the pivot, items[i..hi] not ahead of it; recurse into the side holding k.
    if (k - 1 <= j) hi = j;
    else if (k - 1 >= i) lo = i;
    else return;
  }
}

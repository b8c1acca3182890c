/**
 * Fractional order keys: strings over base-62 digits compared bytewise (the column is `collate "C"`),
 * so an item can be placed between any two neighbours by writing one row. Keys never end in the
 * lowest digit, which keeps room below every key.
 */
const DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BASE = DIGITS.length;

/** Past this length a playlist's keys are respaced evenly (positions do not change). */
export const MAX_KEY_LENGTH = 48;

function digit(c: string | undefined): number {
  return c === undefined ? 0 : DIGITS.indexOf(c);
}

/** A key strictly between `low` ('' = before everything) and `high` (null = after everything). */
export function keyBetween(low: string, high: string | null): string {
  if (high !== null && low >= high) throw new Error(`order keys out of order: ${low} >= ${high}`);
  // At either end step by one digit rather than bisect, so repeated appends and prepends stay short.
  if (high === null) return after(low);
  if (low === '') {
    const i = [...high].findIndex((c) => digit(c) >= 2);
    if (i >= 0) return high.slice(0, i) + DIGITS[digit(high[i]) - 1];
  }
  let shared = 0;
  while (shared < high.length && (low[shared] ?? DIGITS[0]) === high[shared]) shared++;
  if (shared > 0) return high.slice(0, shared) + keyBetween(low.slice(shared), high.slice(shared));
  const lo = digit(low[0]);
  const hi = digit(high[0]);
  if (hi - lo > 1) return DIGITS[(lo + hi) >> 1] as string;
  // Adjacent first digits: a longer high key's first digit alone still lies above low; else go deeper.
  if (high.length > 1) return high[0] as string;
  return (DIGITS[lo] as string) + after(low.slice(1));
}

/** The shortest increment of `low`: bump its first digit that is not the highest. */
function after(low: string): string {
  if (low === '') return DIGITS[BASE >> 1] as string;
  for (let i = 0; ; i++) {
    const d = digit(low[i]);
    if (d < BASE - 1) return low.slice(0, i) + DIGITS[d + 1];
  }
}

/** `count` keys strictly between `low` and `high`, ascending, spread by bisection so they stay short. */
export function keysBetween(low: string, high: string | null, count: number): string[] {
  if (count <= 0) return [];
  const middle = keyBetween(low, high);
  const left = keysBetween(low, middle, (count - 1) >> 1);
  const right = keysBetween(middle, high, count - 1 - left.length);
  return [...left, middle, ...right];
}

/** `count` evenly spaced keys of equal length, for a fresh or respaced list. */
export function evenKeys(count: number): string[] {
  let width = 1;
  while (BASE ** width - 1 < count + 1) width++;
  const step = Math.floor((BASE ** width - 1) / (count + 1));
  const keys: string[] = [];
  for (let i = 1; i <= count; i++) {
    let n = i * step;
    let key = '';
    for (let d = 0; d < width; d++) {
      key = DIGITS[n % BASE] + key;
      n = Math.floor(n / BASE);
    }
    keys.push(key.replace(/0+$/, '') || (DIGITS[1] as string));
  }
  return keys;
}

import { isIPv4, isIPv6 } from 'node:net';
import { TooMany } from '../errors.js';

/**
 * Log-in throttling with exponential back-off, per account and per client address.
 *
 * A person may mistype a few times freely; after that each failure doubles the wait before the next
 * attempt (1 s, 2 s, 4 s ... capped at 15 minutes), and an hour without failures, or a success on the
 * account, forgets them. While a key waits, every attempt on it is answered 429 without checking the
 * password, even the right one: otherwise a guesser would learn the password when it finally matched.
 *
 * The per-account wait is also a lever for denial of service: anyone who knows a user name can keep
 * that account waiting by guessing once every 15 minutes. We accept that: the cap bounds each wait,
 * sessions already signed in (refresh tokens) are not affected, and the alternative (no per-account
 * limit) lets a botnet guess one account's password from as many addresses as it has.
 *
 * The count lives in the database so that every API process sees it, and an attempt is counted before
 * its password is checked (a success takes it back), so parallel guesses take turns instead of all
 * passing a check that none of them has written yet.
 */

/** Failures that cost nothing, per kind of key. An address stands for many people behind one NAT. */
const FREE_FAILURES = { account: 5, address: 50 } as const;
const FIRST_WAIT_MS = 1_000;
const MAX_WAIT_MS = 15 * 60_000;
/** Longer than the longest wait, or a patient guesser would never leave the cap. */
const FORGET_AFTER_MS = 60 * 60_000;
const PRUNE_EVERY_MS = 10 * 60_000;

/** The waits after the free failures: 1 s, 2 s, 4 s ... up to the cap, which then repeats. */
const WAITS_MS: readonly number[] = (() => {
  const waits: number[] = [];
  for (let wait = FIRST_WAIT_MS; wait < MAX_WAIT_MS; wait *= 2) waits.push(wait);
  waits.push(MAX_WAIT_MS);
  return waits;
})();

export interface ThrottleKey {
  key: string;
  freeFailures: number;
}

/** Persistence the throttle needs; implemented in adapters/postgres. */
export interface LoginThrottleRepository {
  /**
   * Counts one attempt on every key, unless one of them still waits after its failures (the
   * `freeFailures`-th failure waits `waitsMs[0]`, the next `waitsMs[1]`, and so on, the last repeating);
   * then counts nothing and answers when that wait ends. Failures last counted at or before
   * `forgetBefore` count as none. Atomic: parallel attempts on one key see each other's counts.
   */
  count(keys: ThrottleKey[], waitsMs: readonly number[], now: Date, forgetBefore: Date): Promise<Date | undefined>;
  /** After a success: forgets every failure on `reset`, and takes back the attempt counted on `release`. */
  settle(reset: string[], release: string[]): Promise<void>;
  /** Drops keys whose last failure was at or before `before`. */
  forget(before: Date): Promise<void>;
}

/** One counted attempt; nothing more to do when it fails. */
export interface Attempt {
  succeeded(): Promise<void>;
}

export class LoginThrottle {
  private prunedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly repo: LoginThrottleRepository) {}

  /** Counts a password log-in, or throws TooMany carrying the seconds to wait. */
  logIn(username: string, address: string | undefined, now: number): Promise<Attempt> {
    const account = accountKey(username);
    return this.attempt([account, ...addressKeys(address)], [account.key], now);
  }

  /**
   * Counts a sign-up against the address only, so probing which names are taken costs the same as
   * guessing passwords. A success clears the new name's account key: failures recorded before the
   * account existed must not hold up its first log-in.
   */
  signUp(username: string, address: string | undefined, now: number): Promise<Attempt> {
    return this.attempt(addressKeys(address), [accountKey(username).key], now);
  }

  private async attempt(keys: ThrottleKey[], resetOnSuccess: string[], now: number): Promise<Attempt> {
    const forgetBefore = new Date(now - FORGET_AFTER_MS);
    if (now - this.prunedAt >= PRUNE_EVERY_MS) {
      this.prunedAt = now;
      await this.repo.forget(forgetBefore);
    }
    // Sorted, so that two attempts on the same keys lock their rows in the same order.
    keys.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const waitUntil = keys.length > 0 ? await this.repo.count(keys, WAITS_MS, new Date(now), forgetBefore) : undefined;
    if (waitUntil) {
      const seconds = Math.max(1, Math.ceil((waitUntil.getTime() - now) / 1000));
      throw new TooMany(`too many failed log-ins: try again in ${seconds} s`, seconds);
    }
    const release = keys.map((k) => k.key).filter((k) => !resetOnSuccess.includes(k));
    return { succeeded: () => this.repo.settle(resetOnSuccess, release) };
  }
}

/** Names longer than any user name cannot exist; cutting them keeps the key short without a lookup. */
function accountKey(username: string): ThrottleKey {
  return { key: `account:${String(username).toLowerCase().slice(0, 64)}`, freeFailures: FREE_FAILURES.account };
}

function addressKeys(address: string | undefined): ThrottleKey[] {
  if (!address) return [];
  return [{ key: `address:${clientNetwork(address)}`, freeFailures: FREE_FAILURES.address }];
}

/**
 * The unit a client controls: one IPv4 address, or one IPv6 /64 (a home or a cloud machine usually
 * gets a whole /64, so counting single IPv6 addresses would let it rotate through 2^64 of them).
 */
export function clientNetwork(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped && isIPv4(mapped[1]!)) return mapped[1]!;
  if (isIPv4(address)) return address;
  if (!isIPv6(address)) return address.slice(0, 64);
  return `${ipv6Groups(address.split('%')[0]!).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address, in lower-case hex without leading zeros. */
function ipv6Groups(address: string): string[] {
  const toGroups = (part: string): string[] => {
    if (part === '') return [];
    const groups = part.split(':');
    const last = groups.at(-1)!;
    if (!last.includes('.')) return groups;
    // An embedded IPv4 address fills the last two groups.
    const [a, b, c, d] = last.split('.').map(Number) as [number, number, number, number];
    return [...groups.slice(0, -1), ((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
  };
  const [head = '', tail] = address.split('::');
  const front = toGroups(head);
  const back = tail === undefined ? [] : toGroups(tail);
  const zeros = Array.from({ length: 8 - front.length - back.length }, () => '0');
  return [...front, ...zeros, ...back].map((g) => Number.parseInt(g, 16).toString(16));
}

/**
 * The signed-in session: bearer and refresh tokens kept in localStorage, refreshed a minute before
 * the access token expires and again whenever the server answers 401. Refresh tokens rotate, so one
 * refresh runs at a time and tabs pick up each other's tokens through the storage event.
 */

const KEY = 'cadenza.session';
/** Refresh this long before the access token expires. */
const EARLY_MS = 60_000;

export interface Tokens {
  accessToken: string;
  refreshToken: string;
  /** UTC milliseconds. */
  expiresAt: number;
}

interface TokenAnswer {
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Reads Spotify's `{error:{status,message}}` (or anything else) into an ApiError. */
export async function errorOf(response: Response): Promise<ApiError> {
  const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
  return new ApiError(response.status, body?.error?.message ?? `${response.status} ${response.statusText}`);
}

function load(): Tokens | null {
  try {
    const raw = localStorage.getItem(KEY);
    const t = raw ? (JSON.parse(raw) as Tokens) : null;
    return t?.accessToken && t.refreshToken ? t : null;
  } catch {
    return null;
  }
}

let tokens: Tokens | null = load();
let refreshing: Promise<Tokens | null> | null = null;
let timer: ReturnType<typeof setTimeout> | undefined;
const listeners = new Set<(signedIn: boolean) => void>();

function notify(): void {
  for (const l of listeners) l(tokens !== null);
}

function schedule(): void {
  clearTimeout(timer);
  if (!tokens) return;
  const wait = Math.max(5_000, tokens.expiresAt - EARLY_MS - Date.now());
  timer = setTimeout(() => void refresh().catch(() => undefined), wait);
}

function store(next: Tokens | null): void {
  const wasSignedIn = tokens !== null;
  tokens = next;
  if (next) localStorage.setItem(KEY, JSON.stringify(next));
  else localStorage.removeItem(KEY);
  schedule();
  if (wasSignedIn !== (next !== null)) notify();
}

function fromAnswer(a: TokenAnswer): Tokens {
  return { accessToken: a.access_token, refreshToken: a.refresh_token, expiresAt: Date.now() + a.expires_in * 1000 };
}

async function tokenRequest(form: Record<string, string>): Promise<Tokens> {
  const response = await fetch('/api/token', { method: 'POST', body: new URLSearchParams(form) });
  if (!response.ok) throw await errorOf(response);
  return fromAnswer((await response.json()) as TokenAnswer);
}

export const session = {
  signedIn: () => tokens !== null,

  onChange(listener: (signedIn: boolean) => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },

  async logIn(username: string, password: string): Promise<void> {
    store(await tokenRequest({ grant_type: 'password', username, password }));
  },

  async signUp(body: { username: string; password: string; display_name?: string; role?: 'listener' | 'artist' }) {
    const response = await fetch('/api/signup', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw await errorOf(response);
    store(fromAnswer((await response.json()) as TokenAnswer));
  },

  async logOut(): Promise<void> {
    const old = tokens;
    store(null);
    if (!old) return;
    // Best effort: the tokens are gone from this browser whatever the server says.
    await Promise.all(
      [old.refreshToken, old.accessToken].map((token) =>
        fetch('/api/revoke', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ token }),
        }).catch(() => undefined),
      ),
    );
  },

  /** A bearer token valid for at least a little while, refreshing first when it is about to expire. */
  async accessToken(): Promise<string | null> {
    if (tokens && tokens.expiresAt - Date.now() < EARLY_MS / 2) await refresh().catch(() => undefined);
    return tokens?.accessToken ?? null;
  },

  /** Called after a 401: refreshes unless another request already did so with a newer token. */
  async recover(rejected: string): Promise<string | null> {
    if (tokens && tokens.accessToken !== rejected) return tokens.accessToken;
    return (await refresh().catch(() => null))?.accessToken ?? null;
  },
};

function refresh(): Promise<Tokens | null> {
  refreshing ??= acrossTabs(rotate).finally(() => {
    refreshing = null;
  });
  return refreshing;
}

/**
 * Runs `task` while no other tab of this origin runs one (the Web Locks API, where the browser has it).
 * A refresh token works once, and presenting a used one signs the whole log-in out (the server takes it
 * for a stolen copy), so two tabs must never refresh with the same token.
 */
function acrossTabs(task: () => Promise<Tokens | null>): Promise<Tokens | null> {
  const locks = (navigator as Navigator & { locks?: LockManager }).locks;
  if (!locks) return task();
  // The lock's promise settles with what the task's promise settles with (the DOM typings nest them).
  const run = (options: LockOptions, body: (lock: Lock | null) => Promise<Tokens | null | undefined>) =>
    locks.request('cadenza.refresh', options, body) as unknown as Promise<Tokens | null | undefined>;
  return run({ ifAvailable: true }, async (lock) => (lock ? task() : undefined)).then((done) =>
    done !== undefined
      ? done
      : // Another tab was refreshing. Its write to localStorage reaches this tab a moment after its
        // lock is released (Chromium syncs storage between tabs asynchronously): wait for it, briefly.
        (run({}, async () => {
          await storageSettles();
          return task();
        }) as Promise<Tokens | null>),
  );
}

/** Resolves at the next change of the session in another tab, or after half a second. */
function storageSettles(): Promise<void> {
  return new Promise((resolve) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = () => {
      clearTimeout(timer);
      window.removeEventListener('storage', onStorage);
      resolve();
    };
    const onStorage = (event: StorageEvent) => {
      if (event.key === KEY) done();
    };
    timer = setTimeout(done, 500);
    window.addEventListener('storage', onStorage);
  });
}

/** The tokens another tab stored after rotating ours, if it did. */
function rotatedElsewhere(): Tokens | null {
  const stored = load();
  return stored && tokens && stored.refreshToken !== tokens.refreshToken ? stored : null;
}

async function rotate(): Promise<Tokens | null> {
  const elsewhere = rotatedElsewhere();
  if (elsewhere && elsewhere.expiresAt > Date.now() + EARLY_MS) {
    store(elsewhere);
    return elsewhere;
  }
  if (!tokens) return null;
  try {
    const next = await tokenRequest({ grant_type: 'refresh_token', refresh_token: tokens.refreshToken });
    store(next);
    return next;
  } catch (err) {
    if (err instanceof ApiError && (err.status === 400 || err.status === 401)) {
      // A tab without the lock may have won the race: its tokens are ours too.
      const won = rotatedElsewhere();
      store(won);
      if (won) return won;
    }
    throw err;
  }
}

window.addEventListener('storage', (event) => {
  if (event.key !== KEY) return;
  const wasSignedIn = tokens !== null;
  tokens = load();
  schedule();
  if (wasSignedIn !== (tokens !== null)) notify();
});

schedule();

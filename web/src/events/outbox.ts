/**
 * The listening-event outbox: every event is stored first, then sent in batches to
 * `POST /v1/me/events`, and removed only once the server has answered for it. Nothing here knows the
 * browser: the store, the transport, the timers and the cross-tab lock are handed in, so the logic
 * runs as it is in unit tests.
 */

/** One event as `POST /v1/me/events` takes it (docs/events.md). */
export interface ListeningEvent {
  /** Made once on the client; a retry sends the same id, and the server counts it once. */
  id: string;
  type: 'play_start' | 'progress' | 'pause' | 'resume' | 'seek' | 'skip' | 'complete';
  track_id: string;
  device_id: string;
  position_ms: number;
  timestamp: number;
  context_uri?: string;
  /** Played in a private session: followers are not shown it (it still counts as a play). */
  private_session?: true;
}

/** An event waiting in the outbox, with the account it was played on. */
export interface StoredEvent {
  user: string;
  event: ListeningEvent;
}

/** Where waiting events are kept (IndexedDB in the browser): it must survive a reload. */
export interface OutboxStore {
  add(entry: StoredEvent): Promise<void>;
  /** The oldest `limit` events of `user`, oldest first. */
  oldest(user: string, limit: number): Promise<StoredEvent[]>;
  remove(entries: StoredEvent[]): Promise<void>;
}

export interface Rejection {
  index: number;
  id: string | null;
  reason: string;
}

/**
 * What became of one send: `answered` (the server stored or listed each event, so all are done),
 * `retry` (no answer, or one that may change: network error, 5xx, 401, 408, 429), or `refused` (the
 * server turned the whole batch down for a reason a retry cannot change).
 */
export type SendOutcome =
  | { kind: 'answered'; accepted: number; duplicates: number; rejected: Rejection[] }
  | { kind: 'retry'; reason: string }
  | { kind: 'refused'; reason: string };

export type Transport = (events: ListeningEvent[], options: { keepalive: boolean }) => Promise<SendOutcome>;

export interface OutboxDeps {
  store: OutboxStore;
  transport: Transport;
  /** The signed-in account: only its own events are sent with its token. */
  user: () => string | null;
  /** Runs `task` while no other tab of this browser runs one (Web Locks); tabs then never send the same batch. */
  exclusive?: (task: () => Promise<void>) => Promise<void>;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
  random?: () => number;
  /** Where events the server will never take are reported. */
  warn?: (message: string) => void;
}

/** The server's MAX_BATCH is 500; a smaller batch keeps one request quick and small. */
export const BATCH = 100;
/** A keepalive request may carry 64 KiB in all: this many events stay well under it. */
export const KEEPALIVE_BATCH = 50;
/** New events wait this long for company before a send. */
export const SEND_DELAY_MS = 2_000;
export const FIRST_RETRY_MS = 1_000;
export const MAX_RETRY_MS = 5 * 60_000;

export class EventOutbox {
  private readonly deps: Required<OutboxDeps>;
  private timer: unknown;
  private flushing: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private failures = 0;
  /** Events of this page not yet answered for: what a last keepalive send carries when the page goes. */
  private readonly unanswered = new Map<string, StoredEvent>();
  /** Events the store refused (full, or blocked): sent from memory while the page lives. */
  private readonly memoryOnly = new Map<string, StoredEvent>();
  private readonly stored: Promise<void>[] = [];
  /** Ids whose write to the store has not finished. */
  private readonly adding = new Set<string>();

  constructor(deps: OutboxDeps) {
    this.deps = {
      ...deps,
      exclusive: deps.exclusive ?? ((task) => task()),
      setTimer: deps.setTimer ?? ((fn, ms) => setTimeout(fn, ms)),
      clearTimer: deps.clearTimer ?? ((timer) => clearTimeout(timer as ReturnType<typeof setTimeout>)),
      random: deps.random ?? Math.random,
      warn: deps.warn ?? ((message) => console.warn(message)),
    };
  }

  /** Stores the event, then sends it with the next batch. */
  record(event: ListeningEvent): Promise<void> {
    const user = this.deps.user();
    if (!user) return Promise.resolve();
    const entry = { user, event };
    this.unanswered.set(event.id, entry);
    this.adding.add(event.id);
    const stored = this.deps.store.add(entry).catch((err: Error) => {
      // Not persisted (storage full or blocked): it still goes out from memory while the page lives.
      this.deps.warn(`listening event ${event.id} kept in memory only: ${err.message}`);
      this.memoryOnly.set(event.id, entry);
    });
    this.stored.push(stored);
    void stored.then(() => {
      this.adding.delete(event.id);
      this.stored.splice(this.stored.indexOf(stored), 1);
      if (this.failures === 0) this.schedule(SEND_DELAY_MS);
    });
    return stored;
  }

  /**
   * Sends everything waiting, batch by batch, until the outbox is empty or a send fails (then a retry
   * is scheduled with a growing delay). A call while a flush runs makes it go round once more.
   */
  flush(): Promise<void> {
    this.deps.clearTimer(this.timer);
    this.timer = undefined;
    if (this.stopped) return Promise.resolve();
    if (this.flushing) {
      this.again = true;
      return this.flushing;
    }
    this.flushing = (async () => {
      do {
        this.again = false;
        await Promise.all(this.stored);
        await this.deps.exclusive(() => this.sendAll());
      } while (this.again && this.failures === 0);
    })()
      .catch((err: Error) => {
        // The store failed to read or remove: try again later, nothing is dropped.
        this.deps.warn(`listening events not sent: ${err.message}`);
        this.failures++;
        this.schedule(this.backoff());
      })
      .finally(() => {
        this.flushing = null;
      });
    return this.flushing;
  }

  /** A fresh chance now (back online, page shown or loaded): the backoff starts over. */
  retryNow(): Promise<void> {
    this.failures = 0;
    return this.flush();
  }

  /** No more sends from this outbox (the listener signed out); what waits stays stored. */
  stop(): void {
    this.stopped = true;
    this.deps.clearTimer(this.timer);
    this.timer = undefined;
  }

  /**
   * The page is going away: what this page recorded and has no answer for yet goes out in keepalive
   * requests, which outlive the page. They stay stored too (their answer will never be read), so the
   * next page sends them again and the server counts them as duplicates.
   */
  sendBeforeLeaving(): void {
    const user = this.deps.user();
    const events = [...this.unanswered.values()].filter((e) => e.user === user).map((e) => e.event);
    for (let i = 0; i < events.length; i += KEEPALIVE_BATCH) {
      this.deps.transport(events.slice(i, i + KEEPALIVE_BATCH), { keepalive: true }).catch(() => undefined);
    }
  }

  private async sendAll(): Promise<void> {
    for (;;) {
      const user = this.deps.user();
      if (!user) return;
      const batch = await this.deps.store.oldest(user, BATCH);
      if (batch.length < BATCH) this.forgetSentElsewhere(user, batch);
      // Events this page holds only in memory (the store refused them) go out too.
      for (const e of this.memoryOnly.values()) {
        if (batch.length < BATCH && e.user === user) batch.push(e);
      }
      if (batch.length === 0) {
        this.failures = 0;
        return;
      }
      const outcome = await this.deps
        .transport(
          batch.map((e) => e.event),
          { keepalive: false },
        )
        .catch((err: Error): SendOutcome => ({ kind: 'retry', reason: err.message }));
      if (outcome.kind === 'retry') {
        this.failures++;
        this.schedule(this.backoff());
        return;
      }
      if (outcome.kind === 'refused') {
        this.deps.warn(`the server refused ${batch.length} listening events: ${outcome.reason}`);
      } else {
        for (const r of outcome.rejected) {
          this.deps.warn(`the server rejected listening event ${r.id ?? `#${r.index}`}: ${r.reason}`);
        }
      }
      await this.deps.store.remove(batch);
      for (const e of batch) {
        this.unanswered.delete(e.event.id);
        this.memoryOnly.delete(e.event.id);
      }
      this.failures = 0;
    }
  }

  /**
   * `waiting` is all the store holds for `user`: this page's stored events missing from it were sent
   * by another tab, so a last keepalive send need not carry them.
   */
  private forgetSentElsewhere(user: string, waiting: StoredEvent[]): void {
    const ids = new Set(waiting.map((e) => e.event.id));
    for (const [id, e] of this.unanswered) {
      if (e.user === user && !ids.has(id) && !this.memoryOnly.has(id) && !this.adding.has(id))
        this.unanswered.delete(id);
    }
  }

  /** 1 s, 2 s, 4 s … up to 5 minutes, each between half and all of that (tabs do not retry in step). */
  private backoff(): number {
    const ceiling = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (this.failures - 1));
    return Math.round(ceiling * (0.5 + 0.5 * this.deps.random()));
  }

  private schedule(ms: number): void {
    if (this.timer !== undefined || this.stopped) return;
    this.timer = this.deps.setTimer(() => {
      this.timer = undefined;
      void this.flush();
    }, ms);
  }
}

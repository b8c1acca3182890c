/**
 * Withdrawn tracks, as the edge sees them. Signed URLs are verified without the database; this list lets
 * the edge refuse URLs of a track withdrawn since they were signed (deleted, retired, album unpublished)
 * with one Set lookup per request. It is kept current from a change feed within moments, and reloaded
 * in full every so often in case a change was lost.
 */

export interface RevocationChange {
  trackId: string;
  /** true: withdrawn; false: playable again. */
  revoked: boolean;
}

export interface RevocationSource {
  /** Every track withdrawn recently enough that URLs signed before may still be unexpired. */
  revoked(): Promise<string[]>;
  /**
   * Calls `onChange` for each change in commit order, and `onReset` when changes may have been missed
   * (a lost connection): the list then reloads. Resolves to a stop function.
   */
  subscribe(onChange: (change: RevocationChange) => void, onReset: () => void): Promise<() => Promise<void>>;
}

export interface RevocationListOptions {
  /** Full reload interval, the safety net behind the feed; default 60 s. */
  reloadMs?: number;
  /** A failed reload keeps the last list; this hears about it. */
  onError?: (err: unknown) => void;
}

export class RevocationList {
  #revoked = new Set<string>();
  /** Per load in flight, the changes heard since it began, replayed over its result. */
  readonly #heard = new Set<RevocationChange[]>();
  #stopFeed: (() => Promise<void>) | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly source: RevocationSource,
    private readonly options: RevocationListOptions = {},
  ) {}

  /** Whether URLs of this track must be refused. */
  has(trackId: string): boolean {
    return this.#revoked.has(trackId);
  }

  /** Subscribes first, then loads, so no change falls between the two. Throws when the first load fails. */
  async start(): Promise<void> {
    if (this.#stopFeed) return;
    this.#stopFeed = await this.source.subscribe(
      (change) => this.#apply(change),
      () => void this.reload(),
    );
    await this.#load();
    this.#timer = setInterval(() => void this.reload(), this.options.reloadMs ?? 60_000);
    this.#timer.unref();
  }

  /** Reloads the whole list; a failure keeps the current one. Never throws. */
  reload(): Promise<void> {
    return this.#load().catch((err: unknown) => this.options.onError?.(err));
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    const stopFeed = this.#stopFeed;
    this.#stopFeed = undefined;
    await stopFeed?.();
  }

  /**
   * The feed delivers in commit order, and every change committed after the query's snapshot is heard
   * after the query began: so the snapshot with the changes heard since replayed over it is the current
   * state when it lands, even when loads overlap.
   */
  async #load(): Promise<void> {
    const heard: RevocationChange[] = [];
    this.#heard.add(heard);
    try {
      const next = new Set(await this.source.revoked());
      for (const change of heard) applyTo(next, change);
      this.#revoked = next;
    } finally {
      this.#heard.delete(heard);
    }
  }

  #apply(change: RevocationChange): void {
    applyTo(this.#revoked, change);
    for (const heard of this.#heard) heard.push(change);
  }
}

function applyTo(set: Set<string>, change: RevocationChange): void {
  if (change.revoked) set.add(change.trackId);
  else set.delete(change.trackId);
}

import type { Logger } from 'pino';
import { type EventLog, LOG_START, type LogEntry } from '../../ports/event-log.js';
import type { Consumed, LoggedEvent } from './types.js';

/**
 * A consumer of the event log. `apply` must be idempotent for entries it already applied: the log
 * delivers at least once (a crash between apply and commit redelivers). `clear` forgets everything the
 * consumer derived, for a rebuild from the start of the log.
 */
export interface EventConsumer {
  name: string;
  apply(entries: Consumed[]): Promise<void>;
  clear(): Promise<void>;
}

/** Takes the right to run a consumer (one process at a time); resolves undefined when `signal` aborts. */
export type ConsumerLease = (name: string, signal: AbortSignal) => Promise<(() => Promise<void>) | undefined>;

const LINGER_MS = 25;
/**
 * A consumer that is behind takes up to this many times its batch size at once: each batch costs a
 * transaction and per-track, per-play and per-user work whatever its length, so a backlog drains in
 * fewer, larger batches and leaves more of the machine to intake.
 */
const BACKLOG_GROWTH = 5;
/** While `yieldWhile` holds, a consumer looks again after this long, and runs a batch at least this often. */
const YIELD_MS = 100;
const MAX_YIELD_MS = 1000;

export interface RunnerOptions {
  batchSize?: number;
  waitMs?: number;
  lease?: ConsumerLease;
  /**
   * While this answers true (intake in this process is busy), a consumer with a backlog waits before
   * each batch, up to MAX_YIELD_MS, so that answering clients comes first; it catches up in larger
   * batches once intake calms down.
   */
  yieldWhile?: () => boolean;
}

/**
 * Runs each registered consumer in its own loop: fetch after the committed offset, apply, commit.
 * Registration is by unique name, in the composition root; the worker role starts the loops.
 */
export class ConsumerRunner {
  private readonly consumers = new Map<string, EventConsumer>();
  private readonly batchSize: number;
  private abort: AbortController | undefined;
  private loops: Promise<void>[] = [];
  private readonly parsed = new WeakMap<LogEntry, LoggedEvent>();

  constructor(
    private readonly log: EventLog,
    private readonly logger: Logger,
    private readonly options: RunnerOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 2000;
  }

  register(consumer: EventConsumer): void {
    if (this.consumers.has(consumer.name)) throw new Error(`event consumer "${consumer.name}" is registered twice`);
    this.consumers.set(consumer.name, consumer);
  }

  names(): string[] {
    return [...this.consumers.keys()];
  }

  start(): void {
    if (this.abort) return;
    const abort = new AbortController();
    this.abort = abort;
    this.loops = [...this.consumers.values()].map((c) => this.run(c, abort.signal));
  }

  async stop(): Promise<void> {
    this.abort?.abort();
    this.abort = undefined;
    await Promise.allSettled(this.loops);
    this.loops = [];
  }

  /** Applies everything in the log to `name` now, in this process (tests, the CLI). */
  async drain(name: string): Promise<number> {
    const consumer = this.get(name);
    let total = 0;
    for (;;) {
      const n = await this.step(consumer, 0, this.batchSize);
      if (n === 0) return total;
      total += n;
    }
  }

  /** Forgets what the consumer derived and rewinds it to the start of the log; it rebuilds as it runs. */
  async rebuild(name: string): Promise<void> {
    const consumer = this.get(name);
    await consumer.clear();
    await this.log.reset(name, LOG_START);
  }

  private get(name: string): EventConsumer {
    const consumer = this.consumers.get(name);
    if (!consumer) throw new Error(`no event consumer is named "${name}"`);
    return consumer;
  }

  private async step(consumer: EventConsumer, waitMs: number, max: number): Promise<number> {
    const entries = await this.log.fetch(consumer.name, max, waitMs);
    if (entries.length === 0) return 0;
    const consumed = entries.map((e) => ({ offset: e.offset, event: this.parse(e) }));
    await consumer.apply(consumed);
    await this.log.commit(consumer.name, entries.at(-1)!.offset);
    return entries.length;
  }

  private async yieldToIntake(signal: AbortSignal): Promise<void> {
    const busy = this.options.yieldWhile;
    if (!busy) return;
    for (let waited = 0; waited < MAX_YIELD_MS && busy() && !signal.aborted; waited += YIELD_MS) {
      await new Promise((resolve) => setTimeout(resolve, YIELD_MS));
    }
  }

  /** A log that hands every consumer the same entry objects (the PostgreSQL log's page cache) has each parsed once. */
  private parse(entry: LogEntry): LoggedEvent {
    let event = this.parsed.get(entry);
    if (!event) {
      event = JSON.parse(entry.body) as LoggedEvent;
      this.parsed.set(entry, event);
    }
    return event;
  }

  private async run(consumer: EventConsumer, signal: AbortSignal): Promise<void> {
    const release = this.options.lease ? await this.options.lease(consumer.name, signal) : async () => {};
    if (!release) return;
    let max = this.batchSize;
    let behind = false;
    try {
      while (!signal.aborted) {
        try {
          // Only a consumer with a backlog steps back: one that keeps up adds no lag.
          if (behind) await this.yieldToIntake(signal);
          const n = await this.step(consumer, this.options.waitMs ?? 1000, max);
          behind = n === max;
          max = behind ? Math.min(max * 2, this.batchSize * BACKLOG_GROWTH) : this.batchSize;
          // A short batch means the consumer caught up: let the next one fill a little, since one
          // transaction per few events costs more than the few milliseconds of lag this adds.
          if (n > 0 && n < this.batchSize / 4) await new Promise((resolve) => setTimeout(resolve, LINGER_MS));
        } catch (err) {
          if (signal.aborted) break;
          this.logger.warn({ err, consumer: consumer.name }, 'event consumer failed; retrying from its offset');
          await new Promise((resolve) => setTimeout(resolve, 1000));
          // Entries fetched but not applied must come again: go back to the committed offset.
          await this.log
            .committed(consumer.name)
            .then((offset) => this.log.reset(consumer.name, offset))
            .catch(() => {});
        }
      }
    } finally {
      await release();
    }
  }
}

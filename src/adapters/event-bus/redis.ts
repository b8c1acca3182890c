import { Redis } from 'ioredis';
import type { EventBus, Unsubscribe } from '../../ports/event-bus.js';

type Handler = (message: unknown) => void;

const QUIT_TIMEOUT_MS = 2000;
/**
 * While Redis is away a command waits through this many reconnection attempts (well under a second)
 * and then fails, so an outage shows as failed publishes and subscribes, not as requests that hang.
 */
const RETRIES_PER_COMMAND = 2;

export interface RedisEventBusOptions {
  /** Prepended to every topic to form the Redis channel, so several deployments can share one Redis. */
  prefix?: string;
  /**
   * Problems that must not crash the process: a message that is not JSON, a handler that throws,
   * connection errors (ioredis reconnects and resubscribes by itself). Ignored when unset.
   */
  onError?: (error: Error) => void;
  /** Shown in `CLIENT LIST` as `<name>:pub` and `<name>:sub`. */
  connectionName?: string;
}

/**
 * The bus between processes: Redis pub/sub. One connection publishes; a second one is dedicated to
 * subscriptions (Redis wants a subscribing connection to do nothing else). Each topic is subscribed in
 * Redis once, however many local handlers it has, and unsubscribed when the last of them leaves.
 *
 * Messages travel as JSON, so a handler receives what `JSON.parse(JSON.stringify(message))` gives
 * (dates become strings, `undefined` fields disappear). Delivery is at most once: messages published
 * while the subscriber connection is down are lost (it resubscribes when it comes back). Handlers run
 * synchronously as each message arrives; one that throws is reported to `onError`.
 */
export class RedisEventBus implements EventBus {
  private readonly prefix: string;
  private readonly onError: (error: Error) => void;
  private readonly pub: Redis;
  private readonly sub: Redis;
  /** Local handlers by Redis channel (prefix included). */
  private readonly handlers = new Map<string, Set<Handler>>();
  /** Channels Redis has confirmed as subscribed on `sub`. */
  private readonly subscribed = new Set<string>();
  /** Per channel, the tail of its SUBSCRIBE/UNSUBSCRIBE sequence: commands for one channel never overlap. */
  private readonly pending = new Map<string, Promise<void>>();
  private closing: Promise<void> | undefined;
  /** Rejects once close() starts, so nothing waiting on Redis outlives the bus. */
  private readonly closed: Promise<never>;
  private markClosed: (error: Error) => void = () => {};

  constructor(url: string, options: RedisEventBusOptions = {}) {
    this.prefix = options.prefix ?? 'cadenza:';
    this.onError = options.onError ?? (() => {});
    const name = options.connectionName ?? 'cadenza';
    const connection = { maxRetriesPerRequest: RETRIES_PER_COMMAND };
    this.pub = new Redis(url, { ...connection, connectionName: `${name}:pub` });
    this.sub = new Redis(url, { ...connection, connectionName: `${name}:sub` });
    this.closed = new Promise<never>((_, reject) => {
      this.markClosed = reject;
    });
    this.closed.catch(() => {});
    this.pub.on('error', (err) => this.onError(err));
    this.sub.on('error', (err) => this.onError(err));
    this.sub.on('message', (channel, raw) => this.deliver(channel, raw));
  }

  async publish(topic: string, message: unknown): Promise<void> {
    this.assertOpen();
    const encoded = JSON.stringify(message);
    if (encoded === undefined) throw new TypeError(`event bus: a message on ${topic} is not JSON`);
    await this.untilClosed(this.pub.publish(this.prefix + topic, encoded));
  }

  async subscribe(topic: string, handler: Handler): Promise<Unsubscribe> {
    this.assertOpen();
    const channel = this.prefix + topic;
    // A fresh function per subscription, so the same handler subscribed twice is two subscriptions.
    const entry: Handler = (message) => handler(message);
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
    }
    set.add(entry);
    try {
      await this.reconcile(channel);
    } catch (err) {
      this.remove(channel, entry);
      throw err;
    }
    let done = false;
    // Never rejects: the handler is gone at once whatever Redis says. A failed UNSUBSCRIBE is reported;
    // Redis may then go on sending the channel's messages, which find no handler and are dropped.
    return async () => {
      if (done) return;
      done = true;
      this.remove(channel, entry);
      if (this.closing) return;
      await this.reconcile(channel).catch((err: Error) => {
        if (!this.closing) this.onError(err);
      });
    };
  }

  /** Quits both connections (pending replies are awaited); handlers receive nothing afterwards. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.markClosed(new Error('event bus is closed'));
      this.handlers.clear();
      await Promise.all([quit(this.pub), quit(this.sub)]);
      this.subscribed.clear();
    })();
    return this.closing;
  }

  private assertOpen(): void {
    if (this.closing) throw new Error('event bus is closed');
  }

  /**
   * A Redis command, abandoned when the bus closes: ioredis never settles a command queued while it
   * waits to reconnect if the connection is then dropped, and callers must not wait on it forever.
   */
  private untilClosed<T>(command: Promise<T>): Promise<T> {
    return Promise.race([command, this.closed]);
  }

  private remove(channel: string, entry: Handler): void {
    const set = this.handlers.get(channel);
    if (!set) return;
    set.delete(entry);
    if (set.size === 0) this.handlers.delete(channel);
  }

  /**
   * Brings Redis in line with the local handlers of `channel`: SUBSCRIBE when some are waiting and it
   * is not subscribed, UNSUBSCRIBE when none are left. Queued per channel, so a subscribe racing the
   * last unsubscribe ends subscribed, and resolves only once Redis has answered.
   */
  private reconcile(channel: string): Promise<void> {
    const previous = this.pending.get(channel) ?? Promise.resolve();
    const next = previous
      .catch(() => {})
      .then(async () => {
        if (this.closing) return;
        const wanted = this.handlers.has(channel);
        if (wanted && !this.subscribed.has(channel)) {
          await this.untilClosed(this.sub.subscribe(channel));
          this.subscribed.add(channel);
        } else if (!wanted && this.subscribed.has(channel)) {
          // Forgotten first: should UNSUBSCRIBE fail, the next subscribe sends SUBSCRIBE again to be sure.
          this.subscribed.delete(channel);
          await this.untilClosed(this.sub.unsubscribe(channel));
        }
      });
    this.pending.set(channel, next);
    const forget = () => {
      if (this.pending.get(channel) === next) this.pending.delete(channel);
    };
    next.then(forget, forget);
    return next;
  }

  private deliver(channel: string, raw: string): void {
    const set = this.handlers.get(channel);
    if (!set) return;
    let message: unknown;
    try {
      message = JSON.parse(raw);
    } catch {
      this.onError(new Error(`event bus: ignored a message on ${channel} that is not JSON: ${raw.slice(0, 100)}`));
      return;
    }
    for (const handler of [...set]) {
      try {
        handler(message);
      } catch (err) {
        this.onError(err instanceof Error ? err : new Error(String(err)));
      }
    }
  }
}

/** QUIT when connected (replies still in flight arrive first); otherwise, or if it stalls, just drop it. */
async function quit(connection: Redis): Promise<void> {
  if (connection.status === 'end') return;
  // While connecting or between retries QUIT would sit in the offline queue until Redis came back;
  // disconnect() cancels the retry timer, so nothing is left holding the process open.
  if (connection.status !== 'ready') {
    connection.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('QUIT stalled')), QUIT_TIMEOUT_MS);
  });
  try {
    await Promise.race([connection.quit(), stalled]);
  } catch {
    connection.disconnect();
  } finally {
    clearTimeout(timer);
  }
}

import {
  AckPolicy,
  type ConsumerConfig,
  type ConsumerMessages,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  jetstreamManager,
  StorageType,
} from '@nats-io/jetstream';
import { connect, type NatsConnection, nanos } from '@nats-io/transport-node';
import {
  type EventLog,
  LOG_START,
  type LogEntry,
  type LogRecord,
  type Offset,
  padOffset,
} from '../../ports/event-log.js';

export interface JetStreamLogOptions {
  /** Stream name; one stream holds every listening event. */
  stream?: string;
  /** Defaults to `cadenza.events.<stream in lower case>`, so two streams never claim one subject. */
  subject?: string;
  /** How long the server remembers a record id to drop a re-append (the Nats-Msg-Id window). */
  duplicateWindowMs?: number;
}

const seqOf = (offset: Offset) => (offset === LOG_START ? 0 : Number(offset));
const entryOf = (m: JsMsg): LogEntry => ({
  offset: padOffset(m.seq),
  id: m.headers?.get('Nats-Msg-Id') ?? '',
  body: m.string(),
});

/** One durable consumer being pulled by this process: what arrived and what is delivered but not acked. */
interface Subscription {
  messages: ConsumerMessages;
  buffer: JsMsg[];
  unacked: Map<Offset, JsMsg>;
  wake: (() => void) | undefined;
}

/**
 * The event log on NATS JetStream: a file-backed stream, de-duplication by the record id sent as the
 * Nats-Msg-Id header, and one durable pull consumer (acknowledge-all) per log consumer, whose ack
 * floor is its committed offset. A process that takes over a consumer rewinds it to its ack floor so
 * entries arrive strictly in order; one process runs a consumer at a time (see ConsumerRunner).
 */
export class JetStreamEventLog implements EventLog {
  private readonly subs = new Map<string, Subscription>();
  private readonly stream: string;
  private readonly subject: string;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    options: JetStreamLogOptions,
  ) {
    this.stream = options.stream ?? 'CADENZA_EVENTS';
    this.subject = options.subject ?? `cadenza.events.${this.stream.toLowerCase()}`;
  }

  static async connect(url: string, options: JetStreamLogOptions = {}): Promise<JetStreamEventLog> {
    const u = new URL(url);
    const nc = await connect({ servers: `${u.hostname}:${u.port || 4222}`, timeout: 3000, maxReconnectAttempts: -1 });
    try {
      const jsm = await jetstreamManager(nc);
      const log = new JetStreamEventLog(nc, jetstream(nc), jsm, options);
      await log.ensureStream(options.duplicateWindowMs ?? 120_000);
      return log;
    } catch (err) {
      await nc.close();
      throw err;
    }
  }

  private async ensureStream(duplicateWindowMs: number): Promise<void> {
    const config = { subjects: [this.subject], duplicate_window: nanos(duplicateWindowMs) };
    try {
      await this.jsm.streams.info(this.stream);
      await this.jsm.streams.update(this.stream, config);
    } catch {
      await this.jsm.streams.add({ name: this.stream, storage: StorageType.File, ...config });
    }
  }

  async append(records: LogRecord[]): Promise<number> {
    const acks = await Promise.all(records.map((r) => this.js.publish(this.subject, r.body, { msgID: r.id })));
    return acks.filter((a) => !a.duplicate).length;
  }

  async read(after: Offset, max: number, waitMs: number): Promise<LogEntry[]> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const last = (await this.jsm.streams.info(this.stream)).state.last_seq;
      const from = seqOf(after) + 1;
      if (last >= from) {
        const consumer = await this.js.consumers.get(this.stream, {
          deliver_policy: DeliverPolicy.StartSequence,
          opt_start_seq: from,
        });
        const count = Math.min(max, last - from + 1);
        const out: LogEntry[] = [];
        for await (const m of await consumer.fetch({ max_messages: count, expires: 5000 })) {
          out.push(entryOf(m));
          if (out.length >= count) break;
        }
        await consumer.delete().catch(() => {});
        return out;
      }
      if (Date.now() >= deadline) return [];
      await new Promise((r) => setTimeout(r, Math.min(20, deadline - Date.now())));
    }
  }

  async fetch(consumer: string, max: number, waitMs: number): Promise<LogEntry[]> {
    const sub = this.subs.get(consumer) ?? (await this.subscribe(consumer));
    if (sub.buffer.length === 0 && waitMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, waitMs);
        function done() {
          clearTimeout(timer);
          sub.wake = undefined;
          resolve();
        }
        sub.wake = done;
      });
    }
    // Messages of one pull arrive in a burst: give the rest of it a moment to land.
    for (let i = 0; i < 5 && sub.buffer.length > 0 && sub.buffer.length < max; i++) {
      await new Promise((r) => setTimeout(r, 1));
    }
    const taken = sub.buffer.splice(0, max);
    for (const m of taken) sub.unacked.set(padOffset(m.seq), m);
    return taken.map(entryOf);
  }

  async commit(consumer: string, offset: Offset): Promise<void> {
    const sub = this.subs.get(consumer);
    const msg = sub?.unacked.get(offset);
    if (!sub || !msg) return this.reset(consumer, offset);
    // Acknowledge-all: this one ack covers every earlier entry too.
    await msg.ackAck();
    for (const key of sub.unacked.keys()) if (key <= offset) sub.unacked.delete(key);
  }

  async committed(consumer: string): Promise<Offset> {
    try {
      const info = await this.jsm.consumers.info(this.stream, consumer);
      return info.ack_floor.stream_seq === 0 ? LOG_START : padOffset(info.ack_floor.stream_seq);
    } catch {
      return LOG_START;
    }
  }

  async reset(consumer: string, offset: Offset): Promise<void> {
    await this.unsubscribe(consumer);
    await this.jsm.consumers.delete(this.stream, consumer).catch(() => false);
    await this.create(consumer, seqOf(offset));
  }

  async close(): Promise<void> {
    for (const name of [...this.subs.keys()]) await this.unsubscribe(name);
    await this.nc.drain().catch(() => this.nc.close());
  }

  private async create(consumer: string, afterSeq: number): Promise<void> {
    const config: Partial<ConsumerConfig> = {
      durable_name: consumer,
      ack_policy: AckPolicy.All,
      // Long: a consumer is rewound explicitly when another process takes it over.
      ack_wait: nanos(5 * 60_000),
      max_ack_pending: 100_000,
      ...(afterSeq === 0
        ? { deliver_policy: DeliverPolicy.All }
        : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: afterSeq + 1 }),
    };
    await this.jsm.consumers.add(this.stream, config);
  }

  /** Starts pulling; first rewinds the consumer to its ack floor if entries were delivered but not acked. */
  private async subscribe(consumer: string): Promise<Subscription> {
    let info = await this.jsm.consumers.info(this.stream, consumer).catch(() => undefined);
    if (!info) await this.create(consumer, 0);
    else if (info.num_ack_pending > 0 || info.delivered.stream_seq > info.ack_floor.stream_seq) {
      await this.jsm.consumers.delete(this.stream, consumer);
      await this.create(consumer, info.ack_floor.stream_seq);
    }
    info = undefined;
    const messages = await (await this.js.consumers.get(this.stream, consumer)).consume({ max_messages: 2000 });
    const sub: Subscription = { messages, buffer: [], unacked: new Map(), wake: undefined };
    this.subs.set(consumer, sub);
    void (async () => {
      for await (const m of messages) {
        sub.buffer.push(m);
        sub.wake?.();
      }
    })()
      .catch(() => {})
      // Pulling stopped (the consumer was deleted or reset elsewhere): the next fetch subscribes anew.
      .finally(() => {
        if (this.subs.get(consumer) === sub) this.subs.delete(consumer);
      });
    return sub;
  }

  private async unsubscribe(consumer: string): Promise<void> {
    const sub = this.subs.get(consumer);
    if (!sub) return;
    this.subs.delete(consumer);
    sub.wake?.();
    await sub.messages.close().catch(() => {});
  }
}

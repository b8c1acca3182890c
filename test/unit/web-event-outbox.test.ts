import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BATCH,
  EventOutbox,
  type ListeningEvent,
  type OutboxStore,
  type SendOutcome,
  type StoredEvent,
  type Transport,
} from '../../web/src/events/outbox.js';

/** The outbox's storage as IndexedDB keeps it: per user, oldest first, shared by every tab. */
class MemoryStore implements OutboxStore {
  readonly rows = new Map<string, StoredEvent>();
  async add(entry: StoredEvent) {
    this.rows.set(`${entry.user}|${entry.event.id}`, structuredClone(entry));
  }
  async oldest(user: string, limit: number) {
    return [...this.rows.values()]
      .filter((e) => e.user === user)
      .sort((a, b) => a.event.timestamp - b.event.timestamp)
      .slice(0, limit)
      .map((e) => structuredClone(e));
  }
  async remove(entries: StoredEvent[]) {
    for (const e of entries) this.rows.delete(`${e.user}|${e.event.id}`);
  }
}

/**
 * The server's side of POST /v1/me/events as far as the outbox can tell: events are kept once per
 * (user, id), a batch over 500 is refused, an event with a negative position is rejected. `mode`
 * decides what the network does with the next request.
 */
class FakeServer {
  readonly stored = new Map<string, ListeningEvent>();
  /** Every event each request carried, in order. */
  readonly requests: { user: string; ids: string[]; keepalive: boolean }[] = [];
  mode: 'up' | 'down' | 'answer-lost' | 'error-500' | 'refuse-400' = 'up';

  transport(user: () => string): Transport {
    return async (events, { keepalive }) => {
      this.requests.push({ user: user(), ids: events.map((e) => e.id), keepalive });
      if (this.mode === 'down') throw new TypeError('Failed to fetch');
      if (this.mode === 'error-500') return { kind: 'retry', reason: '500 Internal Server Error' };
      if (this.mode === 'refuse-400') return { kind: 'refused', reason: 'body/events must be array' };
      if (events.length > 500) return { kind: 'refused', reason: 'too many events' };
      const answer: SendOutcome & { kind: 'answered' } = { kind: 'answered', accepted: 0, duplicates: 0, rejected: [] };
      events.forEach((e, index) => {
        if (e.position_ms < 0) {
          answer.rejected.push({ index, id: e.id, reason: 'position_ms must be a whole number of milliseconds >= 0' });
          return;
        }
        const key = `${user()}:${e.id}`;
        answer.accepted++;
        if (this.stored.has(key)) answer.duplicates++;
        else this.stored.set(key, e);
      });
      if (this.mode === 'answer-lost') throw new TypeError('network connection was lost');
      return answer;
    };
  }
}

/** Timers the test fires by hand, with the delays the outbox asked for. */
class Timers {
  private next = 1;
  readonly pending = new Map<number, { fn: () => void; ms: number }>();
  set = (fn: () => void, ms: number) => {
    const id = this.next++;
    this.pending.set(id, { fn, ms });
    return id;
  };
  clear = (id: unknown) => void this.pending.delete(id as number);
  delays = () => [...this.pending.values()].map((t) => t.ms);
  /** Fires every pending timer and waits for what they started. */
  async fire(outbox: EventOutbox) {
    const due = [...this.pending.values()];
    this.pending.clear();
    for (const t of due) t.fn();
    await outbox.flush();
  }
}

let n = 0;
const event = (over: Partial<ListeningEvent> = {}): ListeningEvent => ({
  id: `ev${++n}`,
  type: 'progress',
  track_id: 'T'.repeat(22),
  device_id: 'web-test',
  position_ms: 30_000,
  timestamp: 1_700_000_000_000 + n,
  ...over,
});

function tab(store: OutboxStore, server: FakeServer, options: { user?: () => string; lock?: Lock } = {}) {
  const user = options.user ?? (() => 'ada');
  const warnings: string[] = [];
  const timers = new Timers();
  const outbox = new EventOutbox({
    store,
    transport: server.transport(user),
    user,
    exclusive: options.lock?.run,
    setTimer: timers.set,
    clearTimer: timers.clear,
    random: () => 1,
    warn: (m) => warnings.push(m),
  });
  return { outbox, timers, warnings };
}

/** Web Locks as one browser gives them to its tabs: one holder at a time, in request order. */
class Lock {
  private tail = Promise.resolve();
  run = (task: () => Promise<void>) => {
    const turn = this.tail.then(task);
    this.tail = turn.catch(() => undefined);
    return turn;
  };
}

describe('listening-event outbox', () => {
  it('sends recorded events in batches within the server limit, each once, and empties the store', async () => {
    const store = new MemoryStore();
    const server = new FakeServer();
    const { outbox, timers } = tab(store, server);
    const events = Array.from({ length: 2 * BATCH + 30 }, () => event());
    await Promise.all(events.map((e) => outbox.record(e)));
    assert.equal(store.rows.size, events.length, 'stored before anything is sent');
    assert.equal(server.requests.length, 0, 'nothing sent at once: events wait for company');
    await timers.fire(outbox);
    assert.deepEqual(
      server.requests.map((r) => r.ids.length),
      [BATCH, BATCH, 30],
    );
    assert.equal(server.stored.size, events.length);
    assert.equal(store.rows.size, 0);
  });

  it('keeps events through a network outage and a reload, retrying with growing delays and the same ids', async () => {
    const store = new MemoryStore();
    const server = new FakeServer();
    const first = tab(store, server);
    const events = [event({ type: 'play_start', position_ms: 0 }), event(), event({ type: 'complete' })];
    for (const e of events) await first.outbox.record(e);
    // The first answer is lost after the server stored the batch; then the network is down.
    server.mode = 'answer-lost';
    await first.outbox.flush();
    assert.deepEqual(first.timers.delays(), [1_000]);
    server.mode = 'down';
    await first.timers.fire(first.outbox);
    assert.deepEqual(first.timers.delays(), [2_000]);
    await first.timers.fire(first.outbox);
    assert.deepEqual(first.timers.delays(), [4_000]);
    assert.equal(store.rows.size, 3, 'nothing is removed without an answer');
    first.outbox.stop();

    // A reload: a new page, a new outbox over the same storage, back online.
    server.mode = 'up';
    const second = tab(store, server);
    await second.outbox.retryNow();
    assert.equal(store.rows.size, 0);
    const ids = events.map((e) => e.id);
    assert.ok(
      server.requests.every((r) => JSON.stringify(r.ids) === JSON.stringify(ids)),
      'every try carried the same ids',
    );
    assert.equal(server.requests.length, 4);
    assert.deepEqual(
      [...server.stored.keys()],
      ids.map((id) => `ada:${id}`),
      'stored once each',
    );
  });

  it('retries a 5xx, and drops (with a warning) events the server rejects or a batch it refuses', async () => {
    const store = new MemoryStore();
    const server = new FakeServer();
    const { outbox, timers, warnings } = tab(store, server);
    const bad = event({ position_ms: -1 });
    await outbox.record(event());
    await outbox.record(bad);
    server.mode = 'error-500';
    await outbox.flush();
    assert.equal(store.rows.size, 2);
    assert.deepEqual(timers.delays(), [1_000]);
    server.mode = 'up';
    await timers.fire(outbox);
    assert.equal(store.rows.size, 0, 'an event rejected for good is not sent again');
    assert.equal(server.stored.size, 1);
    assert.deepEqual(warnings, [
      `the server rejected listening event ${bad.id}: position_ms must be a whole number of milliseconds >= 0`,
    ]);

    server.mode = 'refuse-400';
    await outbox.record(event());
    await outbox.flush();
    assert.equal(store.rows.size, 0);
    assert.match(warnings[1]!, /^the server refused 1 listening events: /);
    const before = server.requests.length;
    await outbox.flush();
    assert.equal(server.requests.length, before, 'a refused batch is not sent again');
  });

  it('two tabs flushing the same outbox at once never send an event twice', async () => {
    const store = new MemoryStore();
    const server = new FakeServer();
    const lock = new Lock();
    const a = tab(store, server, { lock });
    const b = tab(store, server, { lock });
    for (let i = 0; i < 150; i++) await (i % 2 ? a : b).outbox.record(event());
    await Promise.all([a.outbox.flush(), b.outbox.flush(), a.outbox.flush()]);
    const sent = server.requests.flatMap((r) => r.ids);
    assert.equal(sent.length, 150);
    assert.equal(new Set(sent).size, 150);
    assert.equal(store.rows.size, 0);
  });

  it('sends only the signed-in account its own events', async () => {
    const store = new MemoryStore();
    const server = new FakeServer();
    let who = 'ada';
    const { outbox } = tab(store, server, { user: () => who });
    const adas = event();
    await outbox.record(adas);
    server.mode = 'down';
    await outbox.flush();
    who = 'bob';
    server.mode = 'up';
    const bobs = event();
    await outbox.record(bobs);
    await outbox.retryNow();
    assert.deepEqual([...server.stored.keys()], [`bob:${bobs.id}`]);
    assert.equal(store.rows.size, 1, "ada's event waits for ada");
    who = 'ada';
    await outbox.retryNow();
    assert.deepEqual([...server.stored.keys()], [`bob:${bobs.id}`, `ada:${adas.id}`]);
  });

  it('a page going away sends what has no answer yet with keepalive, and keeps it stored', async () => {
    const store = new MemoryStore();
    const server = new FakeServer();
    const { outbox } = tab(store, server);
    await outbox.record(event());
    await outbox.flush();
    const late = [event({ type: 'pause' }), event({ type: 'skip' })];
    for (const e of late) await outbox.record(e);
    outbox.sendBeforeLeaving();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(server.requests.at(-1), { user: 'ada', ids: late.map((e) => e.id), keepalive: true });
    assert.equal(store.rows.size, 2, 'kept: the keepalive answer is never read');
    // The next page sends them again; the server counts them once.
    await tab(store, server).outbox.retryNow();
    assert.equal(server.stored.size, 3);
    assert.equal(store.rows.size, 0);
  });

  it('an event the storage refuses is still sent from memory', async () => {
    const server = new FakeServer();
    const full = new MemoryStore();
    full.add = async () => {
      throw new Error('QuotaExceededError');
    };
    const { outbox, warnings } = tab(full, server);
    const e = event();
    await outbox.record(e);
    await outbox.flush();
    assert.deepEqual([...server.stored.keys()], [`ada:${e.id}`]);
    assert.match(warnings[0]!, /kept in memory only/);
  });
});

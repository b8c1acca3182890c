import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { JetStreamEventLog } from '../../src/adapters/jetstream/event-log.js';
import { type DatabaseHandle, openDatabase } from '../../src/adapters/postgres/database.js';
import { PgEventLog } from '../../src/adapters/postgres/event-log.js';
import { type EventLog, LOG_START, type LogRecord } from '../../src/ports/event-log.js';
import { createTestDatabase } from '../helpers/db.js';
import { serviceAnswers } from '../helpers/services.js';

/** One contract, run against every EventLog adapter. */

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

const records = (prefix: string, n: number): LogRecord[] =>
  Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${i}`, body: JSON.stringify({ n: i }) }));

interface Adapter {
  /** A log over fresh storage; `reopen` gives a second handle on the same storage. */
  open(): Promise<{ log: EventLog; reopen(): Promise<EventLog>; drop(): Promise<void> }>;
}

function contract(name: string, adapter: Adapter, skip: () => string | false) {
  describe(`EventLog contract: ${name}`, () => {
    let log: EventLog;
    let reopen: () => Promise<EventLog>;
    let drop: () => Promise<void>;
    before(async () => {
      if (skip()) return;
      ({ log, reopen, drop } = await adapter.open());
    });
    after(async () => {
      if (skip()) return;
      await log.close();
      await drop();
    });
    const it = (title: string, fn: () => Promise<void>) =>
      test(title, (t) => {
        const reason = skip();
        if (reason) return t.skip(reason);
        return fn();
      });

    it('appends in order, reads from any offset, and an appended id is never appended again', async () => {
      assert.equal(await log.append(records('a', 5)), 5);
      assert.equal(await log.append([...records('a', 5), ...records('b', 2)]), 2, 'only the new ids count');
      const all = await log.read(LOG_START, 100, 0);
      assert.deepEqual(
        all.map((e) => e.id),
        ['a-0', 'a-1', 'a-2', 'a-3', 'a-4', 'b-0', 'b-1'],
      );
      assert.deepEqual(JSON.parse(all[2]!.body), { n: 2 });
      const sorted = all.map((e) => e.offset);
      assert.deepEqual([...sorted].sort(), sorted, 'offsets sort in log order');
      assert.ok(sorted.every((o) => o > LOG_START));
      const tail = await log.read(all[4]!.offset, 100, 0);
      assert.deepEqual(
        tail.map((e) => e.id),
        ['b-0', 'b-1'],
      );
      assert.equal((await log.read(all[0]!.offset, 2, 0)).length, 2, 'max is respected');
      assert.deepEqual(await log.read(all[6]!.offset, 10, 0), []);
    });

    it('a read waits for the next append', async () => {
      const end = (await log.read(LOG_START, 1000, 0)).at(-1)!.offset;
      const started = Date.now();
      const pending = log.read(end, 10, 5000);
      setTimeout(() => void log.append(records('late', 1)), 200);
      const got = await pending;
      assert.deepEqual(
        got.map((e) => e.id),
        ['late-0'],
      );
      assert.ok(Date.now() - started < 4000, 'answered when the entry came, not at the deadline');
    });

    it('durable consumers resume after their committed offset, independently of each other', async () => {
      const first = await log.fetch('history', 3, 1000);
      assert.deepEqual(
        first.map((e) => e.id),
        ['a-0', 'a-1', 'a-2'],
      );
      await log.commit('history', first[2]!.offset);
      assert.equal(await log.committed('history'), first[2]!.offset);
      assert.equal(await log.committed('counts'), LOG_START, 'another consumer starts at the beginning');
      assert.deepEqual(
        (await log.fetch('counts', 1, 1000)).map((e) => e.id),
        ['a-0'],
      );

      // A new handle (a restarted process) resumes where the consumer committed.
      const other = await reopen();
      try {
        const next = await other.fetch('history', 2, 1000);
        assert.deepEqual(
          next.map((e) => e.id),
          ['a-3', 'a-4'],
        );
        await other.commit('history', next[1]!.offset);
      } finally {
        await other.close();
      }
      assert.equal((await log.committed('history')) > first[2]!.offset, true);
    });

    it('a consumer reset to the start reads everything again', async () => {
      const total = (await log.read(LOG_START, 1000, 0)).length;
      await log.reset('history', LOG_START);
      assert.equal(await log.committed('history'), LOG_START);
      const other = await reopen();
      try {
        const again = await other.fetch('history', 1000, 1000);
        assert.equal(again.length, total);
        assert.equal(again[0]!.id, 'a-0');
      } finally {
        await other.close();
      }
    });
  });
}

contract(
  'PostgreSQL table',
  {
    async open() {
      const database = await createTestDatabase();
      const handles: DatabaseHandle[] = [];
      const openLog = async () => {
        const h = await openDatabase({ databaseUrl: database.url, dataDir: '/nonexistent', poolSize: 4 });
        handles.push(h);
        const log = new PgEventLog(h.db);
        const close = log.close.bind(log);
        log.close = async () => {
          await close();
          await h.close();
        };
        return log;
      };
      const log = await openLog();
      return { log, reopen: openLog, drop: () => database.drop() };
    },
  },
  () => false,
);

let natsReason: string | false = 'not probed yet';
before(async () => {
  natsReason = (await serviceAnswers(NATS_URL, 4222)) ? false : `no NATS server answers at ${NATS_URL}`;
});
contract(
  'NATS JetStream',
  {
    async open() {
      const stream = `CADENZA_TEST_${randomBytes(4).toString('hex').toUpperCase()}`;
      const options = { stream, subject: `cadenza.test.${stream.toLowerCase()}` };
      const log = await JetStreamEventLog.connect(NATS_URL, options);
      return {
        log,
        reopen: () => JetStreamEventLog.connect(NATS_URL, options),
        async drop() {
          const { connect } = await import('@nats-io/transport-node');
          const { jetstreamManager } = await import('@nats-io/jetstream');
          const u = new URL(NATS_URL);
          const nc = await connect({ servers: `${u.hostname}:${u.port || 4222}` });
          await (await jetstreamManager(nc)).streams.delete(stream).catch(() => false);
          await nc.close();
        },
      };
    },
  },
  () => natsReason,
);

import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import type { User } from '../../src/core/accounts/types.js';
import { ConsumerRunner } from '../../src/core/events/consumer-runner.js';
import { EventIntake } from '../../src/core/events/intake.js';
import { type EventLog, LOG_START, type LogEntry, type LogRecord, padOffset } from '../../src/ports/event-log.js';

const TRACK = 'a'.repeat(22);
const user: User = {
  id: 'u'.repeat(22),
  username: 'listener',
  displayName: 'listener',
  role: 'listener',
  product: 'premium',
  country: 'SE',
  createdAt: new Date(0),
};

/** A log in memory; appends wait for `release()` when `hold` is set. */
function memoryLog(hold = false) {
  const entries: LogEntry[] = [];
  const offsets = new Map<string, string>();
  const held: Array<() => void> = [];
  const log: EventLog = {
    async append(records: LogRecord[]) {
      if (hold) await new Promise<void>((resolve) => held.push(resolve));
      for (const r of records) entries.push({ ...r, offset: padOffset(entries.length + 1) });
      return records.length;
    },
    async read(after, max) {
      return entries.filter((e) => e.offset > after).slice(0, max);
    },
    async fetch(consumer, max, waitMs) {
      const got = await log.read(offsets.get(consumer) ?? LOG_START, max, waitMs);
      if (got.length === 0) await new Promise((r) => setTimeout(r, Math.min(waitMs, 5)));
      return got;
    },
    async commit(consumer, offset) {
      offsets.set(consumer, offset);
    },
    async committed(consumer) {
      return offsets.get(consumer) ?? LOG_START;
    },
    async reset(consumer, offset) {
      offsets.set(consumer, offset);
    },
    async close() {},
  };
  const release = () => {
    for (const go of held.splice(0)) go();
  };
  return { log, entries, held, release };
}

const batch = (prefix: string, n: number, at: number) =>
  Array.from({ length: n }, (_, i) => ({
    id: `${prefix}.${i}`,
    type: 'progress',
    track_id: TRACK,
    device_id: 'd',
    position_ms: 1000,
    timestamp: at,
  }));

test('intake counts as busy only when many batches stay in progress, not for a burst', async () => {
  let now = 1_000_000;
  const { log, held, release } = memoryLog(true);
  const intake = new EventIntake(
    log,
    async (ids) => new Map(ids.map((id) => [id, 200_000])),
    () => now,
  );
  const pending = Array.from({ length: 20 }, (_, i) => intake.accept(user, batch(`b${i}`, 2, now)));
  while (held.length < 20) await new Promise((r) => setImmediate(r));
  assert.equal(intake.busy(), false, 'a burst that has just arrived is not saturation');
  now += 300;
  assert.equal(intake.busy(), true, '20 batches in progress for 300 ms');
  release();
  const answers = await Promise.all(pending);
  assert.ok(answers.every((a) => a.accepted === 2 && a.rejected.length === 0));
  assert.equal(intake.busy(), false, 'nothing in progress');
});

test('while intake is busy a consumer with a backlog waits between batches; one keeping up does not', async () => {
  const { log } = memoryLog();
  for (let i = 0; i < 30; i++) {
    await log.append([{ id: `e${i}`, body: JSON.stringify({ id: `e${i}`, type: 'search' }) }]);
  }
  let busy = true;
  const applied: number[] = [];
  const runner = new ConsumerRunner(log, pino({ level: 'silent' }), {
    batchSize: 10,
    waitMs: 5,
    yieldWhile: () => busy,
  });
  runner.register({ name: 'c', apply: async (entries) => void applied.push(entries.length), clear: async () => {} });
  runner.start();
  while (applied.length === 0) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 50));
  // The first batch came full (a backlog): the consumer now waits for intake.
  assert.deepEqual(applied, [10]);
  busy = false;
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(
    applied.reduce((a, b) => a + b, 0),
    30,
    'caught up once intake calmed down, in larger batches',
  );
  assert.ok(applied.length <= 3);
  // Caught up: a new entry is applied at once even though intake is busy again.
  busy = true;
  await log.append([{ id: 'new', body: JSON.stringify({ id: 'new', type: 'search' }) }]);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(applied.at(-1), 1, 'not held back by the busy intake');
  await runner.stop();
});

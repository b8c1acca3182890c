import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { type DatabaseHandle, openDatabase } from '../../src/adapters/postgres/database.js';
import { PgJobQueue } from '../../src/adapters/postgres/job-queue.js';
import { Invalid, MediaError } from '../../src/core/errors.js';
import { Worker } from '../../src/core/jobs/worker.js';
import { createTestDatabase } from '../helpers/db.js';
import { eventually } from '../helpers/server.js';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let handle: DatabaseHandle;
let queue: PgJobQueue;
let dir: string;
const logger = pino({ level: 'silent' });

before(async () => {
  database = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), 'cadenza-jobs-'));
  handle = await openDatabase({ databaseUrl: database.url, dataDir: dir });
  queue = new PgJobQueue(handle.db);
});
after(async () => {
  await handle.close();
  await database.drop();
  await rm(dir, { recursive: true, force: true });
});

async function state(key: string) {
  return (await queue.list({ keyPrefix: key, limit: 1 }))[0]!;
}

test('enqueueing the same key twice runs the job once', async () => {
  assert.equal(await queue.enqueue('count', 'once:1', { n: 1 }), true);
  assert.equal(await queue.enqueue('count', 'once:1', { n: 2 }), false);
  let runs = 0;
  const worker = new Worker(queue, logger, { concurrency: 2, pollMs: 20 });
  worker.register('count', async () => {
    runs++;
  });
  worker.start();
  await eventually(async () => (await state('once:1')).state === 'done');
  await worker.stop();
  assert.equal(runs, 1);
});

test('a transient failure is retried with backoff and then succeeds', async () => {
  await queue.enqueue('flaky', 'flaky:1', {});
  const attempts: number[] = [];
  const worker = new Worker(queue, logger, { concurrency: 1, pollMs: 20 });
  worker.register('flaky', async () => {
    attempts.push(Date.now());
    if (attempts.length < 2) throw new Error('disk full for a moment');
  });
  worker.start();
  const done = await eventually(async () => {
    const s = await state('flaky:1');
    return s.state === 'done' && s;
  }, 20_000);
  await worker.stop();
  assert.equal(done.attempts, 2);
  assert.ok(attempts[1]! - attempts[0]! >= 1900, `second attempt waited ${attempts[1]! - attempts[0]!} ms`);
});

for (const [name, bad] of [
  ['a broken file', new MediaError('file is empty')],
  ['a royalty run without prices', new Invalid('no prices for SE in 2026-10', 'market')],
] as const) {
  test(`a bad-input failure (${name}) is final at once, with its reason kept`, async () => {
    const key = `bad:${name}`;
    await queue.enqueue('bad-input', key, {});
    const worker = new Worker(queue, logger, { concurrency: 1, pollMs: 20 });
    let lastAttemptSeen: boolean | undefined;
    worker.register('bad-input', async (_p: unknown, ctx) => {
      lastAttemptSeen = ctx.lastAttempt;
      throw bad;
    });
    worker.start();
    const failed = await eventually(async () => {
      const s = await state(key);
      return s.state === 'failed' && s;
    });
    await worker.stop();
    assert.equal(failed.attempts, 1);
    assert.equal(failed.lastError, bad.message);
    assert.equal(lastAttemptSeen, false);
  });
}

test('a job leased by a dead worker is picked up again', async () => {
  await queue.enqueue('orphan', 'orphan:1', {});
  // A worker on this host whose process no longer exists claims it and vanishes.
  const [job] = await queue.claim(`${(await import('node:os')).hostname()}:999999:dead`, ['orphan'], 1, 600_000);
  assert.ok(job);
  const worker = new Worker(queue, logger, { concurrency: 1, pollMs: 20 });
  worker.register('orphan', async () => {});
  worker.start();
  const s = await eventually(async () => {
    const x = await state('orphan:1');
    return x.state === 'done' && x;
  });
  await worker.stop();
  assert.equal(s.attempts, 2);
});

test('registering a handler twice fails at boot', () => {
  const worker = new Worker(queue, logger, { concurrency: 1 });
  worker.register('x', async () => {});
  assert.throws(() => worker.register('x', async () => {}), /registered twice/);
});

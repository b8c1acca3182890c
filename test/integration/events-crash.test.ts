import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { type DatabaseHandle, openDatabase } from '../../src/adapters/postgres/database.js';
import { PgEventLog } from '../../src/adapters/postgres/event-log.js';
import type { User } from '../../src/core/accounts/types.js';
import { EventIntake } from '../../src/core/events/intake.js';
import { newId } from '../../src/core/ids.js';
import { insertCatalog } from '../helpers/catalog-fixtures.js';
import { createTestDatabase } from '../helpers/db.js';
import { play } from '../helpers/events.js';

/**
 * Consumers killed with SIGKILL in the middle of a run, then restarted, end with exactly what one
 * uninterrupted run derives: nothing lost between the log and a consumer's commit, nothing counted
 * twice when the log delivers again.
 */

const CONSUMERS = ['history', 'popularity', 'plays'];
let database: { url: string; drop(): Promise<void> };
let handle: DatabaseHandle;

before(async () => {
  database = await createTestDatabase();
  handle = await openDatabase({ databaseUrl: database.url, dataDir: '/nonexistent', poolSize: 4 });
});
after(async () => {
  await handle.close();
  await database.drop();
});

function startChild(consumers = CONSUMERS): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/consumer-child.ts'], {
    env: { ...process.env, DATABASE_URL: database.url, CONSUMERS: consumers.join(',') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`consumer child exited early (${code})`)));
  });
}

const q = async (text: string, values: unknown[] = []) => (await handle.pool.query(text, values)).rows;

/** How many log entries the consumers (all, or the one named) have applied, summed. */
async function appliedEntries(consumer?: string): Promise<number> {
  const progress = await q('select consumer, applied from event_consumer_progress where consumer = $1 or $1 is null', [
    consumer ?? null,
  ]);
  let n = 0;
  for (const { applied } of progress) {
    // An offset is "tx:seq:index": the records of the pages before it, and the page's first index + 1.
    const [tx, seq, index] = (applied as string).split(':');
    const r = await q(
      'select coalesce(sum(records), 0)::int as n from event_log where (tx, seq) < ($1::xid8, $2::bigint)',
      [BigInt(tx!).toString(), BigInt(seq!).toString()],
    );
    n += r[0].n + Number(index) + 1;
  }
  return n;
}

async function snapshot() {
  return {
    history: await q('select * from listening_history order by event_id'),
    plays: await q('select * from plays order by play_id'),
    days: await q('select user_id, track_id, day::text, plays, listened_ms::text from listening_days order by 1, 2, 3'),
    trackDays: await q('select track_id, day::text, plays from track_play_days order by 1, 2'),
    streams: await q('select * from qualifying_streams order by play_id'),
    popularity: await q('select id, popularity from tracks order by id'),
  };
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('consumers killed mid-run and restarted derive exactly what an uninterrupted run does', async () => {
  const ids = await insertCatalog(
    handle.db,
    Array.from({ length: 12 }, (_, i) => ({ name: `Song ${i}`, artist: `Artist ${i % 4}`, popularity: 0 })),
  );
  const tracks = [...ids.values()].map((x) => x.track);
  const intake = new EventIntake(new PgEventLog(handle.db), async (list) => new Map(list.map((id) => [id, 200_000])));
  const t0 = Date.now() - 6 * 3600_000;
  for (let u = 0; u < 30; u++) {
    const user: User = {
      id: newId(),
      username: `u${u}`,
      displayName: `u${u}`,
      role: 'listener',
      product: u % 3 === 0 ? 'free' : 'premium',
      country: u % 2 === 0 ? 'SE' : 'DE',
      createdAt: new Date(),
    };
    const events = Array.from({ length: 25 }, (_, p) =>
      play(tracks[(u + p) % tracks.length]!, t0 + p * 240_000 + u * 1000, 5_000 + ((u * 7 + p * 13) % 12) * 5_000),
    ).flat();
    for (let i = 0; i < events.length; i += 50) await intake.accept(user, events.slice(i, i + 50));
  }
  const total = (await q('select sum(records)::int as n from event_log'))[0].n as number;
  assert.ok(total > 3000, `a log long enough to kill the consumers in the middle (${total} entries)`);
  const everything = total * CONSUMERS.length;

  // Each consumer killed twice at different depths (alone, so a fast one is not done already), then
  // all of them run to the end.
  for (const consumer of CONSUMERS) {
    for (const share of [0.3, 0.65]) {
      const child = await startChild([consumer]);
      await waitFor(
        async () => (await appliedEntries(consumer)) >= total * share,
        `${consumer} ${share * 100}% applied`,
      );
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    assert.ok((await appliedEntries(consumer)) < total, `${consumer} was killed before the end`);
  }
  const child = await startChild();
  await waitFor(async () => (await appliedEntries()) === everything, 'every consumer to reach the end of the log');
  const lastOffset = (await q('select max(applied) as o from event_consumer_progress'))[0].o;
  await waitFor(
    async () =>
      (await q('select count(*)::int as n from event_log_offsets where "offset" = $1', [lastOffset]))[0].n === 3,
    'the log offsets to be committed',
  );
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  const crashed = await snapshot();
  assert.ok(crashed.streams.length > 100, 'plays qualified');

  // The uninterrupted run: everything derived (qualifying streams too) forgotten, rebuilt in one go.
  await q(
    'delete from listening_history; delete from plays; delete from play_orphans; delete from listening_days; delete from track_play_days; delete from counted_plays; delete from qualifying_streams; delete from event_consumer_progress; delete from event_log_offsets; update tracks set popularity = 0; update artists set popularity = 0',
  );
  const clean = await startChild();
  await waitFor(async () => (await appliedEntries()) === everything, 'the clean run to reach the end of the log');
  clean.kill('SIGTERM');
  await new Promise((r) => clean.once('exit', r));
  assert.deepEqual(await snapshot(), crashed);
});

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { insertCatalog } from '../helpers/catalog-fixtures.js';
import { cadenza } from '../helpers/cli.js';
import { derivedState, drainConsumers, play, sendEvents } from '../helpers/events.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** `cadenza events status` and `cadenza events rebuild CONSUMER` on a server's database. */

let server: TestServer;
let env: Record<string, string>;

before(async () => {
  server = await startTestServer();
  env = { DATABASE_URL: server.services.config.databaseUrl!, CADENZA_DATA_DIR: server.dataDir, LOG_LEVEL: 'warn' };
  const ids = await insertCatalog(server.services.database.db, [
    { name: 'Alpha', artist: 'Ada' },
    { name: 'Beta', artist: 'Bo' },
  ]);
  const { token } = await server.account();
  const now = Date.now();
  const events = [
    ...play(ids.get('Alpha')!.track, now - 600_000, 45_000),
    ...play(ids.get('Beta')!.track, now - 300_000, 20_000),
    ...play(ids.get('Alpha')!.track, now - 100_000, 31_000),
  ];
  assert.equal((await sendEvents(server, token, events)).status, 200);
});
after(() => server.close());

const events = (...args: string[]) => cadenza(['events', ...args], env).done;

test('status shows each consumer behind until it has applied the log', async () => {
  let r = await events('status', '--json');
  assert.equal(r.code, 0, r.stderr);
  const before = JSON.parse(r.stdout) as { consumer: string; behind: number }[];
  assert.deepEqual(before.map((c) => c.consumer).sort(), server.services.consumers.names().sort());
  assert.ok(before.every((c) => c.behind > 0));
  await drainConsumers(server.services);
  r = await events('status', '--json');
  assert.ok(
    (JSON.parse(r.stdout) as { behind: number }[]).every((c) => c.behind === 0),
    r.stdout,
  );
});

test('rebuild replays the whole log into a consumer and derives the same state', async () => {
  await drainConsumers(server.services);
  const before = await derivedState(server.services);
  assert.equal(before.streams.length, 2, 'two plays of 30 s or more');
  for (const name of ['history', 'plays']) {
    await server.services.database.pool.query(
      name === 'history' ? 'delete from listening_history' : 'delete from listening_days',
    );
    const r = await events('rebuild', name);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`rebuilt ${name}: \\d+ log entries applied`));
  }
  assert.deepEqual(await derivedState(server.services), before);
});

test('rebuild refuses an unknown consumer, naming the known ones', async () => {
  const r = await events('rebuild', 'nosuch');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /name a consumer to rebuild: one of .*history/);
});

test('rebuild refuses while another process runs the consumer, and changes nothing', async () => {
  await drainConsumers(server.services);
  const before = await derivedState(server.services);
  server.services.consumers.start();
  try {
    const r = await events('rebuild', 'history');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /consumer history is running in another process/);
    assert.deepEqual(await derivedState(server.services), before);
  } finally {
    await server.services.consumers.stop();
  }
});

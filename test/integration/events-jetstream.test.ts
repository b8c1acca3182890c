import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { insertCatalog } from '../helpers/catalog-fixtures.js';
import { play, sendEvents } from '../helpers/events.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { serviceAnswers } from '../helpers/services.js';

/** The whole pipeline with NATS_URL set: intake into JetStream, consumers out of it. */

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const stream = `CADENZA_TEST_${randomBytes(4).toString('hex').toUpperCase()}`;
let skip: string | false = 'not probed yet';
let server: TestServer | undefined;

before(async () => {
  skip = (await serviceAnswers(NATS_URL, 4222)) ? false : `no NATS server answers at ${NATS_URL}`;
  if (!skip) server = await startTestServer({ natsUrl: NATS_URL, natsStream: stream });
});
after(async () => {
  if (!server) return;
  await server.close();
  const u = new URL(NATS_URL);
  const nc = await connect({ servers: `${u.hostname}:${u.port || 4222}` });
  await (await jetstreamManager(nc)).streams.delete(stream).catch(() => false);
  await nc.close();
});

test('with NATS_URL, events go through JetStream: a retried batch counts once, history and streams appear', async (t) => {
  if (skip || !server) return t.skip(skip || 'no server');
  const s = server;
  const ids = await insertCatalog(s.services.database.db, [{ name: 'Delta', artist: 'Dee' }]);
  const track = ids.get('Delta')!.track;
  const { token, id } = await s.account();
  const batch = play(track, Date.now() - 120_000, 40_000);
  assert.equal((await sendEvents(s, token, batch)).body.duplicates, 0);
  assert.equal((await sendEvents(s, token, batch)).body.duplicates, batch.length, 'the Nats-Msg-Id window drops them');
  s.services.consumers.start();
  try {
    const { pool } = s.services.database;
    const deadline = Date.now() + 15_000;
    let streams = 0;
    while (streams === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      streams = (await pool.query('select count(*)::int as n from qualifying_streams where user_id = $1', [id])).rows[0]
        .n;
    }
    assert.equal(streams, 1);
    const history = await s.json('/v1/me/player/recently-played', { token });
    assert.deepEqual(
      history.body.items.map((x: { track: { id: string } }) => x.track.id),
      [track],
    );
    const plays = await pool.query('select listened_ms from plays where user_id = $1', [id]);
    assert.deepEqual(
      plays.rows.map((r) => r.listened_ms),
      [40_000],
    );
  } finally {
    await s.services.consumers.stop();
  }
});

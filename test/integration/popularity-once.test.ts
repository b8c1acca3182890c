import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PgListeningWrites } from '../../src/adapters/postgres/listening-writes-repo.js';
import type { Consumed, LoggedEvent } from '../../src/core/events/types.js';
import { insertCatalog } from '../helpers/catalog-fixtures.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * A play counts once toward popularity, by its id, however often the log delivers it: JetStream drops
 * a re-published event only within its duplicate window, so a batch retried later comes back under a
 * new offset, which the consumer's offset alone would take for a new play.
 */

let server: TestServer;
let writes: PgListeningWrites;
let track: string;

before(async () => {
  server = await startTestServer();
  writes = new PgListeningWrites(server.services.database.db);
  track = (await insertCatalog(server.services.database.db, [{ name: 'Alpha', artist: 'Ada', popularity: 0 }])).get(
    'Alpha',
  )!.track;
});
after(() => server.close());

let offset = 0;
function delivered(id: string): Consumed {
  const at = Date.now() - 60_000;
  const event: LoggedEvent = {
    id,
    user: 'u1',
    type: 'play_start',
    track,
    device: 'phone',
    position: 0,
    at,
    clientAt: at,
    received: at,
    market: 'US',
    product: 'premium',
  };
  return { offset: String(++offset).padStart(20, '0'), event };
}

async function counted(): Promise<{ plays: number; popularity: number }> {
  const { pool } = server.services.database;
  const plays = await pool.query('select coalesce(sum(plays), 0)::int as n from track_play_days where track_id = $1', [
    track,
  ]);
  const score = await pool.query('select popularity from tracks where id = $1', [track]);
  return { plays: plays.rows[0].n, popularity: score.rows[0].popularity };
}

test('a play delivered again under a new offset, or twice in one batch, counts once', async () => {
  await writes.countPlays('popularity', [delivered('u1:a')]);
  assert.deepEqual(await counted(), { plays: 1, popularity: 8 });
  await writes.countPlays('popularity', [delivered('u1:a')]);
  await writes.countPlays('popularity', [delivered('u1:a'), delivered('u1:a')]);
  assert.deepEqual(await counted(), { plays: 1, popularity: 8 }, 'the same play, delivered again');
  await writes.countPlays('popularity', [delivered('u1:b'), delivered('u1:b'), delivered('u1:a')]);
  assert.deepEqual(await counted(), { plays: 2, popularity: 12 }, 'a new play counts, once');
});

test('a rebuild counts every play again from nothing, once each', async () => {
  await writes.clear('popularity', 'popularity');
  offset = 0;
  await writes.countPlays('popularity', [delivered('u1:a'), delivered('u1:b'), delivered('u1:a')]);
  assert.equal((await counted()).plays, 2);
});

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { insertCatalog } from '../helpers/catalog-fixtures.js';
import { drainConsumers, play, sendEvents } from '../helpers/events.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * The royalty tallies (migration 007) are what a run reads instead of qualifying_streams: whoever
 * writes the streams — the plays consumer, a consumer rebuild, a bulk insert, deletes, an update, a
 * truncate — the tallies must equal the raw rows counted again.
 */

let server: TestServer;
let tracks: string[];
const sql = (text: string) => server.services.database.pool.query(text);

before(async () => {
  server = await startTestServer();
  const ids = await insertCatalog(server.services.database.db, [
    { name: 'One', artist: 'X' },
    { name: 'Two', artist: 'Y' },
  ]);
  tracks = [ids.get('One')!.track, ids.get('Two')!.track];
});
after(() => server.close());

/** Rows where the tallies and a fresh count of qualifying_streams differ (none when they agree). */
async function mismatches(): Promise<unknown[]> {
  const streams = await sql(`
    with raw as (
      select period, market, track_id, count(*) filter (where product = 'premium') as premium,
             count(*) filter (where product = 'free') as free
      from qualifying_streams group by period, market, track_id),
    tallied as (
      select t.period, t.market, k.track_id collate "default" as track_id, t.premium, t.free
      from royalty_stream_tallies t join royalty_track_keys k on k.key = t.track_key)
    (select 'missing' as what, * from (select * from raw except select * from tallied) a)
    union all (select 'extra', * from (select * from tallied except select * from raw) b)`);
  const users = await sql(`
    with raw as (
      select period, user_id, market, count(*) as premium from qualifying_streams
      where product = 'premium' group by period, user_id, market),
    tallied as (select period, user_id, market, premium from royalty_user_tallies)
    (select 'missing user' as what, * from (select * from raw except select * from tallied) a)
    union all (select 'extra user', * from (select * from tallied except select * from raw) b)`);
  return [...streams.rows, ...users.rows];
}

const tallyCount = async () => Number((await sql('select count(*) from royalty_stream_tallies')).rows[0].count);

test('streams written by the plays consumer are tallied, and a rebuild of the consumers keeps them equal', async () => {
  const listeners = [await server.account(), await server.account()];
  const now = Date.now();
  for (const [i, { token }] of listeners.entries()) {
    const events = [
      ...play(tracks[0]!, now - 600_000, 45_000),
      ...play(tracks[1]!, now - 400_000, 40_000 + i * 5_000),
      ...play(tracks[0]!, now - 200_000, 10_000), // under 30 s: not a qualifying stream
    ];
    assert.equal((await sendEvents(server, token, events)).status, 200);
  }
  await drainConsumers(server.services);
  const streams = Number((await sql('select count(*) from qualifying_streams')).rows[0].count);
  assert.equal(streams, 4);
  assert.ok((await tallyCount()) > 0);
  assert.deepEqual(await mismatches(), []);

  const before = (await sql('select * from royalty_stream_tallies order by 1, 2, 3')).rows;
  for (const name of server.services.consumers.names()) await server.services.consumers.rebuild(name);
  await drainConsumers(server.services);
  assert.deepEqual(await mismatches(), []);
  assert.deepEqual((await sql('select * from royalty_stream_tallies order by 1, 2, 3')).rows, before);
});

test('bulk inserts, deletes, an update and a truncate keep the tallies equal to the rows', async () => {
  // As bench:royalties loads: thousands of rows in one statement, several tracks, markets and periods.
  await sql(`insert into qualifying_streams (play_id, user_id, track_id, market, product, streamed_at, period)
    select 'bulk' || g, 'u' || (g % 17), (array['${tracks[0]}', '${tracks[1]}', 'gone'])[1 + g % 3],
      (array['DE', 'SE', 'FR'])[1 + g % 5 % 3], case when g % 4 = 0 then 'free' else 'premium' end,
      now(), (array['2026-10', '2026-11'])[1 + g % 2]
    from generate_series(1, 5000) g`);
  assert.deepEqual(await mismatches(), []);
  await sql(`delete from qualifying_streams where play_id like 'bulk%' and (play_id like '%7' or track_id = 'gone')`);
  assert.deepEqual(await mismatches(), []);
  const gone = await sql(`select count(*) from royalty_stream_tallies t join royalty_track_keys k on k.key = t.track_key
    where k.track_id = 'gone'`);
  assert.equal(Number(gone.rows[0].count), 0, 'a tally that reached zero is removed');
  await sql(`update qualifying_streams set market = 'GB', product = 'free' where play_id like 'bulk1%'`);
  assert.deepEqual(await mismatches(), []);
  await sql('truncate qualifying_streams');
  assert.equal(await tallyCount(), 0);
  assert.deepEqual(await mismatches(), []);
});

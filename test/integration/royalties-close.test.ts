import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { PgRoyaltiesRepository } from '../../src/adapters/postgres/royalties-repo.js';
import { Conflict } from '../../src/core/errors.js';
import { RoyaltyService } from '../../src/core/royalties/royalty-service.js';
import { type RoyaltyWorld, royaltyWorld } from '../helpers/royalties.js';

/**
 * Closing a period while a stream is being assigned to it: the two cannot cross. A stream committed
 * while the close waits is counted (the close is refused, and a rerun includes it); a stream assigned
 * after the close goes to the next open period. Nothing lands in a closed period behind its back.
 */

const PERIOD = '2027-03';
let w: RoyaltyWorld;
let royalties: RoyaltyService;
let consumer: pg.Client;

before(async () => {
  w = await royaltyWorld();
  royalties = new RoyaltyService(new PgRoyaltiesRepository(w.server.services.database.pool));
  const r = await w.price('DE', PERIOD, '10000000', '6500', '0');
  assert.equal(r.code, 0, r.stderr);
  await w.stream('u1', w.tracks.t1, 'DE', 'premium', 2, PERIOD);
  // A second connection plays the plays consumer's part: a transaction assigning a stream its period.
  consumer = new pg.Client({ connectionString: w.server.services.config.databaseUrl! });
  await consumer.connect();
});
after(async () => {
  await consumer.end();
  await w.server.close();
});

const assign = (play: string) =>
  consumer.query(
    `insert into qualifying_streams (play_id, user_id, track_id, market, product, streamed_at, period)
     values ($1, 'u9', $2, 'DE', 'premium', '2027-03-20T10:00:00Z', cadenza_open_period('2027-03-20T10:00:00Z'))
     returning period`,
    [play, w.tracks.t1],
  );

test('a stream being assigned while the period closes holds the close back, which then refuses', async () => {
  await consumer.query('begin');
  assert.equal((await assign('race-1')).rows[0].period, PERIOD);
  let settled = false;
  // The outcome is caught at once: the close may fail before the commit's answer is read, and a
  // rejection nobody has handled yet would fail the test by itself.
  const closing = royalties.run(PERIOD, { close: true }).then(
    () => 'closed',
    (err: Error) => err,
  );
  void closing.finally(() => {
    settled = true;
  });
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(settled, false, 'the close waits for the stream’s transaction');
  await consumer.query('commit');
  const outcome = await closing;
  assert.ok(outcome instanceof Conflict && /arrived during the run/.test(outcome.message), String(outcome));
  const closed = await w.sql('select closed_at from royalty_periods where period = $1', [PERIOD]);
  assert.equal(closed.rows[0].closed_at, null, 'still open');

  const summary = await royalties.run(PERIOD, { close: true });
  assert.equal(summary.streams, 3, 'the stream that raced is in the closed period');
});

test('a stream assigned after the close lands in the next open period, and the closed one verifies', async () => {
  const period = (await assign('late-1')).rows[0].period;
  assert.equal(period, '2027-04');
  const again = await royalties.run(PERIOD);
  assert.equal(again.verified, true);
  assert.equal(again.streams, 3);
});

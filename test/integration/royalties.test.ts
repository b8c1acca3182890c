import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { october, P, type RoyaltyWorld, royaltyWorld } from '../helpers/royalties.js';
import { eventually } from '../helpers/server.js';

/**
 * Streams → run → statements over real PostgreSQL through the CLI: hand-computed amounts, the SQL of
 * docs/royalties.md against the run, closing and byte-identical reruns, missing prices, the job.
 */

let w: RoyaltyWorld;
let tracks: RoyaltyWorld['tracks'];
let holders: RoyaltyWorld['holders'];
let run: RoyaltyWorld['run'];
let sql: RoyaltyWorld['sql'];
let stream: RoyaltyWorld['stream'];
let setSplits: RoyaltyWorld['setSplits'];
let linesDump: RoyaltyWorld['linesDump'];
let price: RoyaltyWorld['price'];

before(async () => {
  w = await royaltyWorld();
  ({ tracks, holders, run, sql, stream, setSplits, linesDump, price } = w);
  await october(w);
});
after(() => w.server.close());

test('a run shares each market pool exactly, by hand-computed amounts', { timeout: 60_000 }, async () => {
  const { t1, t2, t3 } = tracks;
  const r = await run('run', '--period', P, '--json');
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  // DE: 2 premium users × 10.00 × 65 % = 13.000000 by premium streams t1 4, t2 1, t3 2:
  //   7428571 r3, 1857142 r6, 3714285 r5 → +1 to t2 and t3. Ad 2.000000 by free t1 1, t2 2:
  //   666666 r2, 1333333 r1 → +1 to t1. t1 = 8095238, t2 = 3190476, t3 = 3714286 (unassigned).
  //   t1 split 60/40: 4857142.8 and 3238095.2 → A 4857143, B 3238095.
  // SE: 1 premium user (u4) × 12.00 × 70 % = 8.400000, all t2 → B. FR: no streams, 0.500000 unallocated.
  assert.deepEqual(
    await linesDump(),
    [
      {
        market: 'DE',
        track_id: t1,
        holder_id: holders.A,
        share_bp: 6000,
        premium_streams: 4,
        free_streams: 1,
        amount_micros: '4857143',
      },
      {
        market: 'DE',
        track_id: t1,
        holder_id: holders.B,
        share_bp: 4000,
        premium_streams: 4,
        free_streams: 1,
        amount_micros: '3238095',
      },
      {
        market: 'DE',
        track_id: t2,
        holder_id: holders.B,
        share_bp: 10000,
        premium_streams: 1,
        free_streams: 2,
        amount_micros: '3190476',
      },
      {
        market: 'DE',
        track_id: t3,
        holder_id: null,
        share_bp: 10000,
        premium_streams: 2,
        free_streams: 0,
        amount_micros: '3714286',
      },
      {
        market: 'SE',
        track_id: t2,
        holder_id: holders.B,
        share_bp: 10000,
        premium_streams: 3,
        free_streams: 0,
        amount_micros: '8400000',
      },
    ].sort((a, b) => (a.market + a.track_id + a.holder_id < b.market + b.track_id + b.holder_id ? -1 : 1)),
  );
  assert.equal(summary.streams, 13);
  assert.equal(summary.poolMicros, String(15_000_000 + 8_400_000 + 500_000));
  assert.equal(summary.paidMicros, String(4857143 + 3238095 + 3190476 + 8400000));
  assert.equal(summary.unassignedMicros, '3714286');
  assert.equal(summary.unallocatedMicros, '500000');
  const markets = (
    await sql(
      `select market, premium_users, (paid_micros + unassigned_micros + unallocated_micros)::text as total,
      (premium_pool_micros + ad_pool_micros)::text as pool from royalty_run_markets where period = $1 order by market`,
      [P],
    )
  ).rows;
  assert.deepEqual(markets, [
    { market: 'DE', premium_users: 2, total: '15000000', pool: '15000000' },
    { market: 'FR', premium_users: 0, total: '500000', pool: '500000' },
    { market: 'SE', premium_users: 1, total: '8400000', pool: '8400000' },
  ]);
  const text = await run('run', '--period', P);
  assert.match(text.stdout, /royalties 2026-10 \(open\): 13 streams, 5 statement lines/);
  assert.match(text.stdout, /pool 23\.900000 = paid 19\.685714 \+ unassigned 3\.714286 \+ unallocated 0\.500000/);
});

test('the SQL in docs/royalties.md computes the same lines as the run', { timeout: 60_000 }, async () => {
  const doc = await readFile(new URL('../../docs/royalties.md', import.meta.url), 'utf8');
  const query = /<!-- royalty-sql:begin -->\s*```sql\n([\s\S]*?)```/.exec(doc)![1]!;
  const key = (r: unknown[]) => r.slice(0, 3).join('|');
  const compare = async (period: string) => {
    const fromSql = (await sql(query, [period])).rows.map((r) => [
      r.market,
      r.track_id,
      r.holder_id,
      r.share_bp,
      `${r.amount_micros}`,
    ]);
    const stored = (await linesDump(period)).map((r) => [
      r.market,
      r.track_id,
      r.holder_id,
      r.share_bp,
      r.amount_micros,
    ]);
    assert.ok(stored.length > 0);
    assert.deepEqual(
      fromSql.sort((a, b) => key(a).localeCompare(key(b))),
      stored.sort((a, b) => key(a).localeCompare(key(b))),
    );
  };
  await compare(P);
  // A larger, pseudo-random period: 40 users, 3 markets, the three split tracks and 20 without splits.
  const R = '2027-01';
  let seed = 7;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const pool = [tracks.t1, tracks.t2, tracks.t3, ...Array.from({ length: 20 }, (_, i) => `loose${i}`)];
  for (let i = 0; i < 600; i++) {
    const user = rand(40);
    await stream(
      `r${user}`,
      pool[rand(pool.length)]!,
      ['DE', 'SE', 'FR'][user % 3]!,
      user % 4 === 0 ? 'free' : 'premium',
      1,
      R,
    );
  }
  for (const [market, ad] of [
    ['DE', '777777'],
    ['SE', '0'],
    ['FR', '1000003'],
  ]) {
    await price(market!, R, '9990001', '6667', ad!);
  }
  assert.equal((await run('run', '--period', R)).code, 0);
  await compare(R);
});

test('closing, then rerunning a closed period, gives byte-identical statements', { timeout: 60_000 }, async () => {
  const before = await linesDump();
  const closed = JSON.parse((await run('run', '--period', P, '--close', '--json')).stdout);
  assert.equal(closed.closed, true);
  const period = await sql('select closed_at from royalty_periods where period = $1', [P]);
  assert.ok(period.rows[0].closed_at instanceof Date);
  // Splits change after the close: the closed period is recomputed with the splits it was paid with.
  assert.equal((await setSplits(tracks.t1, [[holders.C, 10000]])).status, 200);
  const rerun = await run('run', '--period', P, '--json');
  assert.equal(rerun.code, 0, rerun.stderr);
  const again = JSON.parse(rerun.stdout);
  assert.equal(again.verified, true);
  assert.equal(again.digest, closed.digest);
  assert.deepEqual(await linesDump(), before);
  const frozen = await price('DE', P, '1', '1', '1');
  assert.equal(frozen.code, 2);
  assert.match(frozen.stderr, /period 2026-10 is closed/);
  // A stream slipped into the closed period behind the consumer's back is detected, not absorbed.
  await stream('u9', tracks.t1, 'DE', 'premium', 1);
  const tampered = await run('run', '--period', P);
  assert.equal(tampered.code, 2);
  assert.match(tampered.stderr, /recomputing closed period 2026-10 gave different statements/);
  await sql(`delete from qualifying_streams where user_id = 'u9'`);
});

test('a market with streams but no prices stops the run, naming the market; --job queues it', async () => {
  await stream('u5', tracks.t1, 'NO', 'premium', 1, '2026-12');
  const r = await run('run', '--period', '2026-12');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /no prices for NO in 2026-12/);
  assert.equal((await sql(`select count(*)::int as n from royalty_runs where period = '2026-12'`)).rows[0].n, 0);
  await price('DE', '2026-11', '1000000', '5000', '0');
  const queued = await run('run', '--period', '2026-11', '--job');
  assert.match(queued.stdout, /queued royalties\.run for 2026-11/);
  // The server's worker runs it: 1 premium user × 1.00 × 50 % for u1's 5 streams of t1, whose
  // split became 100 % holder C after October closed.
  const lines = await eventually(
    async () => {
      const rows = await linesDump('2026-11');
      return rows.length > 0 && rows;
    },
    30_000,
    'the queued run',
  );
  assert.deepEqual(
    lines.map((l) => [l.holder_id, l.amount_micros]),
    [[holders.C, '500000']],
  );
});

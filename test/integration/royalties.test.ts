import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { insertCatalog } from '../helpers/catalog-fixtures.js';
import { cadenza } from '../helpers/cli.js';
import { eventually, startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Streams → run → statements over real PostgreSQL, through the CLI and the API. The expected amounts
 * are computed by hand in the comments of the first test.
 */

let server: TestServer;
let env: Record<string, string>;
let admin: string;
let artistA: { token: string; id: string };
let artistB: { token: string; id: string };
const holders: Record<'A' | 'B' | 'C', string> = { A: '', B: '', C: '' };
let tracks: { t1: string; t2: string; t3: string };
const P = '2026-10';

const run = async (...args: string[]) => {
  const r = await cadenza(['royalties', ...args], env).done;
  return r;
};
const sql = (text: string, values: unknown[] = []) => server.services.database.pool.query(text, values);

// The event consumers' tables (migration 005); created here when that migration is not in this tree.
async function ensureStreamTables(): Promise<void> {
  await sql(`create table if not exists qualifying_streams (play_id text primary key, user_id text not null,
    track_id text not null, market char(2) not null, product text not null check (product in ('free','premium')),
    streamed_at timestamptz not null, period char(7) not null)`);
  await sql('create table if not exists royalty_periods (period char(7) primary key, closed_at timestamptz)');
}

let plays = 0;
async function stream(user: string, track: string, market: string, product: string, n: number, period = P) {
  for (let i = 0; i < n; i++) {
    await sql('insert into qualifying_streams values ($1, $2, $3, $4, $5, $6, $7)', [
      `play${++plays}`,
      user,
      track,
      market,
      product,
      `${period}-15T12:00:00Z`,
      period,
    ]);
  }
}

async function setSplits(track: string, splits: [string, number][], token = admin) {
  return server.json(`/v1/tracks/${track}/royalty-splits`, {
    method: 'PUT',
    token,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ splits: splits.map(([holder_id, share_bp]) => ({ holder_id, share_bp })) }),
  });
}

const linesDump = async (period = P) =>
  (
    await sql(
      `select market, track_id, holder_id, share_bp, premium_streams, free_streams, amount_micros::text
       from royalty_statement_lines where period = $1 order by market, track_id, holder_id`,
      [period],
    )
  ).rows;

before(async () => {
  server = await startTestServer();
  env = { DATABASE_URL: server.services.config.databaseUrl!, CADENZA_DATA_DIR: server.dataDir, LOG_LEVEL: 'warn' };
  await ensureStreamTables();
  admin = (await server.account({ role: 'admin' })).token;
  artistA = await server.account({ role: 'artist' });
  artistB = await server.account({ role: 'artist' });
  const ids = await insertCatalog(server.services.database.db, [
    { name: 'One', artist: 'X' },
    { name: 'Two', artist: 'Y' },
    { name: 'Three', artist: 'Z' },
  ]);
  tracks = { t1: ids.get('One')!.track, t2: ids.get('Two')!.track, t3: ids.get('Three')!.track };
  for (const [key, user] of [
    ['A', artistA.id],
    ['B', artistB.id],
    ['C', null],
  ] as const) {
    const r = await server.json('/v1/royalties/rights-holders', {
      method: 'POST',
      token: admin,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: `Holder ${key}`, user_id: user }),
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    holders[key] = r.body.id;
  }
});
after(() => server.close());

test('splits that do not sum to 100 % are refused with 400 naming the field; only admins set them', async () => {
  const short = await setSplits(tracks.t1, [
    [holders.A, 6000],
    [holders.B, 3000],
  ]);
  assert.equal(short.status, 400);
  assert.match(short.body.error.message, /^splits must sum to exactly 10000 .*9000 \(90 %\)/);
  const zero = await setSplits(tracks.t1, [
    [holders.A, 0],
    [holders.B, 10000],
  ]);
  assert.equal(zero.status, 400);
  assert.match(zero.body.error.message, /body\.splits\.0\.share_bp/);
  const stranger = await setSplits(tracks.t1, [['nobody', 10000]]);
  assert.equal(stranger.status, 400);
  assert.match(stranger.body.error.message, /splits\[0\]\.holder_id/);
  assert.equal((await setSplits(tracks.t1, [[holders.A, 10000]], artistA.token)).status, 403);
  const ok = await setSplits(tracks.t1, [
    [holders.A, 6000],
    [holders.B, 4000],
  ]);
  assert.equal(ok.status, 200);
  assert.equal(ok.body.splits.length, 2);
  assert.equal((await setSplits(tracks.t2, [[holders.B, 10000]])).status, 200);
  // t3 keeps no splits: its money is unassigned.
  const cli = await run('split', '--track', tracks.t2, '--share', `${holders.B}:9999`);
  assert.equal(cli.code, 2);
  assert.match(cli.stderr, /sum to exactly 10000/);
});

test('a run shares each market pool exactly, by hand-computed amounts', { timeout: 60_000 }, async () => {
  for (const [market, price, bp, ad] of [
    ['DE', '10000000', '6500', '2000000'],
    ['SE', '12000000', '7000', '0'],
    ['FR', '9000000', '6000', '500000'],
  ]) {
    const r = await run(
      'price',
      '--market',
      market!,
      '--period',
      P,
      '--premium-price-micros',
      price!,
      '--payout-bp',
      bp!,
      '--ad-revenue-micros',
      ad!,
    );
    assert.equal(r.code, 0, r.stderr);
  }
  const { t1, t2, t3 } = tracks;
  await stream('u1', t1, 'DE', 'premium', 3);
  await stream('u1', t2, 'DE', 'premium', 1);
  await stream('u1', t2, 'SE', 'premium', 1); // travelling: u1's home market stays DE (4 of 5 streams)
  await stream('u2', t1, 'DE', 'premium', 1);
  await stream('u2', t3, 'DE', 'premium', 2);
  await stream('u3', t1, 'DE', 'free', 1);
  await stream('u3', t2, 'DE', 'free', 2);
  await stream('u4', t2, 'SE', 'premium', 2);
  await stream('u1', t1, 'DE', 'premium', 5, '2026-11'); // another period: not in this run

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
    await run(
      'price',
      '--market',
      market!,
      '--period',
      R,
      '--premium-price-micros',
      '9990001',
      '--payout-bp',
      '6667',
      '--ad-revenue-micros',
      ad!,
    );
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
  const price = await run(
    'price',
    '--market',
    'DE',
    '--period',
    P,
    '--premium-price-micros',
    '1',
    '--payout-bp',
    '1',
    '--ad-revenue-micros',
    '1',
  );
  assert.equal(price.code, 2);
  assert.match(price.stderr, /period 2026-10 is closed/);
  // A stream slipped into the closed period behind the consumer's back is detected, not absorbed.
  await stream('u9', tracks.t1, 'DE', 'premium', 1);
  const tampered = await run('run', '--period', P);
  assert.equal(tampered.code, 2);
  assert.match(tampered.stderr, /recomputing closed period 2026-10 gave different statements/);
  await sql(`delete from qualifying_streams where user_id = 'u9'`);
});

test('artists see only the statements of their own rights holders', async () => {
  const a = await server.json(`/v1/me/royalties/statements?period=${P}`, { token: artistA.token });
  assert.equal(a.status, 200);
  assert.deepEqual(
    a.body.items.map((l: { holder: { id: string }; amount_micros: string }) => [l.holder.id, l.amount_micros]),
    [[holders.A, '4857143']],
  );
  assert.equal(a.body.items[0].track.name, 'One');
  assert.deepEqual(a.body.totals, [{ market: 'DE', amount_micros: '4857143' }]);
  const b = await server.json(`/v1/me/royalties/statements?period=${P}`, { token: artistB.token });
  assert.deepEqual(b.body.totals, [
    { market: 'DE', amount_micros: String(3238095 + 3190476) },
    { market: 'SE', amount_micros: '8400000' },
  ]);
  assert.ok(b.body.items.every((l: { holder: { id: string } }) => l.holder.id === holders.B));
  const listener = await server.account();
  assert.equal((await server.json(`/v1/me/royalties/statements?period=${P}`, { token: listener.token })).status, 403);
  assert.equal((await server.json(`/v1/me/royalties/statements?period=2026-13`, { token: artistA.token })).status, 400);
  const csv = await server.request(`/v1/me/royalties/statements?period=${P}&format=csv`, { token: artistB.token });
  assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
  assert.equal((await csv.text()).split('\r\n').length, 1 + 3 + 1);
});

test('statements as CSV from the CLI: one holder on stdout, or one file per holder', async () => {
  const r = await run('statement', '--period', P, '--holder', holders.B);
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout.trimEnd().split('\r\n');
  assert.equal(
    rows[0],
    'period,market,holder_id,holder_name,track_id,track_name,share_bp,premium_streams,free_streams,amount_micros',
  );
  assert.equal(rows.length, 4);
  assert.deepEqual(
    rows.slice(1).map((row) => row.split(',').length),
    [10, 10, 10],
  );
  assert.ok(rows.slice(1).every((row) => row.startsWith(`${P},`) && row.includes(`,${holders.B},Holder B,`)));
  const cents = rows.slice(1).reduce((sum, row) => sum + Number(row.split(',')[9]), 0);
  assert.equal(cents, 3238095 + 3190476 + 8400000);
  const dir = await mkdtemp(join(tmpdir(), 'cadenza-statements-'));
  try {
    assert.equal((await run('statement', '--period', P, '--out', dir)).code, 0);
    const files = (await readdir(dir)).sort();
    assert.deepEqual(files, [`${P}_${holders.A}.csv`, `${P}_${holders.B}.csv`].sort());
    assert.equal(await readFile(join(dir, `${P}_${holders.B}.csv`), 'utf8'), r.stdout);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a market with streams but no prices stops the run, naming the market; --job queues it', async () => {
  await stream('u5', tracks.t1, 'NO', 'premium', 1, '2026-12');
  const r = await run('run', '--period', '2026-12');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /no prices for NO in 2026-12/);
  assert.equal((await sql(`select count(*)::int as n from royalty_runs where period = '2026-12'`)).rows[0].n, 0);
  await run(
    'price',
    '--market',
    'DE',
    '--period',
    '2026-11',
    '--premium-price-micros',
    '1000000',
    '--payout-bp',
    '5000',
    '--ad-revenue-micros',
    '0',
  );
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

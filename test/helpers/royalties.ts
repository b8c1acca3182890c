import assert from 'node:assert/strict';
import { insertCatalog } from './catalog-fixtures.js';
import { type CliResult, cadenza } from './cli.js';
import { startTestServer, type TestServer } from './server.js';

/**
 * The royalty tests' world: a server, an admin, two artist accounts each linked to a rights holder
 * (A, B) and a holder without an account (C), three tracks, and October 2026's streams and prices.
 * The amounts they lead to are worked out by hand in test/integration/royalties.test.ts.
 */

export const P = '2026-10';

export interface RoyaltyWorld {
  server: TestServer;
  admin: string;
  artistA: { token: string; id: string };
  artistB: { token: string; id: string };
  holders: Record<'A' | 'B' | 'C', string>;
  tracks: { t1: string; t2: string; t3: string };
  /** `cadenza royalties ARGS` as a child process on the server's database. */
  run(...args: string[]): Promise<CliResult>;
  // biome-ignore lint/suspicious/noExplicitAny: tests read rows column by column
  sql(text: string, values?: unknown[]): Promise<{ rows: any[] }>;
  stream(user: string, track: string, market: string, product: string, n: number, period?: string): Promise<void>;
  // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies field by field
  setSplits(track: string, splits: [string, number][], token?: string): Promise<{ status: number; body: any }>;
  linesDump(period?: string): Promise<Record<string, unknown>[]>;
  price(market: string, period: string, premiumMicros: string, payoutBp: string, adMicros: string): Promise<CliResult>;
}

export async function royaltyWorld(): Promise<RoyaltyWorld> {
  const server = await startTestServer();
  const env = {
    DATABASE_URL: server.services.config.databaseUrl!,
    CADENZA_DATA_DIR: server.dataDir,
    LOG_LEVEL: 'warn',
  };
  const sql = (text: string, values: unknown[] = []) => server.services.database.pool.query(text, values);
  const admin = (await server.account({ role: 'admin' })).token;
  const artistA = await server.account({ role: 'artist' });
  const artistB = await server.account({ role: 'artist' });
  const ids = await insertCatalog(server.services.database.db, [
    { name: 'One', artist: 'X' },
    { name: 'Two', artist: 'Y' },
    { name: 'Three', artist: 'Z' },
  ]);
  const holders = { A: '', B: '', C: '' };
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
  let plays = 0;
  const run = (...args: string[]) => cadenza(['royalties', ...args], env).done;
  return {
    server,
    admin,
    artistA,
    artistB,
    holders,
    tracks: { t1: ids.get('One')!.track, t2: ids.get('Two')!.track, t3: ids.get('Three')!.track },
    run,
    sql,
    async stream(user, track, market, product, n, period = P) {
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
    },
    setSplits(track, splits, token = admin) {
      return server.json(`/v1/tracks/${track}/royalty-splits`, {
        method: 'PUT',
        token,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ splits: splits.map(([holder_id, share_bp]) => ({ holder_id, share_bp })) }),
      });
    },
    async linesDump(period = P) {
      const r = await sql(
        `select market, track_id, holder_id, share_bp, premium_streams, free_streams, amount_micros::text
         from royalty_statement_lines where period = $1 order by market, track_id, holder_id`,
        [period],
      );
      return r.rows;
    },
    price: (market, period, premium, bp, ad) =>
      run(
        'price',
        '--market',
        market,
        '--period',
        period,
        '--premium-price-micros',
        premium,
        '--payout-bp',
        bp,
        '--ad-revenue-micros',
        ad,
      ),
  };
}

/** October: splits (t1 A 60 % / B 40 %, t2 B, t3 none), prices in DE, SE and FR, and 13 streams. */
export async function october(w: RoyaltyWorld): Promise<void> {
  const { t1, t2, t3 } = w.tracks;
  const { A, B } = w.holders;
  assert.equal(
    (
      await w.setSplits(t1, [
        [A, 6000],
        [B, 4000],
      ])
    ).status,
    200,
  );
  assert.equal((await w.setSplits(t2, [[B, 10000]])).status, 200);
  for (const [market, price, bp, ad] of [
    ['DE', '10000000', '6500', '2000000'],
    ['SE', '12000000', '7000', '0'],
    ['FR', '9000000', '6000', '500000'],
  ] as const) {
    const r = await w.price(market, P, price, bp, ad);
    assert.equal(r.code, 0, r.stderr);
  }
  await w.stream('u1', t1, 'DE', 'premium', 3);
  await w.stream('u1', t2, 'DE', 'premium', 1);
  await w.stream('u1', t2, 'SE', 'premium', 1); // travelling: u1's home market stays DE (4 of 5 streams)
  await w.stream('u2', t1, 'DE', 'premium', 1);
  await w.stream('u2', t3, 'DE', 'premium', 2);
  await w.stream('u3', t1, 'DE', 'free', 1);
  await w.stream('u3', t2, 'DE', 'free', 2);
  await w.stream('u4', t2, 'SE', 'premium', 2);
  await w.stream('u1', t1, 'DE', 'premium', 5, '2026-11'); // another period: not in October's run
}

/**
 * bench:royalties — a royalty run over N synthetic qualifying streams (default 10 M; BENCH_ROYALTY_STREAMS
 * takes a comma list, e.g. 10000000,100000000) across 1 M tracks (1–3 rights holders each, 2 M splits)
 * and 100 k rights holders, in 8 markets, on the PostgreSQL at BENCH_DATABASE_URL (default
 * 127.0.0.1:5432), one fresh database per size.
 *
 * Printed per size: the baseline (a plain GROUP BY market, track count over the same rows, measured in
 * the same run), the royalty run's wall time and the ratio, peak RSS of the process that ran it (a
 * child, so nothing else is in it), peak private memory of the PostgreSQL backends serving it and the
 * temporary bytes they spilled, the reconciliation (micro-units not accounted for: must be 0), and a
 * rerun of the closed period (recomputed and compared, byte for byte by digest).
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { openDatabase } from '../src/adapters/postgres/database.js';
import { PgRoyaltiesRepository } from '../src/adapters/postgres/royalties-repo.js';
import { RoyaltyService } from '../src/core/royalties/royalty-service.js';

const PERIOD = '2026-10';
const SIZES = (process.env.BENCH_ROYALTY_STREAMS ?? '10000000').split(',').map(Number);
const TRACKS = Number(process.env.BENCH_ROYALTY_TRACKS ?? 1_000_000);
const HOLDERS = Number(process.env.BENCH_ROYALTY_HOLDERS ?? 100_000);
const USERS = Number(process.env.BENCH_ROYALTY_USERS ?? 1_000_000);
const MARKETS = ['BR', 'DE', 'FR', 'GB', 'JP', 'MX', 'SE', 'US'];
const CHUNK = 5_000_000;
const ADMIN = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const log = (line: string) => process.stdout.write(`${line}\n`);

/** Child mode: one run in a process of its own, so its peak RSS is the run's. */
async function child(url: string, close: boolean): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  const service = new RoyaltyService(new PgRoyaltiesRepository(pool));
  const started = performance.now();
  const s = await service.run(PERIOD, { close });
  const ms = performance.now() - started;
  await pool.end();
  const out = {
    ms,
    maxRss: process.resourceUsage().maxRSS * 1024,
    lines: s.lines,
    digest: s.digest,
    verified: s.verified,
  };
  process.stdout.write(`${JSON.stringify({ ...out, streams: s.streams, pool: `${s.poolMicros}` })}\n`);
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}

/** Synthetic data, generated inside PostgreSQL; streams skewed towards low track numbers (x² of uniform). */
async function load(url: string, streams: number): Promise<void> {
  const a = new pg.Client({ connectionString: url });
  await a.connect();
  // The consumer's play_id key and period index only slow the synthetic load; the run scans the table.
  await a.query('alter table qualifying_streams drop constraint if exists qualifying_streams_pkey');
  await a.query('drop index if exists qualifying_streams_period_idx');
  const trackId = (n: string) => `substr(md5(${n}::text), 1, 22)`;
  const t0 = performance.now();
  await a.query(`insert into rights_holders (id, name)
    select 'h' || lpad(i::text, 7, '0'), 'Holder ' || i from generate_series(0, ${HOLDERS - 1}) i`);
  await a.query(`insert into royalty_splits (track_id, holder_id, share_bp)
    select ${trackId('t')}, 'h' || lpad(((t::bigint * 7919 + j * 4729) % ${HOLDERS})::text, 7, '0'),
      (array[array[10000, 0, 0], array[6000, 4000, 0], array[5000, 3000, 2000]])[1 + t % 3][1 + j]
    from generate_series(0, ${TRACKS - 1}) t, generate_series(0, 2) j where j <= t % 3`);
  for (const m of MARKETS) {
    await a.query(
      `insert into royalty_prices (market, period, premium_price_micros, payout_bp, ad_revenue_micros)
       values ($1, $2, 10990000, 6500, 50000000000)`,
      [m, PERIOD],
    );
  }
  const ranges: [number, number][] = [];
  for (let from = 1; from <= streams; from += CHUNK) ranges.push([from, Math.min(streams, from + CHUNK - 1)]);
  const insert = async (client: pg.Client, [from, to]: [number, number]) =>
    client.query(`insert into qualifying_streams (play_id, user_id, track_id, market, product, streamed_at, period)
      select 'p' || g, 'u' || u, ${trackId('t')}, (array['${MARKETS.join("','")}'])[1 + u % 8],
        case when u % 10 < 4 then 'free' else 'premium' end,
        timestamptz '2026-10-01 00:00:00Z' + (g % 2678400) * interval '1 second', '${PERIOD}'
      from (select g, (hashint4(g) & 2147483647) % ${USERS} as u,
              floor(${TRACKS} * power((hashint4(g # 1234567) & 2147483647) / 2147483648.0, 2))::int as t
            from generate_series(${from}, ${to}) g) s`);
  const b = new pg.Client({ connectionString: url });
  await b.connect();
  let next = 0;
  let done = 0;
  const worker = async (client: pg.Client) => {
    while (next < ranges.length) {
      const range = ranges[next++]!;
      await insert(client, range);
      done += range[1] - range[0] + 1;
      process.stderr.write(`\r  loaded ${done.toLocaleString('en')} streams `);
    }
  };
  await Promise.all([worker(a), worker(b)]);
  process.stderr.write('\n');
  await b.end();
  await a.query('vacuum (analyze) qualifying_streams');
  await a.query('analyze royalty_splits');
  log(`  synthetic data loaded and vacuumed in ${secs(performance.now() - t0)}`);
  await a.end();
}

/** Peak private (anonymous) memory of all backends on the database, sampled every 200 ms. */
function pgMemorySampler(admin: pg.Client, database: string) {
  let peak = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const r = await admin.query('select pid from pg_stat_activity where datname = $1', [database]);
      let total = 0;
      for (const { pid } of r.rows) {
        const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
        total += Number(/RssAnon:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
      }
      peak = Math.max(peak, total);
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    return peak;
  };
}

interface ChildResult {
  ms: number;
  maxRss: number;
  lines: number;
  digest: string;
  verified: boolean;
  streams: number;
  pool: string;
}

function runChild(url: string, close: boolean): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const args = ['--import', 'tsx', new URL(import.meta.url).pathname, '--child', url, String(close)];
    const c = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d) => {
      out += d;
    });
    c.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`run exited ${code}`))));
  });
}

async function benchSize(admin: pg.Client, streams: number): Promise<void> {
  const name = `cadenza_bench_royalties_${Date.now().toString(36)}`;
  await admin.query(`create database ${name}`);
  const url = new URL(ADMIN);
  url.pathname = `/${name}`;
  try {
    log(
      `\n${streams.toLocaleString('en')} streams · ${TRACKS.toLocaleString('en')} tracks · ${HOLDERS.toLocaleString('en')} rights holders · ${MARKETS.length} markets · ${USERS.toLocaleString('en')} users`,
    );
    const handle = await openDatabase({ databaseUrl: url.toString(), dataDir: '/tmp' });
    await handle.close();
    await load(url.toString(), streams);
    const db = new pg.Client({ connectionString: url.toString() });
    await db.connect();
    const size = await db.query(`select pg_total_relation_size('qualifying_streams')::bigint as b`);
    log(`  qualifying_streams: ${mb(Number(size.rows[0].b))}`);
    // The same session settings as the run's aggregations (see royalties-repo.ts), so only the work differs.
    await db.query(`set jit = off; set work_mem = '128MB'`);
    const baseline = await timed(() =>
      db.query(`select count(*) as groups from (select market, track_id, count(*) from qualifying_streams
        where period = '${PERIOD}' group by market, track_id) g`),
    );
    log(`  baseline GROUP BY market, track count: ${secs(baseline.ms)} (${baseline.value.rows[0].groups} groups)`);

    const temp = async () =>
      Number(
        (await admin.query('select temp_bytes from pg_stat_database where datname = $1', [name])).rows[0].temp_bytes,
      );
    const tempBefore = await temp();
    const stopSampler = pgMemorySampler(admin, name);
    const run = await runChild(url.toString(), true);
    const pgPeak = await stopSampler();
    const spilled = (await temp()) - tempBefore;
    log(
      `  royalty run (closes the period): ${secs(run.ms)} · ${run.lines.toLocaleString('en')} statement lines · ratio to baseline ${(run.ms / baseline.ms).toFixed(2)}×`,
    );
    log(
      `  peak RSS of the run's process: ${mb(run.maxRss)} · PostgreSQL backends' peak private memory: ${mb(pgPeak)} · spilled to temp files: ${mb(spilled)}`,
    );

    const reconcile = await db.query(
      `select
        (select coalesce(sum(premium_pool_micros + ad_pool_micros), 0) from royalty_run_markets where period = $1)
      - (select coalesce(sum(amount_micros), 0) from royalty_statement_lines where period = $1)
      - (select coalesce(sum(unallocated_micros), 0) from royalty_run_markets where period = $1) as off`,
      [PERIOD],
    );
    log(
      `  pool ${run.pool} micro-units over ${run.streams.toLocaleString('en')} streams; unreconciled micro-units: ${reconcile.rows[0].off}`,
    );
    await db.end();

    const rerun = await runChild(url.toString(), false);
    log(
      `  rerun of the closed period: ${secs(rerun.ms)}, ${rerun.verified && rerun.digest === run.digest ? 'byte-identical (same digest)' : 'DIFFERENT'} · peak RSS ${mb(rerun.maxRss)}`,
    );
  } finally {
    if (process.env.BENCH_ROYALTY_KEEP) log(`  kept database ${name}`);
    else await admin.query(`drop database if exists ${name} with (force)`);
  }
}

if (process.argv[2] === '--child') {
  await child(process.argv[3]!, process.argv[4] === 'true');
} else {
  const admin = new pg.Client({ connectionString: ADMIN });
  await admin.connect();
  const settings = await admin.query(
    `select name, setting from pg_settings where name in ('work_mem', 'shared_buffers', 'max_parallel_workers_per_gather')`,
  );
  log(`bench:royalties on ${new URL(ADMIN).host}: ${settings.rows.map((r) => `${r.name}=${r.setting}`).join(', ')}`);
  for (const streams of SIZES) await benchSize(admin, streams);
  await admin.end();
}

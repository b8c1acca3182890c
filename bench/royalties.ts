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
 *
 * BENCH_ROYALTY_TALLIES=recount loads with the tally triggers off and counts the tallies once after.
 * BENCH_ROYALTY_KEEP=1 keeps each database; BENCH_ROYALTY_DATABASE=NAME runs on a kept one instead
 * of loading (its period reopened first), for measuring changes to the run without reloading.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import pg from 'pg';
import { openDatabase } from '../src/adapters/postgres/database.js';
import { PgRoyaltiesRepository } from '../src/adapters/postgres/royalties-repo.js';
import { RoyaltyService } from '../src/core/royalties/royalty-service.js';
import type { RoyaltiesRepository, RunWriter } from '../src/core/royalties/types.js';

const PERIOD = '2026-10';
const SIZES = (process.env.BENCH_ROYALTY_STREAMS ?? '10000000').split(',').map(Number);
const TRACKS = Number(process.env.BENCH_ROYALTY_TRACKS ?? 1_000_000);
const HOLDERS = Number(process.env.BENCH_ROYALTY_HOLDERS ?? 100_000);
const USERS = Number(process.env.BENCH_ROYALTY_USERS ?? 1_000_000);
const MARKETS = ['BR', 'DE', 'FR', 'GB', 'JP', 'MX', 'SE', 'US'];
const CHUNK = 5_000_000;
// The triggers keep the tallies as the streams load (the default); "recount" loads with them off and
// counts once at the end, which is quicker for 100 M synthetic rows loaded by two writers at once.
const RECOUNT = process.env.BENCH_ROYALTY_TALLIES === 'recount';
const ADMIN = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const log = (line: string) => process.stdout.write(`${line}\n`);

/** Child mode: one run in a process of its own, so its peak RSS is the run's. */
async function child(url: string, close: boolean): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: 5 });
  const phases: string[] = [];
  const service = new RoyaltyService(timedRepository(new PgRoyaltiesRepository(pool), phases));
  const started = performance.now();
  const s = await service.run(PERIOD, { close });
  const ms = performance.now() - started;
  await pool.end();
  const out = {
    ms,
    maxRss: process.resourceUsage().maxRSS * 1024,
    cpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
    lines: s.lines,
    digest: s.digest,
    verified: s.verified,
    phases: phases.join(', '),
  };
  process.stdout.write(`${JSON.stringify({ ...out, streams: s.streams, pool: `${s.poolMicros}` })}\n`);
}

/**
 * The repository with the time of each call summed by method (the run's writes by writer method),
 * so a run's wall time splits into reading, writing and the computing between them.
 */
function timedRepository(repo: PgRoyaltiesRepository, phases: string[]): RoyaltiesRepository {
  const spent = new Map<string, number>();
  const add = (name: string, ms: number) => spent.set(name, (spent.get(name) ?? 0) + ms);
  const wrap = <T extends object>(target: T, prefix: string): T =>
    new Proxy(target, {
      get(t, key, receiver) {
        const value = Reflect.get(t, key, receiver);
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          const started = performance.now();
          const result = await value.apply(t, args);
          add(`${prefix}${String(key)}`, performance.now() - started);
          if (key === 'openRun') return wrap(result as RunWriter, 'write.');
          if (key === 'commit' || (key === 'storedDigest' && spent.has('periodStreams'))) {
            phases.splice(0, phases.length, ...[...spent].map(([k, ms]) => `${k} ${secs(ms)}`));
          }
          return result;
        };
      },
    });
  return wrap(repo, '');
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
  if (RECOUNT) await a.query('alter table qualifying_streams disable trigger user');
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
  if (RECOUNT) {
    const t1 = performance.now();
    await recount(a);
    await a.query('alter table qualifying_streams enable trigger user');
    log(
      `  tallies counted in one pass over the streams in ${secs(performance.now() - t1)} (triggers off for the load)`,
    );
  }
  await a.query('vacuum (analyze) qualifying_streams, royalty_stream_tallies, royalty_user_tallies');
  await a.query('analyze royalty_splits');
  log(`  synthetic data loaded and vacuumed in ${secs(performance.now() - t0)}`);
  await a.end();
}

/** The tallies counted from the streams at once, as migration 007 fills them from existing rows. */
async function recount(a: pg.Client): Promise<void> {
  await a.query(`set work_mem = '512MB'`);
  await a.query(
    `insert into royalty_track_keys (track_id) select distinct track_id from qualifying_streams order by 1`,
  );
  await a.query(`insert into royalty_stream_tallies (period, market, track_key, premium, free)
    select s.period, s.market, k.key, count(*) filter (where s.product = 'premium'), count(*) filter (where s.product = 'free')
    from qualifying_streams s join royalty_track_keys k on k.track_id = s.track_id collate "C"
    group by s.period, s.market, k.key`);
  await a.query(`insert into royalty_user_tallies (period, user_id, market, premium)
    select period, user_id, market, count(*) from qualifying_streams where product = 'premium'
    group by period, user_id, market`);
  await a.query('reset work_mem');
}

/**
 * Peak private (anonymous) memory of all backends on the database, sampled every 200 ms, and the CPU
 * time they used from the first sample to the last (backends already there, like the bench's own
 * connection, count only what they used meanwhile; one that ends between samples loses < 200 ms).
 */
function pgMemorySampler(admin: pg.Client, database: string) {
  let peak = 0;
  const cpu = new Map<number, number>();
  const before = new Map<number, number>();
  let first = true;
  let stopped = false;
  const ticks = 100; // USER_HZ on Linux
  const loop = (async () => {
    while (!stopped) {
      const r = await admin.query('select pid from pg_stat_activity where datname = $1', [database]);
      let total = 0;
      for (const { pid } of r.rows) {
        const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
        total += Number(/RssAnon:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
        const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (fields.length > 13) {
          const seconds = (Number(fields[11]) + Number(fields[12])) / ticks;
          if (first) before.set(pid, seconds);
          cpu.set(pid, seconds - (before.get(pid) ?? 0));
        }
      }
      first = false;
      peak = Math.max(peak, total);
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    return { peak, cpuSeconds: [...cpu.values()].reduce((a, b) => a + b, 0) };
  };
}

interface ChildResult {
  ms: number;
  maxRss: number;
  cpuSeconds: number;
  lines: number;
  digest: string;
  verified: boolean;
  streams: number;
  pool: string;
  phases: string;
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
  const reuse = process.env.BENCH_ROYALTY_DATABASE;
  const name = reuse ?? `cadenza_bench_royalties_${Date.now().toString(36)}`;
  if (!reuse) await admin.query(`create database ${name}`);
  const url = new URL(ADMIN);
  url.pathname = `/${name}`;
  try {
    log(
      `\n${streams.toLocaleString('en')} streams · ${TRACKS.toLocaleString('en')} tracks · ${HOLDERS.toLocaleString('en')} rights holders · ${MARKETS.length} markets · ${USERS.toLocaleString('en')} users`,
    );
    const handle = await openDatabase({ databaseUrl: url.toString(), dataDir: '/tmp' });
    await handle.close();
    if (reuse) {
      log(`  reusing the streams loaded in database ${name}; its period reopened`);
      const c = new pg.Client({ connectionString: url.toString() });
      await c.connect();
      await c.query(`update royalty_periods set closed_at = null where period = '${PERIOD}'`);
      await c.end();
    } else await load(url.toString(), streams);
    const db = new pg.Client({ connectionString: url.toString() });
    await db.connect();
    const size = await db.query(`select pg_total_relation_size('qualifying_streams')::bigint as b`);
    const tallied = await db.query(
      `select count(*)::bigint as n, pg_total_relation_size('royalty_stream_tallies')::bigint as b
       from royalty_stream_tallies`,
    );
    log(
      `  qualifying_streams: ${mb(Number(size.rows[0].b))} · royalty_stream_tallies (kept by triggers): ${tallied.rows[0].n} rows, ${mb(Number(tallied.rows[0].b))}`,
    );
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
    const backends = await stopSampler();
    const spilled = (await temp()) - tempBefore;
    log(
      `  royalty run (closes the period): ${secs(run.ms)} · ${run.lines.toLocaleString('en')} statement lines · ratio to baseline ${(run.ms / baseline.ms).toFixed(2)}×`,
    );
    log(`  where the run's time went (repository calls; the rest is computing): ${run.phases}`);
    log(
      `  peak RSS of the run's process: ${mb(run.maxRss)} · PostgreSQL backends' peak private memory: ${mb(backends.peak)} · spilled to temp files: ${mb(spilled)}`,
    );
    // CPU time does not depend on what else the machine runs; wall time on a shared machine does.
    log(
      `  CPU time: the run's process ${secs(run.cpuSeconds * 1000)}, its PostgreSQL backends ${secs(backends.cpuSeconds * 1000)} (load average at the end: ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores)`,
    );

    const reconcile = await db.query(
      `select
        (select coalesce(sum(premium_pool_micros + ad_pool_micros), 0) from royalty_run_markets where period = $1)
      - (select coalesce(sum(a), 0) from royalty_statements, unnest(amounts_micros) a where period = $1)
      - (select coalesce(sum(unallocated_micros), 0) from royalty_run_markets where period = $1) as off`,
      [PERIOD],
    );
    log(
      `  pool ${run.pool} micro-units over ${run.streams.toLocaleString('en')} streams; unreconciled micro-units: ${reconcile.rows[0].off}`,
    );
    await db.end();

    const rerun = await runChild(url.toString(), false);
    log(
      `  rerun of the closed period: ${secs(rerun.ms)}, ${rerun.verified && rerun.digest === run.digest ? 'byte-identical (same digest)' : 'DIFFERENT'} · peak RSS ${mb(rerun.maxRss)} · ${rerun.phases}`,
    );
  } finally {
    if (process.env.BENCH_ROYALTY_KEEP || reuse) log(`  kept database ${name}`);
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

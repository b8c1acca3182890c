/**
 * The per-request cost of the input rule (src/http/input.ts: finite numbers, no NUL, well-formed text,
 * checked after each route's schema) on `GET /v1/tracks/{id}`: the same services behind two HTTP
 * servers, one with the rule and one without, driven by a load generator in a child process in
 * alternating one-second rounds so that machine noise falls on both alike. Prints requests/s and
 * latency percentiles per server and their ratio.
 *
 *   npm run bench:validation                 BENCH_SECONDS=10 BENCH_CONCURRENCY=1,16
 *
 * Database: BENCH_DATABASE_URL, else an embedded PostgreSQL in a temporary folder. This file is also
 * its own load generator: `validation.ts load <json>`.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nextJsonLine } from './lib/child.js';
import { pct } from './lib/stats.js';

const SECONDS = Math.max(2, Number(process.env.BENCH_SECONDS ?? 10));
const CONCURRENCIES = (process.env.BENCH_CONCURRENCY ?? '1,16').split(',').map(Number);
const SELF = fileURLToPath(import.meta.url);

interface LoadJob {
  url: string;
  token: string;
  concurrency: number;
  seconds: number;
}
interface LoadResult {
  requests: number;
  errors: number;
  latencies: number[];
  elapsedMs: number;
}

/** Child: closed-loop keep-alive GETs for `seconds`. */
async function load(job: LoadJob): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: job.concurrency });
  const out: LoadResult = { requests: 0, errors: 0, latencies: [], elapsedMs: 0 };
  const t0 = performance.now();
  const end = t0 + job.seconds * 1000;
  const once = () =>
    new Promise<number>((resolve, reject) => {
      const req = request(job.url, { agent, headers: { authorization: `Bearer ${job.token}` } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
  await Promise.all(
    Array.from({ length: job.concurrency }, async () => {
      while (performance.now() < end) {
        const started = performance.now();
        const status = await once().catch(() => 0);
        if (status === 200) {
          out.requests++;
          out.latencies.push(performance.now() - started);
        } else out.errors++;
      }
    }),
  );
  out.elapsedMs = performance.now() - t0;
  agent.destroy();
  return out;
}

if (process.argv[2] === 'load') {
  const result = await load(JSON.parse(process.argv[3] as string) as LoadJob);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

const _percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

const scratch = await mkdtemp(join(tmpdir(), 'cadenza-bench-validation-'));
await chmod(scratch, 0o755);
const { releaseEmbedded, startEmbedded } = await import('../src/adapters/postgres/embedded.js');
const embedded = process.env.BENCH_DATABASE_URL ? undefined : await startEmbedded(join(scratch, 'pg'));
const { createDatabaseOn } = await import('../test/helpers/db.js');
const database = await createDatabaseOn(process.env.BENCH_DATABASE_URL ?? (embedded?.url as string), 'cadenza_bench');
const { createLogger, createServices } = await import('../src/app.js');
const { loadConfig } = await import('../src/config.js');
const { buildHttp } = await import('../src/http/server.js');
const { insertCatalog } = await import('../test/helpers/catalog-fixtures.js');

const config = loadConfig(
  { LOG_LEVEL: 'warn' },
  { databaseUrl: database.url, dataDir: join(scratch, 'data'), host: '127.0.0.1', port: 0 },
);
const logger = createLogger(config);
const services = await createServices(config, logger);
const rows = await insertCatalog(services.database.db, [{ name: 'Bench', artist: 'Bench Artist' }]);
const trackId = rows.get('Bench')?.track as string;
const user = await services.accounts.signUp({ username: 'bench', password: 'correct horse battery' });
const token = (await services.accounts.logIn(user.username, 'correct horse battery')).access_token;

const servers = {
  'with the input rule': await buildHttp({ services, logger, api: true, bodyLimit: config.maxUploadBytes }),
  'without it': await buildHttp({ services, logger, api: true, bodyLimit: config.maxUploadBytes, inputRule: false }),
};
const urls = new Map<string, string>();
for (const [name, app] of Object.entries(servers)) {
  urls.set(name, `${await app.listen({ host: '127.0.0.1', port: 0 })}/v1/tracks/${trackId}?market=US`);
}

async function round(url: string, concurrency: number): Promise<LoadResult> {
  const job: LoadJob = { url, token, concurrency, seconds: 1 };
  const child = spawn(process.execPath, ['--import', 'tsx', SELF, 'load', JSON.stringify(job)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return nextJsonLine<LoadResult>(child, 30_000);
}

console.log(`GET /v1/tracks/{id}: ${SECONDS} one-second rounds per server and concurrency, alternating`);
try {
  for (const concurrency of CONCURRENCIES) {
    const totals = new Map<string, LoadResult>();
    for (let r = 0; r < SECONDS; r++) {
      const order = r % 2 === 0 ? [...urls] : [...urls].reverse();
      for (const [name, url] of order) {
        const res = await round(url, concurrency);
        const t = totals.get(name) ?? { requests: 0, errors: 0, latencies: [], elapsedMs: 0 };
        t.requests += res.requests;
        t.errors += res.errors;
        t.elapsedMs += res.elapsedMs;
        t.latencies.push(...res.latencies);
        totals.set(name, t);
      }
    }
    const rates = new Map<string, number>();
    console.log(`\nconcurrency ${concurrency}`);
    for (const [name, t] of totals) {
      const rate = t.requests / (t.elapsedMs / 1000);
      rates.set(name, rate);
      console.log(
        `  ${name.padEnd(20)} ${rate.toFixed(0).padStart(6)} req/s  p50 ${pct(t.latencies, 0.5).toFixed(3)} ms` +
          `  p99 ${pct(t.latencies, 0.99).toFixed(3)} ms  errors ${t.errors}`,
      );
    }
    const [withRule, without] = [...rates.values()] as [number, number];
    console.log(`  cost of the rule: ${((1 - withRule / without) * 100).toFixed(2)} % of throughput (target ≤ 5 %)`);
  }
} finally {
  for (const app of Object.values(servers)) await app.close();
  await services.close();
  await database.drop();
  if (embedded) await releaseEmbedded(embedded, async () => 0);
  await rm(scratch, { recursive: true, force: true });
}

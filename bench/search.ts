/**
 * Search benchmark: Cadenza's in-memory index against PostgreSQL (pg_trgm + full-text search), both over
 * the same 1 M-track catalogue (bench/search-catalogue.ts), each in a child process of its own, measured
 * at two layers, the same on both sides, and compared only layer by layer:
 * - over HTTP: both behind the same minimal node:http JSON endpoint, driven by one keep-alive load
 *   generator in a third process;
 * - direct: the same rounds run inside each server process, Cadenza calling its engine, PostgreSQL's side
 *   sending the same SQL through the same connection pool, with no HTTP on either side.
 *
 *   node --import tsx bench/search.ts        (npm run bench:search)
 *   BENCH_SECONDS=10 BENCH_CONCURRENCY=1,32 BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:search
 *   BENCH_CADENZA_ARGS=--max-semi-space-size=64 npm run bench:search   (node options for Cadenza's process)
 *   BENCH_OPEN_LOOP=0.25,0.5,0.75 npm run bench:search   (open-loop rates, as fractions of the top rate)
 *
 * The queries are made from the real rows only (the synthetic expansion is there to be searched, not
 * looked for): typeahead is every prefix of titles and artist names; full search is whole titles, titles
 * with a typo, without accents, "artist title" and "title artist". Every query carries its intended
 * track (the rule on `Labeller`), so each side's answers are scored too, not only timed.
 *
 * The PostgreSQL side is what one would write first: a table of the same tracks (name, artists joined,
 * album, popularity) loaded with COPY, `haystack = unaccent(name || ' ' || artists)` under a pg_trgm GIN
 * index and a weighted tsvector ('simple' configuration, unaccented; name A, artists B, album C) under a
 * GIN index. Typeahead is `haystack ILIKE '%q%'` ordered by trigram similarity then popularity, LIMIT 10;
 * full search is `plainto_tsquery` ordered by ts_rank then popularity, LIMIT 20, falling back to trigram
 * word similarity when full-text finds nothing (a misspelt word).
 *
 * This file is also its own child processes: `search.ts <serve-cadenza|serve-pg|load> <json>`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { MemorySearchIndex } from '../src/adapters/memory-search/index.js';
import { SearchWorkerPool } from '../src/adapters/memory-search/pool.js';
import { parseQuery } from '../src/core/search/query.js';
import { SEARCH_TYPES, type SearchType } from '../src/ports/search-index.js';
import { nextJsonLine } from './lib/child.js';
import { type ByClass, type RoundPlan, type RoundQuery, type RoundResult, runRound } from './lib/rounds.js';
import {
  allDocs,
  allowedEdits,
  buildCatalogue,
  type Catalogue,
  coreTitle,
  dropAccents,
  fold,
  hasLatinAccent,
  isNonLatin,
  Labeller,
  type RealRow,
  Rng,
  sampleRows,
  today,
  typo,
} from './search-catalogue.js';

const HOST = '127.0.0.1';
const SELF = fileURLToPath(import.meta.url);
const SECONDS = Math.max(1, Math.round(Number(process.env.BENCH_SECONDS ?? 10)));
const CONCURRENCIES = (process.env.BENCH_CONCURRENCY ?? '1,32').split(',').map(Number);
/**
 * Closed loop at c=32 keeps the server saturated, so its latency is mostly queueing (Little's law). A
 * server is run below its capacity: Cadenza is also measured open loop, over HTTP, with queries sent at a
 * fixed rate, each a fraction of the rate it reached at the highest concurrency (BENCH_OPEN_LOOP).
 */
const OPEN_LOOP = (process.env.BENCH_OPEN_LOOP ?? '0.5')
  .split(',')
  .filter(Boolean)
  .map(Number)
  .filter((f) => f > 0 && f < 1);
const MAX_PER_ROUND = 200_000;
const PG_URL = process.env.BENCH_PG_URL ?? `postgres://postgres@${HOST}:5432/postgres`;
const PG_DATABASE = 'cadenza_bench_search';
const PG_POOL = Number(process.env.BENCH_PG_POOL ?? 8);
/**
 * Cadenza's search threads (CADENZA_SEARCH_THREADS): by default one per core, each holding a replica of
 * the index, as a 2-core server would run it; 0 searches on the server's main thread.
 */
const THREADS = Number(process.env.BENCH_SEARCH_THREADS ?? cpus().length);
/** Node options for the Cadenza child (BENCH_CADENZA_ARGS, e.g. `--max-semi-space-size=64`). */
const CADENZA_NODE_ARGS = (process.env.BENCH_CADENZA_ARGS ?? '').split(' ').filter(Boolean);
const MODES = ['typeahead', 'full'] as const;
type Mode = (typeof MODES)[number];
const LIMIT: Record<Mode, number> = { typeahead: 10, full: 20 };
/**
 * What is measured over HTTP: each mix on both servers (tracks only: PostgreSQL has nothing else), and
 * `suggest`, the typeahead mix asked the way /v1/search/suggest asks it (every type), on Cadenza alone.
 */
const MEASURES = ['typeahead', 'suggest', 'full'] as const;
/** Each measurement twice: through HTTP on both sides, and with no HTTP on either side. */
const LAYERS = ['http', 'direct'] as const;
type Layer = (typeof LAYERS)[number];
type Measure = (typeof MEASURES)[number];
const MIX_OF: Record<Measure, Mode> = { typeahead: 'typeahead', suggest: 'typeahead', full: 'full' };

/** `expect`: the intended track(s); `short`: a prefix of 1-2 letters (no use to a trigram index). */
type BenchQuery = RoundQuery;
type Mix = Record<Mode, BenchQuery[]>;

// ---- the query mix, from the real rows ----

function buildMix(catalogue: Catalogue, labeller: Labeller): Mix {
  const rng = new Rng(99);
  const asTyped = (q: string) => (rng.chance(0.5) ? q.toLowerCase() : q);
  const typeahead: BenchQuery[] = [];
  for (const source of sampleRows(catalogue.real, 800, rng)) {
    for (const [cls, text] of [
      ['title prefix', coreTitle(source.name)],
      ['artist prefix', source.artist],
    ] as const) {
      const typed = asTyped(text);
      for (let n = 1; n <= typed.length; n++) {
        const q = typed.slice(0, n);
        if (q.endsWith(' ') || !fold(q)) continue;
        typeahead.push({ q, cls, expect: labeller.typeahead(q), short: fold(q).length <= 2 });
      }
    }
  }
  const full: BenchQuery[] = [];
  const latin = (r: RealRow) => !isNonLatin(r.name + r.artist);
  const sources = sampleRows(catalogue.real, 1500, rng, latin);
  for (const source of sources) {
    const title = coreTitle(source.name);
    const { artist } = source;
    full.push({ q: asTyped(title), cls: 'title', expect: labeller.exact(title, undefined) });
    full.push({ q: asTyped(`${artist} ${title}`), cls: 'artist title', expect: labeller.exact(title, artist) });
    full.push({ q: asTyped(`${title} ${artist}`), cls: 'title artist', expect: labeller.exact(title, artist) });
    const alone = rng.chance(0.5);
    const words = (alone ? title : `${title} ${artist}`).split(/\s+/);
    const candidates = words.flatMap((w, i) => (/^[A-Za-z]{4,}$/.test(w) ? [i] : []));
    if (candidates.length) {
      const at = rng.pick(candidates);
      const wrong = typo(words[at]!, 1, rng, labeller.vocabulary);
      if (wrong && allowedEdits(wrong) >= 1) {
        words[at] = wrong;
        const expect = labeller.exact(title, alone ? undefined : artist);
        full.push({ q: asTyped(words.join(' ')), cls: 'typo', expect });
      }
    }
  }
  const accented = (r: RealRow) => latin(r) && hasLatinAccent(coreTitle(r.name) + r.artist);
  for (const source of sampleRows(catalogue.real, 1000, rng, accented)) {
    const title = coreTitle(source.name);
    const q = asTyped(dropAccents(`${title} ${source.artist}`));
    full.push({ q, cls: 'no accents', expect: labeller.exact(title, source.artist) });
  }
  return { typeahead: rng.shuffle(typeahead), full: rng.shuffle(full) };
}

// ---- PostgreSQL: the same rows, loaded with COPY, indexed the usual way ----

const TYPEAHEAD_SQL = `SELECT id FROM bench_tracks
  WHERE haystack ILIKE '%' || f_unaccent($1) || '%'
  ORDER BY similarity(haystack, f_unaccent($1)) DESC, popularity DESC LIMIT 10`;
const FULL_TEXT_SQL = `SELECT id FROM bench_tracks, plainto_tsquery('simple', f_unaccent($1)) query
  WHERE tsv @@ query ORDER BY ts_rank(tsv, query) DESC, popularity DESC LIMIT 20`;
/** When every word must match and one is misspelt, full-text finds nothing: trigram word similarity then. */
const FUZZY_SQL = `SELECT id FROM bench_tracks WHERE f_unaccent($1) <% haystack
  ORDER BY word_similarity(f_unaccent($1), haystack) DESC, popularity DESC LIMIT 20`;

function databaseUrl(name: string): string {
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const dropDatabase = () =>
  withClient(PG_URL, (c) => c.query(`DROP DATABASE IF EXISTS ${PG_DATABASE} WITH (FORCE)`)).catch(() => undefined);

async function setUpPostgres(catalogue: Catalogue, log: (line: string) => void): Promise<string> {
  await dropDatabase();
  await withClient(PG_URL, (c) => c.query(`CREATE DATABASE ${PG_DATABASE}`));
  const url = databaseUrl(PG_DATABASE);
  const unaccent = await withClient(url, async (c) => {
    await c.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
    const ok = await c.query('CREATE EXTENSION IF NOT EXISTS unaccent').then(
      () => true,
      () => false,
    );
    // unaccent() is only STABLE; the usual immutable wrapper lets generated columns and indexes use it.
    const body = ok ? `SELECT public.unaccent('public.unaccent'::regdictionary, $1)` : 'SELECT $1';
    await c.query(`CREATE FUNCTION f_unaccent(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
      AS $f$ ${body} $f$`);
    await c.query(`CREATE TABLE bench_tracks (
      id text PRIMARY KEY,
      name text NOT NULL,
      artists text NOT NULL,
      album text NOT NULL,
      popularity int NOT NULL,
      haystack text GENERATED ALWAYS AS (f_unaccent(name || ' ' || artists)) STORED,
      tsv tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', f_unaccent(name)), 'A') ||
        setweight(to_tsvector('simple', f_unaccent(artists)), 'B') ||
        setweight(to_tsvector('simple', f_unaccent(album)), 'C')) STORED)`);
    return ok;
  });
  let t0 = performance.now();
  await copyTracks(url, catalogue);
  log(
    `PostgreSQL: COPY of ${catalogue.tracks.length.toLocaleString('en')} rows ${secs(t0)} (unaccent: ${unaccent ? 'yes' : 'not available'})`,
  );
  t0 = performance.now();
  const index = (sql: string) =>
    withClient(url, async (c) => {
      await c.query(`SET maintenance_work_mem = '1GB'`);
      await c.query(sql);
    });
  // Both indexes are built at once, one per core, as an operator would on this machine.
  await Promise.all([
    index('CREATE INDEX bench_tracks_trgm ON bench_tracks USING gin (haystack gin_trgm_ops)'),
    index('CREATE INDEX bench_tracks_fts ON bench_tracks USING gin (tsv)'),
  ]);
  const sizes = await withClient(url, async (c) => {
    await c.query('VACUUM ANALYZE bench_tracks');
    const size = (rel: string) => `pg_size_pretty(pg_total_relation_size('${rel}'))`;
    return (
      await c.query(`SELECT ${size('bench_tracks')} AS total, ${size('bench_tracks_trgm')} AS trgm,
      ${size('bench_tracks_fts')} AS fts`)
    ).rows[0] as { total: string; trgm: string; fts: string };
  });
  log(
    `PostgreSQL: GIN indexes (trigram, full-text) + VACUUM ANALYZE ${secs(t0)}; table with indexes ${sizes.total} (trigram ${sizes.trgm}, full-text ${sizes.fts})`,
  );
  return url;
}

/** COPY through psql (\copy from stdin): the pg driver alone has no COPY FROM STDIN. */
async function copyTracks(url: string, catalogue: Catalogue): Promise<void> {
  const u = new URL(url);
  const args = ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', u.hostname, '-p', u.port || '5432'];
  args.push('-U', decodeURIComponent(u.username) || 'postgres', '-d', PG_DATABASE);
  args.push('-c', '\\copy bench_tracks (id, name, artists, album, popularity) from stdin');
  const env = { ...process.env, PGPASSWORD: decodeURIComponent(u.password) };
  const psql = spawn('psql', args, { env, stdio: ['pipe', 'inherit', 'inherit'] });
  const done = new Promise<void>((resolve, reject) => {
    psql.on('error', (e) => reject(new Error(`psql is needed for COPY: ${e.message}`)));
    psql.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`psql \\copy exited ${code}`))));
  });
  const field = (s: string) =>
    s.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!);
  let chunk = '';
  for (const t of catalogue.tracks) {
    chunk += `${t.id}\t${field(t.name)}\t${field(t.artists.join(', '))}\t${field(t.album ?? '')}\t${t.popularity}\n`;
    if (chunk.length > 1 << 20) {
      if (!psql.stdin.write(chunk)) await new Promise((r) => psql.stdin.once('drain', r));
      chunk = '';
    }
  }
  psql.stdin.end(chunk);
  await done;
}

// ---- children: the two search servers, the same HTTP surface ----

/**
 * GET /search?mode=typeahead|suggest|full&q=… → {"ids":[…]} (track ids); GET /direct?job=… → one round of
 * the mix asked of the engine or the database directly, in this process (`Direct`); `extra` answers the
 * rest (404 without it).
 */
function serve(
  search: (mode: Measure, q: string) => Promise<string[]> | string[],
  direct: (job: DirectJob) => Promise<RoundResult>,
  extra?: (url: URL) => unknown,
) {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://bench');
    const mode = url.searchParams.get('mode') as Measure;
    const reply = (status: number, body: unknown) => {
      const json = JSON.stringify(body);
      res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(json) });
      res.end(json);
    };
    if (url.pathname === '/search' && MEASURES.includes(mode)) {
      Promise.resolve()
        .then(() => search(mode, url.searchParams.get('q') ?? ''))
        .then(
          (ids) => reply(200, { ids }),
          (e: Error) => reply(500, { error: e.message }),
        );
    } else if (url.pathname === '/direct') {
      direct(JSON.parse(url.searchParams.get('job') ?? '{}') as DirectJob).then(
        (result) => reply(200, result),
        (e: Error) => reply(500, { error: e.message }),
      );
    } else if (extra) {
      Promise.resolve(extra(url)).then(
        (body) => reply(200, body),
        (e: Error) => reply(500, { error: e.message }),
      );
    } else reply(404, { error: 'not found' });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise<number>((resolve) =>
    server.listen(0, HOST, () => resolve((server.address() as AddressInfo).port)),
  );
}

const rssMb = () => Math.round(process.memoryUsage().rss / 1e6);
function peakRssMb(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Math.round(Number(m[1]) / 1000) : Number.NaN;
}

async function serveCadenza(arg: { now: number; mixFile: string }): Promise<void> {
  const started = rssMb();
  let t0 = performance.now();
  let docs: ReturnType<typeof allDocs> | undefined = allDocs(buildCatalogue({ now: arg.now }));
  const count = docs.length;
  const buildMs = performance.now() - t0;
  const beforeLoad = rssMb();
  const index = THREADS > 0 ? new SearchWorkerPool(THREADS) : new MemorySearchIndex({});
  t0 = performance.now();
  index.load(docs);
  await index.settled();
  const loadMs = performance.now() - t0;
  const afterLoad = rssMb();
  docs = undefined; // what an API process keeps once loaded is the index alone
  for (let i = 0; i < 3; i++) {
    globalThis.gc?.();
    await new Promise((r) => setTimeout(r, 300));
  }
  const settled = rssMb();

  const timings: Record<Measure, number[]> = { typeahead: [], suggest: [], full: [] };
  // Collector pauses land between search() calls, so the client sees them and the engine timing does not.
  let gc = { count: 0, totalMs: 0, maxMs: 0 };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      gc = { count: gc.count + 1, totalMs: gc.totalMs + e.duration, maxMs: Math.max(gc.maxMs, e.duration) };
  }).observe({ entryTypes: ['gc'] });
  const run = async (q: string, types: SearchType[], limit: number, prefix: boolean) => {
    const { text, filters } = parseQuery(q);
    const request = { text, filters, types, limit, offset: 0, prefix, now: Date.now() };
    const t = performance.now();
    const results = await index.search(request);
    return { results, ms: performance.now() - t };
  };
  const answer = async (mode: Measure, q: string) => {
    const types: SearchType[] = mode === 'suggest' ? [...SEARCH_TYPES] : ['track'];
    const { results, ms } = await run(q, types, LIMIT[MIX_OF[mode]], MIX_OF[mode] === 'typeahead');
    return { ids: results.track?.items.map((h) => h.id) ?? [], ms };
  };
  const mix = JSON.parse(readFileSync(arg.mixFile, 'utf8')) as Mix;
  const port = await serve(
    async (mode, q) => {
      const { ids, ms } = await answer(mode, q);
      timings[mode].push(ms);
      return ids;
    },
    // On this thread, concurrent calls queue behind each other as requests do; on a pool of workers,
    // they are spread over its threads.
    (job) => runRound(mix[MIX_OF[job.mode]], job, async (q) => (await answer(job.mode, q)).ids),
    (url) => {
      if (url.pathname === '/inproc') return inProcess(run, mix);
      const stats = {
        typeahead: percentiles(timings.typeahead),
        suggest: percentiles(timings.suggest),
        full: percentiles(timings.full),
        gc,
      };
      for (const m of MEASURES) timings[m] = [];
      gc = { count: 0, totalMs: 0, maxMs: 0 };
      return { ...stats, rss: rssMb(), peakRss: peakRssMb() };
    },
  );
  console.log(JSON.stringify({ port, count, buildMs, loadMs, rss: { started, beforeLoad, afterLoad, settled } }));
}

/** The engine alone over the whole mix, one query at a time, shaped like the API: typeahead asks every type, search three. */
async function inProcess(
  run: (q: string, types: SearchType[], limit: number, prefix: boolean) => Promise<{ ms: number }>,
  mix: Mix,
): Promise<Record<Mode, InProcess>> {
  const types: Record<Mode, SearchType[]> = { typeahead: [...SEARCH_TYPES], full: ['track', 'artist', 'album'] };
  const out = {} as Record<Mode, InProcess>;
  const time = async (mode: Mode, q: string) => (await run(q, types[mode], LIMIT[mode], mode === 'typeahead')).ms;
  for (const mode of MODES) {
    const timed: { q: string; ms: number }[] = [];
    for (const query of mix[mode].slice(0, 20_000)) timed.push({ q: query.q, ms: await time(mode, query.q) });
    // The slowest, timed again (median of 5) to tell slow queries from a pause that hit one of them.
    const slowest = [];
    for (const { q, ms } of [...timed].sort((a, b) => b.ms - a.ms).slice(0, 8)) {
      const again: number[] = [];
      for (let i = 0; i < 5; i++) again.push(await time(mode, q));
      slowest.push({ q, ms, again: again.sort((a, b) => a - b)[2]! });
    }
    out[mode] = { ...percentiles(timed.map((t) => t.ms)), slowest };
  }
  return out;
}

interface InProcess extends Percentiles {
  slowest: { q: string; ms: number; again: number }[];
}

async function servePostgres(arg: { url: string; mixFile: string }): Promise<void> {
  const pool = new pg.Pool({ connectionString: arg.url, max: PG_POOL });
  const ids = (r: pg.QueryResult) => r.rows.map((row: { id: string }) => row.id);
  const answer = async (mode: Measure, q: string) => {
    if (mode === 'typeahead') {
      const like = q.replace(/[\\%_]/g, (c) => `\\${c}`);
      return ids(await pool.query(TYPEAHEAD_SQL, [like]));
    }
    const found = ids(await pool.query(FULL_TEXT_SQL, [q]));
    return found.length ? found : ids(await pool.query(FUZZY_SQL, [q]));
  };
  const mix = JSON.parse(readFileSync(arg.mixFile, 'utf8')) as Mix;
  // Directly: the same queries through the same pool, from this process, no HTTP in between.
  const port = await serve(answer, (job) => runRound(mix[MIX_OF[job.mode]], job, (q) => answer(job.mode, q)));
  console.log(JSON.stringify({ port }));
}

// ---- child: the load generator, one job per stdin line ----

interface LoadJob {
  port: number;
  mode: Measure;
  concurrency: number;
  /** Open loop: queries per second, sent on schedule (`RoundPlan.rate`). */
  rate?: number;
  seconds: number;
  start: number;
  mixFile: string;
}
/** A round asked of a server's /direct: the mix run in that process, without HTTP. */
interface DirectJob extends RoundPlan {
  mode: Measure;
}

function get(agent: Agent, port: number, path: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const req = request({ host: HOST, port, path, agent, timeout: 60_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`status ${res.statusCode}`));
        resolve((JSON.parse(Buffer.concat(chunks).toString()) as { ids: string[] }).ids);
      });
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

const mixes = new Map<string, Mix>();
/** One round over HTTP: keep-alive sockets, one per request in flight (open loop: up to 64, then queued). */
async function runHttpRound(job: LoadJob): Promise<RoundResult> {
  let mix = mixes.get(job.mixFile);
  if (!mix) {
    mix = JSON.parse(readFileSync(job.mixFile, 'utf8')) as Mix;
    mixes.set(job.mixFile, mix);
  }
  const sockets = job.rate === undefined ? job.concurrency : 64;
  const agent = new Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
  try {
    return await runRound(mix[MIX_OF[job.mode]], { ...job, maxRequests: MAX_PER_ROUND }, (q) =>
      get(agent, job.port, `/search?mode=${job.mode}&q=${encodeURIComponent(q)}`),
    );
  } finally {
    agent.destroy();
  }
}

async function runLoadGenerator(): Promise<void> {
  for await (const line of createInterface({ input: process.stdin })) {
    console.log(JSON.stringify(await runHttpRound(JSON.parse(line) as LoadJob)));
  }
}

// ---- orchestration ----

function child(role: string, arg: unknown, nodeArgs: string[] = []): ChildProcess {
  return spawn(process.execPath, [...nodeArgs, '--import', 'tsx', SELF, role, JSON.stringify(arg)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
}

function getJson<T>(port: number, path: string): Promise<T> {
  return fetch(`http://${HOST}:${port}${path}`).then((r) => r.json() as Promise<T>);
}

interface Percentiles {
  n: number;
  p50: number;
  p99: number;
  p999: number;
  mean: number;
}

function percentiles(xs: number[]): Percentiles {
  const sorted = Float64Array.from(xs).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { n: xs.length, p50: at(0.5), p99: at(0.99), p999: at(0.999), mean };
}

const secs = (t0: number) => `${((performance.now() - t0) / 1000).toFixed(1)} s`;
const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');

interface Target {
  name: 'cadenza' | 'postgres';
  port: number;
}
interface Measured {
  requests: number;
  elapsedMs: number;
  errors: number;
  byClass: ByClass;
}

/** A measurement with one more round in it (a new one without `into`). */
function addRound(into: Measured | undefined, got: RoundResult): Measured {
  const m = into ?? { requests: 0, elapsedMs: 0, errors: 0, byClass: {} };
  m.requests += got.requests;
  m.elapsedMs += got.elapsedMs;
  m.errors += got.errors;
  merge(m.byClass, got.byClass);
  return m;
}

function merge(into: ByClass, from: ByClass): void {
  for (const [cls, b] of Object.entries(from)) {
    into[cls] ??= { latencies: [], at1: 0, at10: 0 };
    const a = into[cls];
    for (const ms of b.latencies) a.latencies.push(ms);
    a.at1 += b.at1;
    a.at10 += b.at10;
  }
}

/** Latencies and hits over the classes the filter keeps (all by default). */
function pool(byClass: ByClass, keep: (cls: string) => boolean = () => true) {
  const kept = Object.entries(byClass).filter(([cls]) => keep(cls));
  const latencies = kept.flatMap(([, b]) => b.latencies);
  const hits = kept.reduce((h, [, b]) => ({ at1: h.at1 + b.at1, at10: h.at10 + b.at10 }), { at1: 0, at10: 0 });
  return { ...percentiles(latencies), ...hits };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'cadenza-bench-search-'));
  const children: ChildProcess[] = [];
  let database = false;
  const cleanup = async () => {
    for (const c of children.splice(0)) c.kill();
    if (database) await dropDatabase();
    await rm(dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));
  try {
    const pgVersion = await withClient(PG_URL, (c) => c.query('SHOW server_version')).then(
      (r) => String(r.rows[0].server_version),
      (e: Error) => {
        throw new Error(`PostgreSQL is needed at ${PG_URL} (BENCH_PG_URL): ${e.message}`);
      },
    );
    console.log(
      `machine: ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GB; Node ${process.version}; PostgreSQL ${pgVersion}; ` +
        `load average ${loadavg()[0]!.toFixed(2)} (anything else running skews every figure below)`,
    );
    const now = today();
    const t0 = performance.now();
    const catalogue = buildCatalogue({ now });
    const mix = buildMix(catalogue, new Labeller(catalogue.tracks));
    const mixFile = join(dir, 'mix.json');
    await writeFile(mixFile, JSON.stringify(mix));
    const n = (x: number) => x.toLocaleString('en');
    console.log(
      `catalogue: ${n(catalogue.tracks.length)} tracks (${n(catalogue.real.length)} real), ${n(catalogue.albums.length)} albums, ` +
        `${n(catalogue.artists.length)} artists; mix: ${n(mix.typeahead.length)} typeahead prefixes ` +
        `(${n(mix.typeahead.filter((q) => q.short).length)} of 1-2 letters), ${n(mix.full.length)} full queries ` +
        `(${[...new Set(mix.full.map((q) => q.cls))].join(', ')}); built in ${secs(t0)}`,
    );

    // Cadenza first, alone on the machine, so its load time is its own.
    const cadenzaProc = child('serve-cadenza', { now, mixFile }, ['--expose-gc', ...CADENZA_NODE_ARGS]);
    children.push(cadenzaProc);
    type Ready = { port: number; count: number; buildMs: number; loadMs: number; rss: Record<string, number> };
    const ready = await nextJsonLine<Ready>(cadenzaProc, 600_000);
    const rss = ready.rss;
    console.log(
      `Cadenza child: catalogue rebuilt in ${fmt(ready.buildMs / 1000, 1)} s; ${THREADS > 0 ? `SearchWorkerPool(${THREADS} threads sharing one index)` : 'MemorySearchIndex'}.load(${n(ready.count)} docs) ` +
        `${fmt(ready.loadMs / 1000, 1)} s (target ≤ 20 s: ${verdict(ready.loadMs <= 20_000)})`,
    );
    console.log(
      `Cadenza child RSS: ${rss.started} MB at start, ${rss.beforeLoad} MB with the docs built, ${rss.afterLoad} MB after load, ` +
        `${rss.settled} MB once the docs array is dropped and GC has run (target ≤ 1,500 MB: ${verdict(rss.settled! <= 1500)})`,
    );

    targetChecks.push(`load ≤ 20 s: ${fmt(ready.loadMs / 1000, 1)} s (${verdict(ready.loadMs <= 20_000)})`);
    targetChecks.push(`RSS ≤ 1,500 MB once loaded: ${rss.settled} MB (${verdict(rss.settled! <= 1500)})`);

    database = true;
    const url = await setUpPostgres(catalogue, (line) => console.log(line));
    const pgProc = child('serve-pg', { url, mixFile });
    children.push(pgProc);
    const pgPort = (await nextJsonLine<{ port: number }>(pgProc, 30_000)).port;
    const load = child('load', null);
    children.push(load);
    const targets: Target[] = [
      { name: 'cadenza', port: ready.port },
      { name: 'postgres', port: pgPort },
    ];
    const generate = (
      target: Target,
      mode: Measure,
      concurrency: number,
      seconds: number,
      start: number,
      rate?: number,
    ) => {
      const pending = nextJsonLine<RoundResult>(load, (seconds + 300) * 1000);
      const job: LoadJob = { port: target.port, mode, concurrency, rate, seconds, start, mixFile };
      load.stdin!.write(`${JSON.stringify(job)}\n`);
      return pending;
    };
    const direct = (target: Target, mode: Measure, concurrency: number, seconds: number, start: number) => {
      const job: DirectJob = { mode, concurrency, seconds, start, maxRequests: MAX_PER_ROUND };
      return getJson<RoundResult>(target.port, `/direct?job=${encodeURIComponent(JSON.stringify(job))}`);
    };
    const round: Record<Layer, typeof generate> = { http: generate, direct };
    console.log(
      `\nload: one keep-alive Node client process; ${SECONDS} s per target, mode and concurrency, in ${SECONDS} ` +
        `rotating 1 s rounds (a round ends when its in-flight requests return); PostgreSQL pool of ${PG_POOL}; ` +
        `both servers answer GET /search over node:http with the ids of the top ${LIMIT.typeahead} (typeahead) or ${LIMIT.full} (full) tracks; ` +
        `"suggest" is Cadenza's typeahead over all ${SEARCH_TYPES.length} types, as /v1/search/suggest asks it; ` +
        `each round is also run "direct": in the server's own process, Cadenza calling its engine and PostgreSQL's ` +
        `side sending the same SQL through the same pool, no HTTP on either side`,
    );
    const measured = (measure: Measure) => targets.filter((t) => measure !== 'suggest' || t.name === 'cadenza');
    for (const measure of MEASURES) {
      for (const target of measured(measure)) {
        for (const layer of LAYERS)
          await round[layer](target, measure, 4, 1, Math.floor(mix[MIX_OF[measure]].length / 2)); // warm-up
      }
    }
    await getJson(ready.port, '/stats'); // forget the warm-up's timings

    const results = new Map<string, Measured>();
    const inproc = new Map<string, Engine>();
    const cursor = new Map<string, number>();
    for (const mode of MEASURES) {
      const these = measured(mode);
      for (const concurrency of CONCURRENCIES) {
        for (let r = 0; r < SECONDS; r++) {
          for (let i = 0; i < these.length; i++) {
            const target = these[(i + r) % these.length]!;
            for (const layer of LAYERS) {
              const at = `${layer}|${target.name}|${mode}`;
              const got = await round[layer](target, mode, concurrency, 1, cursor.get(at) ?? 0);
              cursor.set(at, got.next);
              const key = `${at}|${concurrency}`;
              results.set(key, addRound(results.get(key), got));
            }
          }
        }
        const stats = await getJson<Record<Measure, Percentiles> & { gc: Gc }>(ready.port, '/stats');
        inproc.set(`${mode}|${concurrency}`, { ...stats[mode], gc: stats.gc });
      }
    }

    // Open loop, Cadenza over HTTP: each measure at fractions of the rate it reached at the top concurrency.
    const open: OpenLoop[] = [];
    const top = Math.max(...CONCURRENCIES);
    for (const mode of MEASURES) {
      const capacity = rateOf(results.get(`http|cadenza|${mode}|${top}`)!);
      for (const fraction of OPEN_LOOP) {
        const rate = Math.max(1, Math.round(capacity * fraction));
        let m: Measured | undefined;
        const at = `http|cadenza|${mode}`;
        for (let r = 0; r < SECONDS; r++) {
          const got = await generate(targets[0]!, mode, top, 1, cursor.get(at) ?? 0, rate);
          cursor.set(at, got.next);
          m = addRound(m, got);
        }
        const stats = await getJson<Record<Measure, Percentiles> & { gc: Gc }>(ready.port, '/stats');
        open.push({ mode, fraction, rate, top, measured: m!, engine: { ...stats[mode], gc: stats.gc } });
      }
    }
    const after = await getJson<{ rss: number; peakRss: number }>(ready.port, '/stats');
    const shaped = await getJson<Record<Mode, InProcess>>(ready.port, '/inproc');
    report(results, inproc);
    reportOpenLoop(open);
    reportClasses(results);
    reportEngine(shaped, after);
  } finally {
    await cleanup();
  }
}

const targetChecks: string[] = [];

/** The Cadenza child's own view of one measurement: search() timings and collector pauses. */
type Gc = { count: number; totalMs: number; maxMs: number };
type Engine = Percentiles & { gc: Gc };

function report(results: Map<string, Measured>, inproc: Map<string, Engine>): void {
  const widths = [22, 6, 10, 10, 9, 9, 8, 12, 12, 13, 13];
  const line = (cells: (string | number)[]) =>
    console.log(cells.map((c, i) => String(c).padStart(widths[i]!)).join(''));
  const rate = rateOf;
  const ratios: Record<Layer, string[]> = { http: [], direct: [] };
  for (const layer of LAYERS) {
    console.log(`\n${layer === 'http' ? 'over HTTP (both sides)' : 'direct (no HTTP on either side)'}:`);
    const engineColumns = layer === 'http' ? ['engine p50', 'engine p99', 'engine mean', 'gc longest'] : [];
    line(['mode', 'conc', 'target', 'req/s', 'p50 ms', 'p99 ms', 'errors', ...engineColumns]);
    let tenfold = true;
    for (const mode of MEASURES) {
      for (const concurrency of CONCURRENCIES) {
        const c = results.get(`${layer}|cadenza|${mode}|${concurrency}`)!;
        // suggest has no PostgreSQL counterpart: its ratio is to PostgreSQL's typeahead over tracks.
        const p = results.get(`${layer}|postgres|${MIX_OF[mode]}|${concurrency}`)!;
        const e = inproc.get(`${mode}|${concurrency}`)!;
        const [cl, pl] = [pool(c.byClass), pool(p.byClass)];
        const engine = layer === 'http' ? [fmt(e.p50, 3), fmt(e.p99, 3), fmt(e.mean, 3), fmt(e.gc.maxMs, 1)] : [];
        line([mode, concurrency, 'cadenza', fmt(rate(c), 0), fmt(cl.p50), fmt(cl.p99), c.errors, ...engine]);
        if (mode !== 'suggest') line(['', '', 'postgres', fmt(rate(p), 1), fmt(pl.p50), fmt(pl.p99), p.errors]);
        if (mode === 'typeahead') {
          const longer = (cls: string) => !cls.endsWith('1-2 letters');
          const [cs, ps] = [pool(c.byClass, longer), pool(p.byClass, longer)];
          line(['  (3+ letters only)', concurrency, 'cadenza', '', fmt(cs.p50), fmt(cs.p99)]);
          line(['', '', 'postgres', '', fmt(ps.p50), fmt(ps.p99)]);
        }
        const qps = rate(c) / rate(p);
        if (mode !== 'suggest') tenfold &&= qps >= 10;
        const x = (v: number) => `×${fmt(v, 1)}`.padEnd(8);
        ratios[layer].push(
          `  ${mode.padEnd(9)} c=${String(concurrency).padEnd(3)} req/s ${x(qps)} p50 ${x(pl.p50 / cl.p50)} p99 ${x(pl.p99 / cl.p99)}` +
            (mode === 'suggest' ? ' (all types, against PostgreSQL typeahead over tracks)' : ''),
        );
        const limit = MIX_OF[mode] === 'typeahead' ? 5 : 20;
        // With `concurrency` requests always in flight, the mean latency is concurrency ÷ req/s (Little's
        // law), whatever the engine does with each one: printed so a queueing-bound figure reads as such.
        const floor =
          concurrency > 1
            ? `; queueing floor ${concurrency} ÷ ${fmt(rate(c), 0)} req/s = ${fmt((concurrency * 1000) / rate(c))} ms mean`
            : '';
        if (layer === 'http')
          targetChecks.push(
            `${mode} p99 < ${limit} ms at c=${concurrency}: ${fmt(cl.p99)} ms over HTTP, ${fmt(e.p99, 3)} ms in the engine (${verdict(cl.p99 < limit)}${floor})`,
          );
      }
    }
    targetChecks.push(
      `≥ 10× PostgreSQL in req/s ${layer === 'http' ? 'over HTTP' : 'directly'}, typeahead and full at every concurrency: ${verdict(tenfold)}`,
    );
  }
  console.log(
    '\nreq/s over each whole round; p50/p99 as the client saw them (over HTTP: at the load generator; direct: in',
  );
  console.log('the server process around the call, queueing included); engine = search() alone, timed inside the');
  console.log('Cadenza child for the HTTP requests (types=track, as PostgreSQL only has tracks; suggest: every type,');
  console.log(
    'as the API asks); gc longest = the longest collector pause in the Cadenza child during that measurement',
  );
  console.log(
    `\nCadenza faster by (Cadenza ÷ PostgreSQL for req/s, PostgreSQL ÷ Cadenza for latency), same layer on both sides:`,
  );
  for (const layer of LAYERS) {
    console.log(`  ${layer === 'http' ? 'over HTTP' : 'direct'}:`);
    for (const r of ratios[layer]) console.log(`  ${r}`);
  }
}

const rateOf = (m: Measured) => (m.requests * 1000) / m.elapsedMs;

interface OpenLoop {
  mode: Measure;
  fraction: number;
  /** Queries per second sent, and the concurrency whose rate it is a fraction of. */
  rate: number;
  top: number;
  measured: Measured;
  engine: Engine;
}

function reportOpenLoop(open: OpenLoop[]): void {
  if (!open.length) return;
  console.log(
    '\nopen loop, Cadenza over HTTP: queries sent at a fixed rate whether or not earlier ones have returned, each',
  );
  console.log("timed from when it was due (the load generator's lateness counts too); the rate is a fraction of the");
  console.log('req/s the same measure reached at the top concurrency above (BENCH_OPEN_LOOP)');
  const widths = [12, 10, 10, 10, 9, 9, 10, 8, 12, 12, 12];
  const line = (cells: (string | number)[]) =>
    console.log(cells.map((c, i) => String(c).padStart(widths[i]!)).join(''));
  line(['mode', 'of top', 'asked/s', 'done/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'errors', 'engine p99', 'gc longest']);
  for (const o of open) {
    const all = Object.values(o.measured.byClass).flatMap((b) => b.latencies);
    const { p50, p99, p999 } = percentiles(all);
    const cells = [o.mode, `${fmt(o.fraction * 100, 0)}%`, o.rate, fmt(rateOf(o.measured), 0), fmt(p50), fmt(p99)];
    line([...cells, fmt(p999), o.measured.errors, fmt(o.engine.p99, 3), fmt(o.engine.gc.maxMs, 1)]);
    const limit = MIX_OF[o.mode] === 'typeahead' ? 5 : 20;
    targetChecks.push(
      `${o.mode} p99 < ${limit} ms open loop at ${o.rate} req/s (${fmt(o.fraction * 100, 0)}% of its c=${o.top} rate): ${fmt(p99)} ms over HTTP (${verdict(p99 < limit)})`,
    );
  }
}

/** Per query class: latency at the first concurrency (no queueing), answers over every request. */
function reportClasses(results: Map<string, Measured>): void {
  const c1 = CONCURRENCIES[0]!;
  console.log(
    `\nper class, over HTTP: latency at c=${c1}; first / top 10 = the intended track first / in the top 10, over every request`,
  );
  const widths = [38, 7, 8, 8, 7, 8, 7, 9, 9, 7, 8];
  const line = (cells: (string | number)[]) =>
    console.log(cells.map((c, i) => (i ? String(c).padStart(widths[i]!) : String(c).padEnd(widths[i]!))).join(''));
  line(['class', 'n', 'p50 ms', 'p99 ms', 'first', 'top 10', 'n pg', 'p50 pg', 'p99 pg', 'first', 'top 10']);
  const pct = (k: number, n: number) => `${fmt((100 * k) / n, 0)}%`;
  for (const mode of MODES) {
    const merged = (name: string) => {
      const all: ByClass = {};
      for (const concurrency of CONCURRENCIES) merge(all, results.get(`http|${name}|${mode}|${concurrency}`)!.byClass);
      return all;
    };
    const [c, p] = [merged('cadenza'), merged('postgres')];
    const [cFirst, pFirst] = [
      results.get(`http|cadenza|${mode}|${c1}`)!.byClass,
      results.get(`http|postgres|${mode}|${c1}`)!.byClass,
    ];
    const classes = [...new Set([...Object.keys(c), ...Object.keys(p)])].sort();
    for (const cls of [...classes, 'all']) {
      const keep = (k: string) => cls === 'all' || k === cls;
      const [a, b] = [pool(c, keep), pool(p, keep)];
      const [la, lb] = [pool(cFirst, keep), pool(pFirst, keep)];
      line(
        [`${mode}: ${cls}`, a.n, fmt(la.p50), fmt(la.p99), pct(a.at1, a.n), pct(a.at10, a.n), b.n, fmt(lb.p50)].concat([
          fmt(lb.p99),
          pct(b.at1, b.n),
          pct(b.at10, b.n),
        ]),
      );
    }
  }
}

function reportEngine(shaped: Record<Mode, InProcess>, after: { rss: number; peakRss: number }): void {
  console.log(
    '\nengine alone, shaped like the API (typeahead over every type, search over track, artist, album), whole mix:',
  );
  for (const mode of MODES) {
    const s = shaped[mode];
    console.log(`  ${mode}: p50 ${fmt(s.p50, 3)} ms, p99 ${fmt(s.p99, 3)} ms (n=${s.n}); slowest:`);
    for (const q of s.slowest)
      console.log(`    ${JSON.stringify(q.q)} ${fmt(q.ms, 1)} ms (again: ${fmt(q.again, 1)} ms)`);
    console.log(`    mean ${fmt(s.mean, 3)} ms`);
  }
  console.log(`Cadenza child RSS after the load test: ${after.rss} MB (peak ${after.peakRss} MB)`);
  console.log(
    `load average at the end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')} (1, 5, 15 min)`,
  );
  console.log('\ntargets:');
  for (const c of targetChecks) console.log(`  ${c}`);
}

const [role, arg] = process.argv.slice(2);
if (role === 'serve-cadenza') await serveCadenza(JSON.parse(arg!));
else if (role === 'serve-pg') await servePostgres(JSON.parse(arg!));
else if (role === 'load') await runLoadGenerator();
else if (process.argv[1] === SELF) {
  try {
    await main();
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 1;
  }
}

/**
 * bench:events — listening-event intake through `cadenza serve` (a child process), once with the
 * PostgreSQL event log and once with NATS JetStream (when NATS answers at NATS_URL or 127.0.0.1:4222).
 *  1. Sustained accepted events/s: CLIENTS concurrent clients each posting batches of 50, against a
 *     baseline measured in the same run with the same concurrency and rows: plain multi-row INSERTs
 *     into a table with a unique id (PostgreSQL), or plain de-duplicated publishes (JetStream).
 *  2. End-to-end lag from intake to history visible (POST sent → the play shows in recently-played),
 *     p50/p99, while the load runs and on an idle server.
 * Bounded: each phase runs BENCH_EVENTS_SECONDS (default 8); probes time out after 30 s.
 */

import { randomBytes } from 'node:crypto';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { newId } from '../src/core/ids.js';
import { startCadenzaServe } from './lib/child.js';
import { closeHttp, cpuSeconds, freshDatabase, http, natsAnswers } from './lib/events-client.js';
import { pct } from './lib/stats.js';

const SECONDS = Number(process.env.BENCH_EVENTS_SECONDS ?? 8);
const CLIENTS = Number(process.env.BENCH_EVENTS_CLIENTS ?? 100);
const BATCH = 50;
/** Throughput only, no lag probes: for a server started without consumers (CADENZA_ROLES=api,edge). */
const INTAKE_ONLY = process.env.BENCH_EVENTS_INTAKE_ONLY === '1';
const USERS = 20;
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function insertTracks(pool: pg.Pool, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const [artist, album, track] = [newId(), newId(), newId()];
    await pool.query(`insert into artists (id, name, name_key) values ($1, $2, $2)`, [artist, `Artist ${i}`]);
    await pool.query(
      `insert into albums (id, name, name_key, album_type, status) values ($1, $2, $2, 'album', 'published')`,
      [album, `Album ${i}`],
    );
    await pool.query(
      `insert into tracks (id, album_id, name, status, duration_ms) values ($1, $2, $3, 'ready', 240000)`,
      [track, album, `Track ${i}`],
    );
    await pool.query(`insert into track_artists values ($1, $2, 0)`, [track, artist]);
    ids.push(track);
  }
  return ids;
}

/** One client's playback: a play_start, then progress every 10 s of position, a new track at the end. */
function batchMaker(tracks: string[], device: string) {
  let track = tracks[0]!;
  let position = 240_000;
  let seq = 0;
  return () => {
    const now = Date.now() - BATCH;
    const events = [];
    for (let i = 0; i < BATCH; i++) {
      const start = position >= 230_000;
      if (start) {
        track = tracks[Math.floor(Math.random() * tracks.length)]!;
        position = 0;
      } else position += 10_000;
      events.push({
        id: `${device}.${++seq}`,
        type: start ? 'play_start' : 'progress',
        track_id: track,
        device_id: device,
        position_ms: position,
        timestamp: now + i,
      });
    }
    return events;
  };
}

/** Runs `work` from `clients` loops for SECONDS; answers the units done per second. */
async function sustained(clients: number, work: (client: number) => Promise<number>): Promise<number> {
  const deadline = performance.now() + SECONDS * 1000;
  let done = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      while (performance.now() < deadline) {
        const n = await work(c);
        done += n;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

/** Events the server answered as newly stored (accepted and not duplicates), to check against the log. */
let stored = 0;
/** How long each lag probe's POST took to be answered: the part of the lag that is intake's. */
let answered: number[] = [];

/** Sends one play_start and polls recently-played until it shows: ms from sending to visible. */
async function lagProbe(base: string, token: string, track: string): Promise<number> {
  const timestamp = Date.now();
  const event = { id: randomBytes(9).toString('base64url'), type: 'play_start', track_id: track };
  const body = JSON.stringify({ events: [{ ...event, device_id: 'probe', position_ms: 0, timestamp }] });
  const sent = performance.now();
  const [status, text] = await http(base, 'POST', '/v1/me/events', token, body);
  if (status !== 200) throw new Error(`probe intake answered ${status}`);
  const answer = JSON.parse(text) as { accepted: number; duplicates: number };
  stored += answer.accepted - answer.duplicates;
  answered.push(performance.now() - sent);
  const want = new Date(timestamp).toISOString();
  while (performance.now() - sent < 30_000) {
    const [, text] = await http(base, 'GET', '/v1/me/player/recently-played?limit=1', token);
    if (text.includes(want)) return performance.now() - sent;
    await sleep(5);
  }
  return 30_000;
}

async function lagWhile(base: string, token: string, track: string, until: () => boolean): Promise<number[]> {
  const lags: number[] = [];
  while (!until()) {
    lags.push(await lagProbe(base, token, track));
    await sleep(100);
  }
  return lags;
}

async function baselinePostgres(url: string, rows: () => Array<{ id: string }>): Promise<number> {
  const pool = new pg.Pool({ connectionString: url, max: 20 });
  await pool.query('create table bench_plain (id text primary key, body text not null)');
  try {
    return await sustained(CLIENTS, async () => {
      const batch = rows();
      await pool.query(
        'insert into bench_plain (id, body) select * from unnest($1::text[], $2::text[]) on conflict (id) do nothing',
        [batch.map((r) => r.id), batch.map((r) => JSON.stringify(r))],
      );
      return batch.length;
    });
  } finally {
    await pool.query('drop table bench_plain');
    await pool.end();
  }
}

async function baselineJetStream(rows: () => Array<{ id: string }>): Promise<number> {
  const u = new URL(NATS_URL);
  const nc = await connect({ servers: `${u.hostname}:${u.port || 4222}` });
  const jsm = await jetstreamManager(nc);
  const stream = `BENCH_PLAIN_${randomBytes(3).toString('hex').toUpperCase()}`;
  await jsm.streams.add({ name: stream, subjects: [`bench.plain.${stream.toLowerCase()}`] });
  const js = jetstream(nc);
  try {
    return await sustained(CLIENTS, async () => {
      const batch = rows();
      await Promise.all(
        batch.map((r) => js.publish(`bench.plain.${stream.toLowerCase()}`, JSON.stringify(r), { msgID: r.id })),
      );
      return batch.length;
    });
  } finally {
    await jsm.streams.delete(stream).catch(() => false);
    await nc.close();
  }
}

async function run(mode: 'postgres' | 'jetstream') {
  stored = 0;
  answered = [];
  const db = await freshDatabase(ADMIN_URL);
  const stream = `CADENZA_BENCH_${randomBytes(3).toString('hex').toUpperCase()}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: db.url,
    CADENZA_DATA_DIR: `/tmp/cadenza-bench-events-${process.pid}`,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    ...(mode === 'jetstream' ? { NATS_URL, NATS_STREAM: stream } : { NATS_URL: '' }),
  };
  const server = await startCadenzaServe(env);
  const pool = new pg.Pool({ connectionString: db.url, max: 4 });
  try {
    const tracks = await insertTracks(pool, 100);
    const tokens: string[] = [];
    for (let i = 0; i < USERS + 1; i++) {
      const body = JSON.stringify({ username: `listener${i}`, password: 'bench-password-1' });
      const [status, text] = await http(server.base, 'POST', '/api/signup', undefined, body);
      if (status !== 201) throw new Error(`signup answered ${status}: ${text}`);
      tokens.push(JSON.parse(text).access_token);
    }
    const probeToken = tokens.pop()!;
    const makers = Array.from({ length: CLIENTS }, (_, c) => batchMaker(tracks, `device-${c}`));
    const idle: number[] = [];
    for (let i = 0; i < (INTAKE_ONLY ? 0 : 20); i++) {
      idle.push(await lagProbe(server.base, probeToken, tracks[0]!));
      await sleep(20);
    }

    const baseline =
      mode === 'postgres'
        ? await baselinePostgres(db.url, () => makers[0]!())
        : await baselineJetStream(() => makers[0]!());

    let rejected = 0;
    const post = async (c: number) => {
      const body = JSON.stringify({ events: makers[c]!() });
      const [status, text] = await http(server.base, 'POST', '/v1/me/events', tokens[c % USERS], body);
      if (status !== 200) throw new Error(`intake answered ${status}: ${text}`);
      const answer = JSON.parse(text) as { accepted: number; duplicates: number; rejected: unknown[] };
      rejected += answer.rejected.length;
      stored += answer.accepted - answer.duplicates;
      return answer.accepted;
    };
    // 1. As fast as the clients can go. CPU is counted for the server and the database sessions of
    // this run (others may share the machine): what an event costs, whatever the noise.
    // Sessions opened during the phase count from zero.
    const pgCpu = async () => {
      const r = await pool.query<{ pid: number }>(
        'select pid from pg_stat_activity where datname = current_database()',
      );
      return new Map(await Promise.all(r.rows.map(async (b) => [b.pid, await cpuSeconds(b.pid)] as const)));
    };
    const [serverBefore, pgBefore] = [await cpuSeconds(server.pid), await pgCpu()];
    const pgUsed = (after: Map<number, number>) =>
      [...after].reduce((sum, [pid, s]) => sum + s - (pgBefore.get(pid) ?? 0), 0);
    const cpu = process.cpuUsage();
    const storedBefore = stored;
    const started = performance.now();
    const accepted = await sustained(CLIENTS, post);
    const elapsed = (performance.now() - started) / 1000;
    const clientCpu = (process.cpuUsage(cpu).user + process.cpuUsage(cpu).system) / 1e6 / elapsed;
    const perEvent = (seconds: number) => ((seconds * 1e6) / Math.max(1, stored - storedBefore)).toFixed(1);
    const cpuLine = `server ${perEvent((await cpuSeconds(server.pid)) - serverBefore)} µs, database ${perEvent(pgUsed(await pgCpu()))} µs of CPU per event; load generator ${(clientCpu * 100).toFixed(0)}% of a core`;
    if (INTAKE_ONLY) {
      console.log(`\n${mode} intake only: ${fmt(accepted)} events/s against a baseline of ${fmt(baseline)} rows/s`);
      console.log(`  ${cpuLine}`);
      return;
    }
    const drainStart = performance.now();
    await lagProbe(server.base, probeToken, tracks[2]!);
    const drainSeconds = (performance.now() - drainStart) / 1000;
    // 2. Lag at half that rate: at saturation it would measure the request queue, not the pipeline.
    const paced = accepted / 2;
    const interval = (CLIENTS * BATCH * 1000) / paced;
    let loading = true;
    answered = [];
    const lagging = lagWhile(server.base, probeToken, tracks[1]!, () => !loading);
    const pacedRate = await sustained(CLIENTS, async (c) => {
      const started = performance.now();
      const n = await post(c);
      await sleep(Math.max(0, interval - (performance.now() - started)));
      return n;
    });
    loading = false;
    const underLoad = await lagging;
    const intakeShare = answered;

    const label = mode === 'postgres' ? 'PostgreSQL log' : 'JetStream log';
    const base = mode === 'postgres' ? 'plain INSERTs' : 'plain publishes';
    console.log(`\n${label} (${CLIENTS} clients, batches of ${BATCH}, ${SECONDS} s)`);
    console.log(`  accepted durably   ${fmt(accepted)} events/s   (rejected ${rejected})`);
    console.log(`  baseline           ${fmt(baseline)} rows/s (${base}, same batches and concurrency)`);
    console.log(`  ratio              ${(accepted / baseline).toFixed(2)} of the baseline`);
    console.log(`  backlog drained    ${drainSeconds.toFixed(1)} s after that load stopped (history caught up)`);
    console.log(
      `  lag at ${fmt(pacedRate)} ev/s  p50 ${fmt(pct(underLoad, 0.5))} ms, p99 ${fmt(pct(underLoad, 0.99))} ms (intake → recently-played, ${underLoad.length} probes)`,
    );
    console.log(
      `    of which intake   p50 ${fmt(pct(intakeShare, 0.5))} ms, p99 ${fmt(pct(intakeShare, 0.99))} ms (POST answered)`,
    );
    console.log(`  lag when idle      p50 ${fmt(pct(idle, 0.5))} ms, p99 ${fmt(pct(idle, 0.99))} ms`);
    console.log(`  cpu (full speed)   ${cpuLine}`);
    if (mode === 'postgres') {
      const logged = (await pool.query('select coalesce(sum(records), 0)::int as n from event_log')).rows[0].n;
      console.log(`  cross-check        ${fmt(logged)} events in the log, ${fmt(stored)} answered as stored`);
    }
  } finally {
    await pool.end();
    await server.stop();
    await db.drop();
    if (mode === 'jetstream') {
      const u = new URL(NATS_URL);
      const nc = await connect({ servers: `${u.hostname}:${u.port || 4222}` });
      await (await jetstreamManager(nc)).streams.delete(stream).catch(() => false);
      await nc.close();
    }
  }
}

const MODES = (process.env.BENCH_EVENTS_LOGS ?? 'postgres,jetstream').split(',');
if (MODES.includes('postgres')) await run('postgres');
if (!MODES.includes('jetstream')) {
  // Only the PostgreSQL log was asked for.
} else if (await natsAnswers(NATS_URL)) await run('jetstream');
else console.log(`\nJetStream log: skipped, no NATS answers at ${NATS_URL}`);
closeHttp();

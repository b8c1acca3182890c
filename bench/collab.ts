/**
 * bench:collab — live playlist editing through `cadenza serve` (a child process on PostgreSQL).
 *  1. Edit-to-every-editor latency with 10, 100 and 1,000 editors connected to one playlist, against
 *     a bare WebSocket relay (no auth, ordering or database) driven the same way: p50/p99 and ratio.
 *  2. Edits applied and persisted per second: many editors on one playlist, and on many playlists,
 *     against one PostgreSQL transaction per edit with the same concurrency (the floor of "persisted").
 *  3. Server memory per connected editor.
 * Bounded: each phase runs for BENCH_COLLAB_SECONDS (default 6).
 */
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import WebSocket from 'ws';
import { apiAt } from './lib/api.js';
import { nextJsonLine, startCadenzaServe } from './lib/child.js';
import { benchDatabase } from './lib/database.js';
import { insertTracks } from './lib/seed.js';
import { pct } from './lib/stats.js';

const SECONDS = Number(process.env.BENCH_COLLAB_SECONDS ?? 6);
const EDITOR_COUNTS = (process.env.BENCH_COLLAB_EDITORS ?? '10,100,1000').split(',').map(Number);
const EDITS_PER_SECOND = Number(process.env.BENCH_COLLAB_RATE ?? 50);
/**
 * Frames per second the one bench process can take in while timing them fairly: with many editors the
 * edit rate is lowered so that rate × editors stays under it (printed per row).
 */
const DELIVERIES_PER_SECOND = Number(process.env.BENCH_COLLAB_DELIVERIES ?? 20_000);
/** Edits each editor keeps unanswered in the throughput phase (a client sending ahead, or several tabs). */
const IN_FLIGHT = Number(process.env.BENCH_COLLAB_IN_FLIGHT ?? 8);
const rateFor = (editors: number) => Math.min(EDITS_PER_SECOND, DELIVERIES_PER_SECOND / editors);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A connection that notes when each edit's broadcast arrives, reading just the fields it needs. */
class Probe {
  readonly seen = new Map<string, number>();
  version = 0;
  private answers = new Map<string, (applied: boolean) => void>();
  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const text = data.toString();
      const now = performance.now();
      if (text.startsWith('{"type":"subscribed"')) this.onSubscribed?.();
      if (text.startsWith('{"type":"error"')) console.error(`gateway error: ${text.slice(0, 300)}`);
      // Broadcasts carry the op id scoped by user ("<user id>:<id>"); answers carry it as sent.
      const id = /"(?:clientOpId|client_op_id|id)":"([^"]+)"/.exec(text)?.[1]?.replace(/^[0-9A-Za-z]{22}:/, '');
      const version = /"version":(\d+)/.exec(text)?.[1];
      // An editor knows the version of the broadcasts it hears and of the answers to its own edits.
      if (version && (text.startsWith('{"type":"playlist_op"') || text.startsWith('{"type":"ack"'))) {
        this.version = Math.max(this.version, Number(version));
      }
      if (!id) return;
      if (text.startsWith('{"type":"ack"') || text.startsWith('{"type":"rejected"')) {
        this.answers.get(id)?.(text.startsWith('{"type":"ack"'));
        this.answers.delete(id);
      } else this.seen.set(id, now);
    });
  }
  static open(url: string): Promise<Probe> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const probe = new Probe(ws);
      ws.once('open', () => resolve(probe));
      ws.once('error', reject);
    });
  }
  private onSubscribed: (() => void) | undefined;
  subscribed(): Promise<void> {
    return new Promise((resolve) => {
      this.onSubscribed = resolve;
    });
  }
  /** Resolves with whether the edit was applied (ack) or refused. */
  answered(id: string): Promise<boolean> {
    return new Promise((resolve) => this.answers.set(id, resolve));
  }
  send(frame: unknown): void {
    this.ws.send(JSON.stringify(frame));
  }
}

async function main() {
  const db = await benchDatabase('cadenza_bench_collab');
  const dataDir = await mkdtemp(join(tmpdir(), 'cadenza-bench-collab-'));
  await chmod(dataDir, 0o755);
  // The server's RSS is read from /metrics, which is off unless configured.
  const env = {
    ...process.env,
    DATABASE_URL: db.url,
    CADENZA_DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    CADENZA_METRICS: 'open',
  };
  const { base, stop } = await startCadenzaServe(env);
  const relay = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('./lib/relay-server.ts', import.meta.url))],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const pool = new pg.Pool({ connectionString: db.url, max: 20 });
  try {
    const { port: relayPort } = await nextJsonLine<{ port: number }>(relay, 20_000);
    const api = apiAt(base);
    const users: { id: string; token: string }[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await api('/api/signup', 'POST', undefined, { username: `editor${i}`, password: 'bench-password-1' });
      users.push({ id: r.user.id, token: r.access_token });
    }
    const trackIds = await insertTracks(pool, 200);
    const owner = users[0]!;
    const collaborativePlaylist = async () => {
      const p = await api(`/v1/users/${owner.id}/playlists`, 'POST', owner.token, {
        name: 'Bench',
        public: false,
        collaborative: true,
      });
      for (const u of users.slice(1))
        await api(`/v1/playlists/${p.id}/collaborators/${u.id}`, 'PUT', u === owner ? owner.token : owner.token);
      return p.id as string;
    };
    const live = (i: number) => `${base.replace('http', 'ws')}/v1/live?access_token=${users[i % users.length]!.token}`;
    const rss = async () => {
      const text = await (await fetch(`${base}/metrics`)).text();
      return Number(/^process_resident_memory_bytes (\d+)/m.exec(text)?.[1] ?? NaN);
    };

    console.log(
      `bench:collab — ${SECONDS} s per phase, latency at ${EDITS_PER_SECOND} edits/s (fewer when editors × rate > ${DELIVERIES_PER_SECOND} frames/s), Node ${process.version}`,
    );
    console.log('\n1. edit → every other editor (one playlist)');
    console.log('editors  cadenza p50 / p99 ms   relay p50 / p99 ms   ratio p99   server MB/editor');
    for (const n of EDITOR_COUNTS) {
      const playlist = await collaborativePlaylist();
      const before = await rss();
      const probes = await openMany(n, live);
      await withTimeout(
        Promise.all(
          probes.map((p) => {
            const subscribed = p.subscribed();
            p.send({ type: 'subscribe', playlist_id: playlist });
            return subscribed;
          }),
        ),
        60_000,
        `${n} editors subscribing`,
      );
      await sleep(300);
      const perEditor = ((await rss()) - before) / n / 1e6;
      const ours = await driveLatency(probes, (p, id) =>
        p.send({
          type: 'edit',
          playlist_id: playlist,
          client_op_id: id,
          version: p.version,
          edits: [{ type: 'add', index: 0, trackIds: [trackIds[Math.floor(Math.random() * trackIds.length)]] }],
        }),
      );
      for (const p of probes) p.ws.terminate();
      const relays = await openMany(n, () => `ws://127.0.0.1:${relayPort}`);
      const theirs = await driveLatency(relays, (p, id) => p.send({ id, edits: [{ type: 'add', index: 0 }] }));
      for (const p of relays) p.ws.terminate();
      console.log(
        `${String(n).padStart(7)}  ${fmt(pct(ours, 0.5))} / ${fmt(pct(ours, 0.99))}        ${fmt(pct(theirs, 0.5))} / ${fmt(pct(theirs, 0.99))}        ×${(pct(ours, 0.99) / pct(theirs, 0.99)).toFixed(1)}       ${perEditor.toFixed(3)}   (${ours.length} edits at ${rateFor(n).toFixed(0)}/s)`,
      );
      await sleep(300);
    }

    console.log(`\n2. edits applied and persisted per second (closed loop, ${IN_FLIGHT} in flight per editor)`);
    console.log('shape                        cadenza ops/s   PostgreSQL tx/s   ratio   p99 ack ms');
    for (const [label, playlists, editorsEach] of [
      ['1 playlist × 100 editors', 1, 100],
      ['100 playlists × 4 editors', 100, 4],
    ] as const) {
      const ids: string[] = [];
      for (let i = 0; i < playlists; i++) ids.push(await collaborativePlaylist());
      const probes = await openMany(playlists * editorsEach, live);
      const before = Number((await pool.query('select count(*)::int as n from playlist_ops')).rows[0].n);
      // Adds and removals of random tracks, so a playlist stays well under its 10,000-track cap.
      let k = 0;
      const { p99, refused } = await driveThroughput(probes, (p, i, id) => {
        const trackId = trackIds[Math.floor(Math.random() * trackIds.length)] as string;
        p.send({
          type: 'edit',
          playlist_id: ids[i % playlists],
          client_op_id: id,
          version: p.version,
          edits: [k++ % 3 === 2 ? { type: 'remove', tracks: [{ trackId }] } : { type: 'add', trackIds: [trackId] }],
        });
      });
      // Counted from the log: every entry is an edit that changed the list and was committed.
      const persisted = Number((await pool.query('select count(*)::int as n from playlist_ops')).rows[0].n) - before;
      const ops = persisted / SECONDS;
      for (const p of probes) p.ws.terminate();
      const floor = await pgFloor(pool, probes.length);
      console.log(
        `${label.padEnd(28)} ${String(Math.round(ops)).padStart(13)}   ${String(Math.round(floor)).padStart(15)}   ×${(ops / floor).toFixed(2)}   ${fmt(p99)}   (persisted ${persisted}, refused ${refused})`,
      );
    }
  } finally {
    relay.kill();
    await pool.end();
    await stop();
    await db.done();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** A phase that cannot finish stops the run with a reason instead of hanging. */
function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

const fmt = (x: number) => x.toFixed(1).padStart(6);

async function openMany(n: number, url: (i: number) => string): Promise<Probe[]> {
  const probes: Probe[] = [];
  for (let i = 0; i < n; i += 50) {
    probes.push(...(await Promise.all(Array.from({ length: Math.min(50, n - i) }, (_, j) => Probe.open(url(i + j))))));
  }
  return probes;
}

/** Sends edits at a fixed rate from random editors; each one's latency is when the last editor saw it. */
async function driveLatency(probes: Probe[], send: (p: Probe, id: string) => void): Promise<number[]> {
  const rate = rateFor(probes.length);
  const sent = new Map<string, number>();
  const end = performance.now() + SECONDS * 1000;
  let i = 0;
  while (performance.now() < end) {
    const id = `bench-${Date.now().toString(36)}-${i++}`;
    const from = probes[Math.floor(Math.random() * probes.length)]!;
    sent.set(id, performance.now());
    send(from, id);
    await sleep(1000 / rate);
  }
  await sleep(2000);
  const latencies: number[] = [];
  for (const [id, t0] of sent) {
    let last = 0;
    for (const p of probes) last = Math.max(last, p.seen.get(id) ?? Number.POSITIVE_INFINITY);
    latencies.push(last - t0);
  }
  return latencies;
}

async function driveThroughput(probes: Probe[], send: (p: Probe, i: number, id: string) => void) {
  const end = performance.now() + SECONDS * 1000;
  const acks: number[] = [];
  let done = 0;
  let refused = 0;
  await Promise.all(
    probes.map(async (p, i) => {
      let n = 0;
      const lane = async () => {
        while (performance.now() < end) {
          const id = `t${i}-${n++}-${Math.random().toString(36).slice(2, 6)}`;
          const t0 = performance.now();
          const answered = p.answered(id);
          send(p, i, id);
          if (!(await answered)) {
            refused++;
            continue;
          }
          acks.push(performance.now() - t0);
          done++;
        }
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
    }),
  );
  return { answered: done / SECONDS, p99: pct(acks, 0.99), refused };
}

/** One transaction per edit with a row lock, an insert and an update: what "persisted" costs at least. */
async function pgFloor(pool: pg.Pool, lanes: number): Promise<number> {
  await pool.query('create table if not exists bench_floor (id bigserial primary key, body jsonb not null)');
  await pool.query('create table if not exists bench_floor_head (id int primary key, version bigint not null)');
  await pool.query('insert into bench_floor_head values (1, 0) on conflict do nothing');
  const end = performance.now() + SECONDS * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: Math.min(lanes, 20) }, async () => {
      const client = await pool.connect();
      try {
        while (performance.now() < end) {
          await client.query('begin');
          await client.query('insert into bench_floor (body) values ($1)', [JSON.stringify({ op: 'add', at: done })]);
          await client.query('commit');
          done++;
        }
      } finally {
        client.release();
      }
    }),
  );
  return done / SECONDS;
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);

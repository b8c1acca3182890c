/**
 * bench:jam — Jam fan-out through `cadenza serve` (a child process on PostgreSQL): one host and
 * BENCH_JAM_PARTICIPANTS (default 500) participants, each a member with a live socket subscribed to
 * the Jam, all on one server process.
 *  1. Clock: every participant runs the NTP-style estimator of src/core/jam/clock-offset.ts (`time`
 *     frames, the shortest round trip of BENCH_JAM_SAMPLES taken BENCH_JAM_SAMPLE_GAP_MS or more apart)
 *     against the server, every participant at once as when a Jam fills. Server and participants share this machine's clock, so the true offset is 0 and the
 *     estimate is its own error: p50/p99/max. Baselines in the same run: one participant alone, and the
 *     first sample only (no min-RTT filter).
 *  2. Command to all: the host's device reports a seek; the time until each participant's socket has
 *     the `jam.state` carrying it (report → player state → Jam row → bus → every socket): per delivery
 *     and per round (the last participant), p50/p99/max, against a bare WebSocket relay (no auth,
 *     database or state) fanning a minimal frame out to as many sockets, driven the same way.
 * Bounded: BENCH_JAM_ROUNDS rounds (default 30), each waiting at most 10 s.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import WebSocket from 'ws';
import { newId } from '../src/core/ids.js';
import { estimateOffset, sampleOffset, type TimeSample } from '../src/core/jam/clock-offset.js';
import { apiAt } from './lib/api.js';
import { nextJsonLine, startCadenzaServe } from './lib/child.js';
import { benchDatabase } from './lib/database.js';
import { insertTracks } from './lib/seed.js';
import { pct } from './lib/stats.js';

const PARTICIPANTS = Number(process.env.BENCH_JAM_PARTICIPANTS ?? 500);
const ROUNDS = Number(process.env.BENCH_JAM_ROUNDS ?? 30);
const SAMPLES = Number(process.env.BENCH_JAM_SAMPLES ?? 8);
const ROUND_TIMEOUT_MS = 10_000;
/** Time between one participant's time samples (plus as much again at random). */
const SAMPLE_GAP_MS = Number(process.env.BENCH_JAM_SAMPLE_GAP_MS ?? 100);
/** Pause between rounds, so one round's deliveries do not queue behind the last one's. */
const ROUND_GAP_MS = 100;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The clock the gateway stamps `server_ms` with, read the same way here. */
const clock = () => performance.timeOrigin + performance.now();

/** A socket that notes when each position (a Jam seek, or a relay frame) first reaches it. */
class Participant {
  readonly seen = new Map<number, number>();
  private timeAnswer: ((f: { client_ms: number; server_ms: number }) => void) | undefined;
  private subscribed: (() => void) | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const at = performance.now();
      const text = data.toString();
      if (
        text.startsWith('{"type":"jam.state"') ||
        text.startsWith('{"type":"jam.playback"') ||
        text.startsWith('{"type":"seek"')
      ) {
        // The jam object's first position_ms is its playback's (track objects have none).
        const position = /"position_ms":(\d+)/.exec(text)?.[1];
        if (position !== undefined && !this.seen.has(Number(position))) this.seen.set(Number(position), at);
      } else if (text.startsWith('{"type":"time"')) {
        this.timeAnswer?.(JSON.parse(text));
      } else if (text.startsWith('{"type":"jam.subscribed"')) {
        this.subscribed?.();
      } else if (text.startsWith('{"type":"error"')) {
        console.error(`gateway error: ${text.slice(0, 300)}`);
      }
    });
  }

  static open(url: string): Promise<Participant> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const participant = new Participant(ws);
      ws.once('open', () => resolve(participant));
      ws.once('error', reject);
    });
  }

  send(frame: unknown): void {
    this.ws.send(JSON.stringify(frame));
  }

  subscribe(jamId: string, compact = false): Promise<void> {
    const done = new Promise<void>((resolve) => {
      this.subscribed = resolve;
    });
    this.send({ type: 'jam.subscribe', jam_id: jamId, compact });
    return done;
  }

  /**
   * `count` time samples, one after the other, `gapMs` plus up to as much again at random apart (so
   * that among many participants some samples meet a quiet moment, as spread-out joins would).
   */
  async timeSamples(count: number, gapMs: number): Promise<TimeSample[]> {
    const samples: TimeSample[] = [];
    await sleep(Math.random() * gapMs);
    for (let i = 0; i < count; i++) {
      const answered = new Promise<{ client_ms: number; server_ms: number }>((resolve) => {
        this.timeAnswer = resolve;
      });
      const sentMs = clock();
      this.send({ type: 'time', client_ms: sentMs });
      const answer = await answered;
      samples.push({ sentMs: answer.client_ms, serverMs: answer.server_ms, receivedMs: clock() });
      await sleep(gapMs + Math.random() * gapMs);
    }
    return samples;
  }
}

/** Runs `fn` over `items`, `limit` at a time. */
async function inBatches<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

/**
 * Drives `rounds` commands: `command(position)` sends one, then waits until every participant saw it.
 * Returns every delivery's latency and each round's time to the last participant, in ms.
 */
async function fanOut(participants: Participant[], command: (position: number) => void, firstPosition: number) {
  const deliveries: number[] = [];
  const toAll: number[] = [];
  let missed = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const position = firstPosition + round * 1000;
    const sent = performance.now();
    command(position);
    const deadline = sent + ROUND_TIMEOUT_MS;
    while (participants.some((p) => !p.seen.has(position)) && performance.now() < deadline) await sleep(2);
    let last = 0;
    for (const p of participants) {
      const at = p.seen.get(position);
      if (at === undefined) {
        missed++;
        continue;
      }
      deliveries.push(at - sent);
      last = Math.max(last, at - sent);
    }
    toAll.push(last);
    await sleep(ROUND_GAP_MS);
  }
  return { deliveries, toAll, missed };
}

const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);

async function main() {
  const db = await benchDatabase('cadenza_bench_jam');
  const dataDir = await mkdtemp(join(tmpdir(), 'cadenza-bench-jam-'));
  await chmod(dataDir, 0o755);
  const env = { ...process.env, DATABASE_URL: db.url, CADENZA_DATA_DIR: dataDir, HOST: '127.0.0.1', LOG_LEVEL: 'info' };
  const { base, stop } = await startCadenzaServe(env);
  const relay = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('./lib/relay-server.ts', import.meta.url))],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const pool = new pg.Pool({ connectionString: db.url, max: 4 });
  const sockets: WebSocket[] = [];
  try {
    const { port: relayPort } = await nextJsonLine<{ port: number }>(relay, 20_000);
    const api = apiAt(base);
    const live = (token: string) => `${base.replace('http', 'ws')}/v1/live?access_token=${token}`;

    const tracks = await insertTracks(pool, 5);
    const signedUp = await api('/api/signup', 'POST', undefined, { username: 'jamhost', password: 'bench-password-1' });
    // Premium before the token's first use (the server caches who a token belongs to).
    await pool.query("update users set product = 'premium' where id = $1", [signedUp.user.id]);
    const hostToken: string = signedUp.access_token;
    const tokens = await insertListeners(pool, PARTICIPANTS);

    // The host's device plays the first track; its Jam is open to anyone with the code.
    const host = await Participant.open(live(hostToken));
    sockets.push(host.ws);
    const deviceId = newId();
    host.send({
      type: 'device.register',
      device_id: deviceId,
      name: 'Bench host',
      device_type: 'Computer',
      volume_percent: 100,
      supports_volume: true,
    });
    const report = (position: number, claim = false) =>
      host.send({
        type: 'player.report',
        device_id: deviceId,
        track_id: tracks[0],
        position_ms: position,
        duration_ms: 180_000,
        is_playing: true,
        queue: tracks,
        queue_index: 0,
        context_uri: null,
        shuffle: false,
        repeat: 'off',
        volume_percent: 100,
        ...(claim ? { claim: true } : {}),
      });
    await sleep(200);
    report(0, true);
    await sleep(200);
    const jam = await api('/v1/me/jam', 'POST', hostToken, { anyone_with_link: true });
    await inBatches(tokens, 16, (token) => api(`/v1/jams/${jam.code}/members`, 'POST', token));
    const participants = await inBatches(tokens, 32, async (token) => {
      const p = await Participant.open(live(token));
      sockets.push(p.ws);
      await p.subscribe(jam.id);
      return p;
    });

    console.log(
      `bench:jam — 1 host + ${PARTICIPANTS} participants on one server process, ${ROUNDS} rounds, ${SAMPLES} time samples each, Node ${process.version}`,
    );

    console.log(
      `\n1. clock offset estimate (true offset 0: one machine, one clock), |error| ms; every participant at once, samples ${SAMPLE_GAP_MS}–${2 * SAMPLE_GAP_MS} ms apart`,
    );
    const alone = estimateOffset(await participants[0]!.timeSamples(SAMPLES, 20))!;
    const all = await Promise.all(participants.map((p) => p.timeSamples(SAMPLES, SAMPLE_GAP_MS)));
    const errors = all.map((s) => Math.abs(estimateOffset(s)!.offsetMs));
    const firstOnly = all.map((s) => Math.abs(sampleOffset(s[0]!).offsetMs));
    const rtts = all.map((s) => estimateOffset(s)!.rttMs);
    console.log('estimator                            p50      p99      max   (chosen round trip p50 / p99 ms)');
    console.log(
      `${`min-RTT of ${SAMPLES} samples`.padEnd(33)}${f2(pct(errors, 0.5)).padStart(7)}  ${f2(pct(errors, 0.99)).padStart(7)}  ${f2(Math.max(...errors)).padStart(7)}   (${f2(pct(rtts, 0.5))} / ${f2(pct(rtts, 0.99))})`,
    );
    console.log(
      `${'first sample only'.padEnd(33)}${f2(pct(firstOnly, 0.5)).padStart(7)}  ${f2(pct(firstOnly, 0.99)).padStart(7)}  ${f2(Math.max(...firstOnly)).padStart(7)}   ratio p99 ${f2(pct(firstOnly, 0.99) / pct(errors, 0.99))}x the filtered error`,
    );
    console.log(
      `${'baseline: one participant alone'.padEnd(33)}${f2(Math.abs(alone.offsetMs)).padStart(7)}                      (${f2(alone.rttMs)})`,
    );

    console.log('\n2. host command → every participant (seek reported by the host device → jam.state on each socket)');
    const fullRun = await fanOut(participants, (position) => report(position), 10_000);
    await inBatches(participants, 32, (p) => p.subscribe(jam.id, true));
    const compactRun = await fanOut(participants, (position) => report(position), 10_000 + ROUNDS * 1000);
    const frameBytes = Buffer.byteLength(JSON.stringify(await api('/v1/me/jam', 'GET', hostToken))) + 40;
    for (const s of sockets.splice(1)) s.terminate();
    const relayUrl = `ws://127.0.0.1:${relayPort}`;
    const relayed = await inBatches(tokens, 32, async () => {
      const p = await Participant.open(relayUrl);
      sockets.push(p.ws);
      return p;
    });
    const sender = await Participant.open(relayUrl);
    sockets.push(sender.ws);
    const relayRun = await fanOut(relayed, (position) => sender.send({ type: 'seek', position_ms: position }), 10_000);
    console.log('                       per delivery p50 / p99 / max ms    to the last participant p50 / p99 / max ms');
    const row = (name: string, r: typeof fullRun) =>
      console.log(
        `${name.padEnd(22)} ${f1(pct(r.deliveries, 0.5)).padStart(6)} / ${f1(pct(r.deliveries, 0.99)).padStart(6)} / ${f1(Math.max(...r.deliveries)).padStart(6)}        ${f1(pct(r.toAll, 0.5)).padStart(6)} / ${f1(pct(r.toAll, 0.99)).padStart(6)} / ${f1(Math.max(...r.toAll)).padStart(6)}${r.missed ? `   (${r.missed} not delivered in ${ROUND_TIMEOUT_MS} ms)` : ''}`,
      );
    row('jam.state (whole Jam)', fullRun);
    row('jam.playback (compact)', compactRun);
    row('bare relay (baseline)', relayRun);
    for (const [name, r] of [
      ['jam.state', fullRun],
      ['jam.playback', compactRun],
    ] as const) {
      console.log(
        `ratio ${name} / relay: per delivery p50 ${f2(pct(r.deliveries, 0.5) / pct(relayRun.deliveries, 0.5))}x, p99 ${f2(pct(r.deliveries, 0.99) / pct(relayRun.deliveries, 0.99))}x; to the last p99 ${f2(pct(r.toAll, 0.99) / pct(relayRun.toAll, 0.99))}x`,
      );
    }
    console.log(
      `(a jam.state frame here is about ${Math.round(frameBytes / 1024)} KB: ${PARTICIPANTS + 1} members and the queue)`,
    );
  } finally {
    for (const s of sockets) s.terminate();
    relay.kill();
    await pool.end();
    await stop();
    await db.done();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/**
 * Listeners with access tokens, written straight to the database: signing up hundreds through the API
 * would spend the run hashing passwords. A token is stored as its SHA-256, as the server does.
 */
async function insertListeners(pool: pg.Pool, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => newId());
  const tokens = ids.map(() => randomBytes(32).toString('base64url'));
  await pool.query(
    `insert into users (id, username, display_name, password_hash, role, product, country)
     select id, 'jammer' || n, 'Jammer ' || n, 'x', 'listener', 'free', 'SE'
     from unnest($1::text[]) with ordinality as t(id, n)`,
    [ids],
  );
  await pool.query(
    `insert into tokens (hash, user_id, kind, expires_at, family_id)
     select decode(h, 'hex'), id, 'access', now() + interval '1 day', id from unnest($1::text[], $2::text[]) as t(id, h)`,
    [ids, tokens.map((t) => createHash('sha256').update(t).digest('hex'))],
  );
  return tokens;
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);

/**
 * Recommendations benchmark (npm run bench:recs), in three parts:
 * - latency: radio, autoplay, /v1/recommendations and the personalised home over HTTP, p50/p99 at one
 *   and at four clients, beside a plain catalogue read (GET /v1/tracks/{id}) measured in the same run
 *   as the floor every request pays (HTTP, auth, JSON). Target: radio p99 < 20 ms.
 * - training: time and peak memory of each part of the model at 100 k listeners × 1 M tracks × 20 M
 *   interactions (bench/recs-train.ts; synthetic, with a Zipf skew).
 * - ann: nearest neighbours at 1 M × 128, the approximate index against exact search
 *   (bench/recs-ann.ts, also `npm run bench:recs:ann`).
 *
 *   npm run bench:recs                                   (every part; training and ann take long)
 *   BENCH_RECS_PARTS=latency npm run bench:recs          (one or more of latency,training,ann)
 *   BENCH_RECS_ARTISTS=5000 BENCH_RECS_LISTENERS=5000 BENCH_RECS_SECONDS=10 …
 *
 * The latency catalogue is written into PostgreSQL directly: BENCH_RECS_ARTISTS artists (default
 * 5,000) in 40 genres, two albums of ten tracks each (100 k tracks), released over ten years; listeners
 * (default 5,000) each hold two favourite genres and play 100 tracks, mostly from those genres, the
 * artists and tracks drawn with a Zipf skew. The server fits its model on that (a worker thread) before
 * anything is measured; the measured listeners have plays of their own, so their home and radio are
 * personal.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { newId } from '../src/core/ids.js';
import { seededRandom } from '../src/core/recs/matrix.js';
import { startCadenzaServe } from './lib/child.js';
import { benchDatabase } from './lib/database.js';
import { closeHttp, http } from './lib/events-client.js';
import { pct } from './lib/stats.js';
import { ISSUE_SCALE, trainingBench } from './recs-train.js';

const PARTS = new Set((process.env.BENCH_RECS_PARTS ?? 'latency,training,ann').split(','));
const ARTISTS = Number(process.env.BENCH_RECS_ARTISTS ?? 5000);
const LISTENERS = Number(process.env.BENCH_RECS_LISTENERS ?? 5000);
const SECONDS = Number(process.env.BENCH_RECS_SECONDS ?? 10);
const MEASURED = 8;
const GENRES = 40;
const PLAYS_EACH = 100;

interface Endpoint {
  name: string;
  path: (listener: number, rng: () => number) => string;
}

async function latency(): Promise<void> {
  const db = await benchDatabase('cadenza_bench_recs');
  const dataDir = await mkdtemp(join(tmpdir(), 'cadenza-bench-recs-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: db.url,
    CADENZA_DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    NATS_URL: '',
    CADENZA_RECS_CHECK_SECONDS: '1',
    CADENZA_RECS_REFIT_SIGNALS: '1',
  };
  const server = await startCadenzaServe(env);
  const pool = new pg.Pool({ connectionString: db.url, max: 4 });
  try {
    const tokens: string[] = [];
    const ids: string[] = [];
    for (let i = 0; i < MEASURED; i++) {
      const body = JSON.stringify({ username: `bench${i}`, password: 'bench-password-1' });
      const [status, text] = await http(server.base, 'POST', '/api/signup', undefined, body);
      if (status !== 201) throw new Error(`signup answered ${status}: ${text}`);
      tokens.push(JSON.parse(text).access_token);
      ids.push(JSON.parse((await http(server.base, 'GET', '/v1/me', tokens[i]))[1]).id);
    }
    let started = performance.now();
    const catalogue = await writeCatalogue(pool);
    const played = await writePlays(pool, catalogue, ids);
    console.log(
      `catalogue: ${catalogue.tracks.length.toLocaleString('en')} tracks, ${ARTISTS.toLocaleString('en')} artists, ` +
        `${GENRES} genres; ${played.toLocaleString('en')} plays by ${(LISTENERS + MEASURED).toLocaleString('en')} ` +
        `listeners; written in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    started = performance.now();
    const fittedAfter = Date.now();
    await waitForModel(join(dataDir, 'recs', 'live.model'), fittedAfter);
    console.log(`model fitted by the server in ${((performance.now() - started) / 1000).toFixed(1)} s (worker thread)`);

    const seedOf = (listener: number, rng: () => number) => catalogue.tracksOf[listener]![Math.floor(rng() * 50)]!;
    const endpoints: Endpoint[] = [
      { name: 'baseline: GET /v1/tracks/{id}', path: (l, r) => `/v1/tracks/${seedOf(l, r)}` },
      { name: 'radio (track seed)', path: (l, r) => `/v1/radio?seed_uri=cadenza:track:${seedOf(l, r)}&limit=50` },
      {
        name: 'recommendations (3 seeds)',
        path: (l, r) => `/v1/recommendations?seed_tracks=${[0, 1, 2].map(() => seedOf(l, r)).join(',')}&limit=20`,
      },
      {
        name: 'autoplay (5 seeds)',
        path: (l, r) => `/v1/me/autoplay?seed_tracks=${[0, 1, 2, 3, 4].map(() => seedOf(l, r)).join(',')}`,
      },
      { name: 'home', path: () => '/v1/me/home' },
    ];
    console.log(`\n${'endpoint'.padEnd(32)} clients   req/s    p50 ms   p99 ms   p99 ÷ baseline's`);
    for (const clients of [1, 4]) {
      let floor = 0;
      for (const endpoint of endpoints) {
        const times = await measure(server.base, tokens, endpoint, clients);
        const p99 = pct(times, 0.99);
        if (endpoint.name.startsWith('baseline')) floor = p99;
        console.log(
          `${endpoint.name.padEnd(32)} ${String(clients).padStart(7)} ${(times.length / SECONDS).toFixed(0).padStart(7)} ` +
            `${pct(times, 0.5).toFixed(2).padStart(9)} ${p99.toFixed(2).padStart(8)}   ×${(p99 / floor).toFixed(1)}` +
            (endpoint.name.startsWith('radio') ? `   (target < 20 ms: ${p99 < 20 ? 'met' : 'MISSED'})` : ''),
        );
      }
    }
    console.log(
      `load average at the end: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(', ')}; ${cpus().length} cores`,
    );
  } finally {
    await pool.end();
    await server.stop();
    closeHttp();
    await db.done();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Requests from `clients` concurrent loops for SECONDS (after a one-second warm-up); their times in ms. */
async function measure(base: string, tokens: string[], endpoint: Endpoint, clients: number): Promise<number[]> {
  const times: number[] = [];
  const rng = seededRandom(clients);
  const run = async (client: number, until: number, keep: boolean) => {
    for (let n = 0; performance.now() < until; n++) {
      const listener = (client + n * clients) % tokens.length;
      const path = endpoint.path(listener, rng);
      const t = performance.now();
      const [status, text] = await http(base, 'GET', path, tokens[listener]);
      if (status !== 200) throw new Error(`${path} answered ${status}: ${text.slice(0, 200)}`);
      if (keep) times.push(performance.now() - t);
    }
  };
  const warm = performance.now() + 1000;
  await Promise.all(Array.from({ length: clients }, (_, c) => run(c, warm, false)));
  const until = performance.now() + SECONDS * 1000;
  await Promise.all(Array.from({ length: clients }, (_, c) => run(c, until, true)));
  return times.sort((a, b) => a - b);
}

interface Catalogue {
  tracks: string[];
  /** Per measured listener, 50 tracks of their own genres (radio and recommendation seeds). */
  tracksOf: string[][];
  /** Track ids by genre, popular first. */
  byGenre: string[][];
}

async function writeCatalogue(pool: pg.Pool): Promise<Catalogue> {
  const rng = seededRandom(11);
  const tracks: string[] = [];
  const byGenre: string[][] = Array.from({ length: GENRES }, () => []);
  const artists: unknown[][] = [];
  const albums: unknown[][] = [];
  const albumArtists: unknown[][] = [];
  const trackRows: unknown[][] = [];
  const trackArtists: unknown[][] = [];
  for (let a = 0; a < ARTISTS; a++) {
    const artist = newId();
    // Artist a's genre; low-numbered artists are the popular ones in each genre.
    const genre = a % GENRES;
    const popularity = Math.max(1, Math.round(90 / (1 + a / GENRES) ** 0.5));
    artists.push([artist, `Artist ${a}`, `artist ${a}:${artist}`, [`genre ${genre}`]]);
    for (let b = 0; b < 2; b++) {
      const album = newId();
      const released = new Date(Date.UTC(2016, 0, 1) + rng() * 10 * 365 * 86_400_000).toISOString().slice(0, 10);
      albums.push([album, `Album ${a}.${b}`, `album ${a} ${b}`, released, [`genre ${genre}`], popularity]);
      albumArtists.push([album, artist]);
      for (let t = 0; t < 10; t++) {
        const track = newId();
        trackRows.push([track, album, `Track ${a}.${b}.${t}`, t + 1, Math.max(1, popularity - t), [`genre ${genre}`]]);
        trackArtists.push([track, artist]);
        tracks.push(track);
        byGenre[genre]!.push(track);
      }
    }
  }
  await insertRows(pool, 'artists (id, name, name_key, genres)', ['text', 'text', 'text', 'text[]'], artists);
  await insertRows(
    pool,
    'albums (id, name, name_key, release_date, genres, popularity, album_type, release_date_precision, status) ',
    ['text', 'text', 'text', 'text', 'text[]', 'int'],
    albums,
    "'album', 'day', 'published'",
  );
  await insertRows(pool, 'album_artists (album_id, artist_id, position)', ['text', 'text'], albumArtists, '0');
  await insertRows(
    pool,
    'tracks (id, album_id, name, track_number, popularity, genres, status, duration_ms)',
    ['text', 'text', 'text', 'int', 'int', 'text[]'],
    trackRows,
    "'ready', 200000",
  );
  await insertRows(pool, 'track_artists (track_id, artist_id, position)', ['text', 'text'], trackArtists, '0');
  return { tracks, byGenre, tracksOf: [] };
}

/** Plays of every synthetic listener and of the measured ones; fills catalogue.tracksOf. Returns the count. */
async function writePlays(pool: pg.Pool, catalogue: Catalogue, measured: string[]): Promise<number> {
  const rng = seededRandom(12);
  const zipf = (n: number) => Math.min(n - 1, Math.floor(n * rng() ** 3));
  const rows: unknown[][] = [];
  const now = Date.now();
  const listeners = [...Array.from({ length: LISTENERS }, (_, i) => `bench-listener-${i}`), ...measured];
  for (const [l, user] of listeners.entries()) {
    const genres = [Math.floor(rng() * GENRES), Math.floor(rng() * GENRES)];
    const mine: string[] = [];
    for (let p = 0; p < PLAYS_EACH; p++) {
      // Four plays in five from the listener's own genres, the rest from anywhere.
      const genre = rng() < 0.8 ? genres[p % 2]! : Math.floor(rng() * GENRES);
      const list = catalogue.byGenre[genre]!;
      const track = list[zipf(list.length)]!;
      if (rng() < 0.8) mine.push(track);
      const at = new Date(now - rng() * 20 * 86_400_000).toISOString();
      rows.push([`${user}.${p}`, user, track, at, 200_000]);
    }
    if (l >= LISTENERS) catalogue.tracksOf.push(mine);
  }
  await insertRows(
    pool,
    'plays (play_id, user_id, track_id, started_at, listened_ms, device_id, start_position_ms, market, product)',
    ['text', 'text', 'text', 'timestamptz', 'int'],
    rows,
    "'bench', 0, 'US', 'premium'",
  );
  return rows.length;
}

/** Inserts rows in chunks through unnest, one array parameter per column; `constants` end every row. */
async function insertRows(
  pool: pg.Pool,
  target: string,
  types: string[],
  rows: unknown[][],
  constants?: string,
): Promise<void> {
  const arrays = types.map((t) => (t === 'text[]' ? 'text' : t));
  for (let at = 0; at < rows.length; at += 5000) {
    const chunk = rows.slice(at, at + 5000);
    const columns = types.map((t, c) =>
      // A text[] column travels as its literal, cast back per row.
      chunk.map((r) => (t === 'text[]' ? `{${(r[c] as string[]).map((s) => `"${s}"`).join(',')}}` : r[c])),
    );
    const unnest = arrays.map((t, c) => `$${c + 1}::${t}[]`).join(', ');
    const select = types.map((t, c) => (t === 'text[]' ? `c${c}::text[]` : `c${c}`)).join(', ');
    const names = types.map((_, c) => `c${c}`).join(', ');
    await pool.query(
      `insert into ${target} select ${select}${constants ? `, ${constants}` : ''} from unnest(${unnest}) as u(${names})`,
      columns,
    );
  }
}

/** Resolves once the server has saved a model fitted after `after` (ms since the epoch). */
async function waitForModel(path: string, after: number): Promise<void> {
  const deadline = Date.now() + 30 * 60_000;
  for (;;) {
    // The file holds when the fit began: a fit begun while the plays were being written does not count.
    const fittedAt = Number(await readFile(`${path}.at`, 'utf8').catch(() => '0'));
    if (fittedAt >= after) return;
    if (Date.now() > deadline) throw new Error('the server fitted no model within 30 minutes');
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** bench/recs-ann.ts as a child process, its output passed through. */
function ann(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./recs-ann.ts', import.meta.url))],
      {
        stdio: 'inherit',
      },
    );
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`recs-ann exited ${code}`))));
  });
}

if (PARTS.has('latency')) await latency();
if (PARTS.has('training')) {
  console.log('');
  await trainingBench(ISSUE_SCALE);
}
if (PARTS.has('ann')) {
  console.log('');
  await ann();
}

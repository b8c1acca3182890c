import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { newId } from '../../src/core/ids.js';
import { cadenza } from '../helpers/cli.js';
import { createTestDatabase } from '../helpers/db.js';
import { LiveEditor, LiveSocket } from '../helpers/live-client.js';
import { eventually } from '../helpers/server.js';
import { serviceAnswers } from '../helpers/services.js';

/**
 * Two `cadenza serve` processes on one PostgreSQL and one Redis: an edit made through one reaches an
 * editor connected to the other, concurrent edits through both converge, and friend activity crosses.
 */

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const skip = (await serviceAnswers(REDIS_URL, 6379)) ? false : `no Redis at ${REDIS_URL}`;

type Server = { url: string; stop(): void };
const servers: Server[] = [];
const dirs: string[] = [];
let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;

async function serve(databaseUrl: string): Promise<Server> {
  const dir = await mkdtemp(join(tmpdir(), 'cadenza-scale-'));
  await chmod(dir, 0o755);
  dirs.push(dir);
  const run = cadenza(['serve', '--port', '0'], {
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    CADENZA_DATA_DIR: dir,
    HOST: '127.0.0.1',
  });
  let stderr = '';
  run.child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const url = await eventually(async () => /"url":"(http:[^"]+)"/.exec(stderr)?.[1], 60_000, 'the server to listen');
  return { url, stop: () => run.child.kill('SIGKILL') };
}

async function api(base: string, method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(base + path, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

let a: Server;
let b: Server;
let owner: { id: string; token: string };
let friend: { id: string; token: string };
const tracks: string[] = [];

before(async () => {
  if (skip) return;
  database = await createTestDatabase();
  a = await serve(database.url);
  b = await serve(database.url);
  servers.push(a, b);
  const signUp = async (base: string, username: string) => {
    const r = await api(base, 'POST', '/api/signup', undefined, { username, password: 'correct horse battery' });
    return { id: r.user.id as string, token: r.access_token as string };
  };
  owner = await signUp(a.url, 'owner');
  friend = await signUp(b.url, 'friend');
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  const [artist, album] = [newId(), newId()];
  await client.query("insert into artists (id, name, name_key) values ($1, 'Two', 'two')", [artist]);
  await client.query(
    "insert into albums (id, name, name_key, album_type, status) values ($1, 'Both', 'both', 'album', 'published')",
    [album],
  );
  for (let i = 0; i < 4; i++) {
    const id = newId();
    tracks.push(id);
    await client.query(
      "insert into tracks (id, album_id, name, track_number, status, media_version) values ($1, $2, $3, $4, 'ready', 'v1')",
      [id, album, `Track ${i}`, i + 1],
    );
  }
  await client.end();
});

after(async () => {
  for (const s of servers) s.stop();
  await new Promise((r) => setTimeout(r, 200));
  await database?.drop();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

test('an edit made through one process reaches an editor connected to the other', { skip }, async () => {
  const playlist = await api(a.url, 'POST', `/v1/users/${owner.id}/playlists`, owner.token, {
    name: 'Across',
    public: false,
    collaborative: true,
  });
  await api(a.url, 'PUT', `/v1/playlists/${playlist.id}/collaborators/${friend.id}`, owner.token);
  const onA = new LiveEditor(a.url, owner.token, owner.id, playlist.id);
  const onB = new LiveEditor(b.url, friend.token, friend.id, playlist.id);
  await onA.connect();
  await onB.connect();

  const first = await onA.edit({ type: 'add', trackIds: [tracks[0] as string, tracks[1] as string] });
  assert.equal(first.type, 'ack');
  await eventually(async () => onB.replica.version === first.version, 5_000, 'the edit to cross processes');
  assert.deepEqual(onB.trackIds(), [tracks[0], tracks[1]]);

  // Both processes edit the same version at once: one order, and both editors end on it.
  const answers = await Promise.all([
    onA.edit({ type: 'add', index: 0, trackIds: [tracks[2] as string] }),
    onB.edit({ type: 'add', index: 0, trackIds: [tracks[3] as string] }),
    onB.edit({ type: 'move', rangeStart: 0, rangeLength: 1, insertBefore: 2 }),
  ]);
  assert.ok(
    answers.every((f) => f.type === 'ack'),
    JSON.stringify(answers),
  );
  const last = Math.max(...answers.map((f) => f.version as number));
  await eventually(async () => onA.replica.version === last && onB.replica.version === last, 5_000, 'convergence');
  assert.deepEqual(onA.trackIds(), onB.trackIds());
  const stored = await api(b.url, 'GET', `/v1/playlists/${playlist.id}/tracks`, owner.token);
  assert.deepEqual(
    stored.items.map((it: { track: { id: string } }) => it.track.id),
    onA.trackIds(),
  );
  assert.equal(new Set(onA.trackIds()).size, 4);
  onA.socket.close();
  onB.socket.close();
});

test("a playback report on one process reaches a follower's socket on the other", { skip }, async () => {
  await api(b.url, 'PUT', `/v1/me/following?type=user&ids=${owner.id}`, friend.token);
  const socket = await LiveSocket.open(b.url, friend.token);
  await api(a.url, 'PUT', '/v1/me/player/now-playing', owner.token, {
    track_id: tracks[0],
    progress_ms: 0,
    is_playing: true,
  });
  const frame = await socket.next((f) => f.type === 'friend_activity', 5_000, true);
  assert.equal(frame.activity.user.id, owner.id);
  socket.close();
});

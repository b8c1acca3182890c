import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { PgPlayerRepository } from '../../src/adapters/postgres/player-repo.js';
import { serverMs } from '../../src/core/player/player-service.js';
import { base } from '../../src/core/player/transitions.js';
import { TestDevice } from '../helpers/connect.js';
import { type Discography, insertDiscography } from '../helpers/discography.js';
import { type Frame, LiveSocket } from '../helpers/live-client.js';
import { addTracks, createPlaylist } from '../helpers/playlists.js';
import { eventually, startTestServer, type TestServer } from '../helpers/server.js';

/** Spotify's player family over real HTTP, with devices on real WebSockets. */

let server: TestServer;
let music: Discography;
type Account = Awaited<ReturnType<TestServer['account']>>;
const album = (name: string) => music.album.get(name)!;
const tracks = (name: string) => music.tracks.get(name)!;

before(async () => {
  server = await startTestServer({ deviceHeartbeatMs: 200 });
  music = await insertDiscography(server.services.database.db, [
    {
      name: 'Loom',
      genre: 'folk',
      albums: [
        { name: 'Threads', tracks: 5 },
        { name: 'Knots', tracks: 3 },
      ],
    },
  ]);
});
after(() => server.close());

async function call(who: Account, method: string, path: string, body?: unknown) {
  const init: RequestInit & { token: string } = { method, token: who.token };
  if (body !== undefined) {
    init.headers = { 'content-type': 'application/json' };
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  return server.json(path, init);
}

async function command(who: Account, method: string, path: string, body?: unknown) {
  const r = await call(who, method, path, body);
  assert.equal(r.status, 204, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
}

const playback = async (who: Account) => {
  const r = await call(who, 'GET', '/v1/me/player');
  return r.status === 204 ? null : r.body;
};

/** A listener with one device playing track `index` of Threads. */
async function playing(index = 0) {
  const me = await server.account();
  const device = await TestDevice.connect(server.url, me.token);
  await command(me, 'PUT', `/v1/me/player/play?device_id=${device.id}`, {
    context_uri: `cadenza:album:${album('Threads')}`,
    offset: { position: index },
  });
  await device.command('load', true);
  return { me, device };
}

test('nothing is active: GET answers 204 and commands 404 NO_ACTIVE_DEVICE', async () => {
  const me = await server.account();
  assert.equal((await call(me, 'GET', '/v1/me/player')).status, 204);
  assert.equal((await call(me, 'GET', '/v1/me/player/currently-playing')).status, 204);
  await TestDevice.connect(server.url, me.token);
  for (const [method, path] of [
    ['PUT', '/v1/me/player/play'],
    ['PUT', '/v1/me/player/pause'],
    ['POST', '/v1/me/player/next'],
    ['POST', '/v1/me/player/previous'],
    ['PUT', '/v1/me/player/seek?position_ms=1000'],
    ['PUT', '/v1/me/player/volume?volume_percent=10'],
  ] as const) {
    const r = await call(me, method, path);
    assert.equal(r.status, 404, `${method} ${path}`);
    assert.deepEqual(r.body, {
      error: { status: 404, message: 'Player command failed: No active device found', reason: 'NO_ACTIVE_DEVICE' },
    });
  }
});

test('play a context with an offset and position: the device is told to load it and GET shows it', async () => {
  const me = await server.account();
  const device = await TestDevice.connect(server.url, me.token);
  await command(me, 'PUT', `/v1/me/player/play?device_id=${device.id}`, {
    context_uri: `spotify:album:${album('Threads')}`,
    offset: { uri: `spotify:track:${tracks('Threads')[2]}` },
    position_ms: 30_000,
  });
  const load = await device.command('load', true);
  assert.deepEqual(load, {
    kind: 'load',
    track_ids: tracks('Threads'),
    index: 2,
    position_ms: 30_000,
    play: true,
    context_uri: `cadenza:album:${album('Threads')}`,
  });
  const state = await playback(me);
  assert.equal(state.device.id, device.id);
  assert.equal(state.device.is_active, true);
  assert.equal(state.is_playing, true);
  assert.equal(state.item.id, tracks('Threads')[2]);
  assert.equal(state.item.uri, `cadenza:track:${tracks('Threads')[2]}`);
  assert.equal(state.currently_playing_type, 'track');
  assert.equal(state.context.uri, `cadenza:album:${album('Threads')}`);
  assert.ok(state.progress_ms >= 30_000 && state.progress_ms < 40_000, `progress ${state.progress_ms}`);
  const current = await call(me, 'GET', '/v1/me/player/currently-playing');
  assert.equal(current.status, 200);
  assert.equal(current.body.item.id, tracks('Threads')[2]);
});

test('play uris, an artist and a playlist; offset.position picks the track', async () => {
  const { me, device } = await playing();
  const uris = [tracks('Knots')[1], tracks('Threads')[4]].map((id) => `cadenza:track:${id}`);
  const loaded = device.command('load');
  await command(me, 'PUT', '/v1/me/player/play', { uris, offset: { position: 1 } });
  assert.deepEqual(await loaded, {
    kind: 'load',
    track_ids: [tracks('Knots')[1], tracks('Threads')[4]],
    index: 1,
    position_ms: 0,
    play: true,
    context_uri: null,
  });
  assert.equal((await playback(me)).context, null);

  const artistLoad = device.command('load');
  await command(me, 'PUT', '/v1/me/player/play', { context_uri: `cadenza:artist:${music.artist.get('Loom')}` });
  assert.equal((await artistLoad).track_ids.length, 8);

  const list = await createPlaylist(server, me);
  assert.equal(await addTracks(server, list, me, [tracks('Knots')[2]!, tracks('Threads')[0]!]), 201);
  const listLoad = device.command('load');
  await command(me, 'PUT', '/v1/me/player/play', { context_uri: `cadenza:playlist:${list}` });
  assert.deepEqual((await listLoad).track_ids, [tracks('Knots')[2], tracks('Threads')[0]]);
  assert.equal((await playback(me)).context.type, 'playlist');

  // Someone else's private playlist is not found, and nothing reaches the device.
  const stranger = await server.account();
  const hidden = await createPlaylist(server, stranger, { name: 'Secret', public: false });
  const before = device.commands().length;
  const r = await call(me, 'PUT', '/v1/me/player/play', { context_uri: `cadenza:playlist:${hidden}` });
  assert.equal(r.status, 404);
  assert.equal(device.commands().length, before);
});

test('pause, resume, seek, next, previous, volume, shuffle, repeat: each reaches the device and shows in GET', async () => {
  const { me, device } = await playing(1);
  const steps: [string, string, Record<string, unknown>, (s: Frame) => void][] = [
    ['PUT', '/v1/me/player/pause', { kind: 'pause' }, (s) => assert.equal(s.is_playing, false)],
    ['PUT', '/v1/me/player/play', { kind: 'resume' }, (s) => assert.equal(s.is_playing, true)],
    [
      'PUT',
      '/v1/me/player/seek?position_ms=90000',
      { kind: 'seek', position_ms: 90_000 },
      (s) => assert.ok(s.progress_ms >= 90_000 && s.progress_ms < 100_000, `progress ${s.progress_ms}`),
    ],
    ['POST', '/v1/me/player/next', { kind: 'next' }, (s) => assert.equal(s.item.id, tracks('Threads')[2])],
    // Well into the track: previous starts it again.
    ['PUT', '/v1/me/player/seek?position_ms=50000', { kind: 'seek', position_ms: 50_000 }, () => {}],
    ['POST', '/v1/me/player/previous', { kind: 'previous' }, (s) => assert.equal(s.item.id, tracks('Threads')[2])],
    ['POST', '/v1/me/player/previous', { kind: 'previous' }, (s) => assert.equal(s.item.id, tracks('Threads')[1])],
    [
      'PUT',
      '/v1/me/player/volume?volume_percent=42',
      { kind: 'volume', volume_percent: 42 },
      (s) => assert.equal(s.device.volume_percent, 42),
    ],
    [
      'PUT',
      '/v1/me/player/shuffle?state=true',
      { kind: 'shuffle', state: true },
      (s) => assert.equal(s.shuffle_state, true),
    ],
    [
      'PUT',
      '/v1/me/player/repeat?state=context',
      { kind: 'repeat', state: 'context' },
      (s) => assert.equal(s.repeat_state, 'context'),
    ],
  ];
  let version = 0;
  for (const [method, path, expected, check] of steps) {
    const heard = device.socket.next((f) => f.type === 'player.command');
    await command(me, method, path);
    const frame = await heard;
    assert.deepEqual(frame.command, expected, path);
    assert.equal(frame.device_id, device.id);
    assert.ok(frame.version > version, 'versions grow');
    version = frame.version;
    check(await playback(me));
  }
});

test('the queue: added tracks play after the current one in the order added; GET lists what comes next', async () => {
  const { me, device } = await playing(0);
  const [a, b] = [tracks('Knots')[0], tracks('Knots')[1]];
  // The device is told where each goes, counted from the current track: after those added before.
  for (const [k, id] of [a, b].entries()) {
    const heard = device.command('enqueue');
    await command(me, 'POST', `/v1/me/player/queue?uri=spotify:track:${id}`);
    assert.deepEqual(await heard, { kind: 'enqueue', track_ids: [id], offset: k + 1 });
  }
  const r = await call(me, 'GET', '/v1/me/player/queue');
  assert.equal(r.status, 200);
  assert.equal(r.body.currently_playing.id, tracks('Threads')[0]);
  assert.deepEqual(
    r.body.queue.map((t: { id: string }) => t.id),
    [a, b, ...tracks('Threads').slice(1)],
  );
  const unknown = await call(me, 'POST', '/v1/me/player/queue?uri=cadenza:track:0000000000000000000000');
  assert.equal(unknown.status, 404);
  const notTrack = await call(me, 'POST', `/v1/me/player/queue?uri=cadenza:album:${album('Knots')}`);
  assert.equal(notTrack.status, 400);
  assert.match(notTrack.body.error.message, /uri/);
});

test('transfer: the new device loads the queue at the position now, the old one stops', async () => {
  const { me, device: a } = await playing(3);
  await command(me, 'PUT', '/v1/me/player/seek?position_ms=60000');
  const b = await TestDevice.connect(server.url, me.token, { name: 'Phone', type: 'Smartphone' });
  const stopped = a.command('stop');
  const loaded = b.command('load');
  const relisted = a.socket.next(
    (f) => f.type === 'player.devices' && f.devices.some((d: Frame) => d.id === b.id && d.is_active),
  );
  const sent = Date.now();
  await command(me, 'PUT', '/v1/me/player', { device_ids: [b.id], play: true });
  const load = await loaded;
  await stopped;
  await relisted;
  assert.deepEqual(load.track_ids, tracks('Threads'));
  assert.equal(load.index, 3);
  assert.equal(load.play, true);
  // Extrapolated: a minute in, plus the time that passed while playing.
  assert.ok(
    load.position_ms >= 60_000 && load.position_ms <= 60_000 + (Date.now() - sent) + 2000,
    `at ${load.position_ms}`,
  );
  const state = await playback(me);
  assert.equal(state.device.id, b.id);
  const listed = (await call(me, 'GET', '/v1/me/player/devices')).body.devices;
  assert.deepEqual(
    listed.map((d: { id: string; is_active: boolean }) => [d.id, d.is_active]),
    [
      [a.id, false],
      [b.id, true],
    ],
  );
});

test('transfer while paused keeps it paused; play with an inactive device_id moves playback there', async () => {
  const { me, device: a } = await playing(0);
  await command(me, 'PUT', '/v1/me/player/pause');
  const b = await TestDevice.connect(server.url, me.token);
  const loaded = b.command('load');
  await command(me, 'PUT', '/v1/me/player', { device_ids: [b.id] });
  assert.equal((await loaded).play, false);
  assert.equal((await playback(me)).is_playing, false);
  const back = a.command('load');
  await command(me, 'PUT', `/v1/me/player/play?device_id=${a.id}`);
  assert.equal((await back).play, true);
  const state = await playback(me);
  assert.equal(state.device.id, a.id);
  assert.equal(state.is_playing, true);
});

test("another listener's device: 404, and no frame reaches it", async () => {
  const { me, device } = await playing(0);
  const other = await server.account();
  await TestDevice.connect(server.url, other.token);
  const before = device.socket.frames.length;
  for (const [method, path, body] of [
    ['PUT', `/v1/me/player/play?device_id=${device.id}`, undefined],
    ['PUT', `/v1/me/player/pause?device_id=${device.id}`, undefined],
    ['PUT', `/v1/me/player/volume?volume_percent=5&device_id=${device.id}`, undefined],
    ['PUT', '/v1/me/player', { device_ids: [device.id] }],
  ] as const) {
    const r = await call(other, method, path, body);
    assert.equal(r.status, 404, `${method} ${path}`);
  }
  // The owner's pause, sent after them, is the only command the device hears.
  const paused = device.command('pause');
  await command(me, 'PUT', '/v1/me/player/pause');
  await paused;
  const heard = device.socket.frames.slice(before).filter((f) => f.type === 'player.command');
  assert.deepEqual(
    heard.map((f) => f.command.kind),
    ['pause'],
  );
});

test('bad input answers 400 naming the field', async () => {
  const { me, device } = await playing(0);
  const cases: [string, string, unknown, RegExp][] = [
    ['PUT', '/v1/me/player/seek', undefined, /position_ms/],
    ['PUT', '/v1/me/player/seek?position_ms=-5', undefined, /position_ms/],
    ['PUT', '/v1/me/player/volume?volume_percent=101', undefined, /volume_percent/],
    ['PUT', '/v1/me/player/repeat?state=forever', undefined, /state/],
    ['PUT', '/v1/me/player/shuffle?state=maybe', undefined, /state/],
    ['PUT', '/v1/me/player', { device_ids: [] }, /device_ids/],
    ['PUT', '/v1/me/player', {}, /device_ids/],
    ['PUT', '/v1/me/player/play', { uris: ['cadenza:album:nope'] }, /uris/],
    ['PUT', '/v1/me/player/play', { context_uri: 'cadenza:track:0000000000000000000000' }, /context_uri/],
    [
      'PUT',
      '/v1/me/player/play',
      { context_uri: `cadenza:album:${album('Knots')}`, offset: { position: 9 } },
      /offset/,
    ],
    ['PUT', '/v1/me/player/play', { uris: [`cadenza:track:${tracks('Knots')[0]}`], speed: 2 }, /speed/],
    ['PUT', '/v1/me/player/play', '{"uris": [', /body/],
  ];
  const before = device.commands().length;
  for (const [method, path, body, field] of cases) {
    const r = await call(me, method, path, body);
    assert.equal(r.status, 400, `${method} ${path} ${JSON.stringify(body)}: ${r.status}`);
    assert.match(r.body.error.message, field, r.body.error.message);
  }
  assert.equal(device.commands().length, before, 'no refused command reached the device');
});

test('an empty body with Content-Type: application/json is accepted, as Spotify does', async () => {
  const { me, device } = await playing(0);
  for (const [method, path, kind] of [
    ['PUT', '/v1/me/player/pause', 'pause'],
    ['PUT', '/v1/me/player/play', 'resume'],
    ['POST', '/v1/me/player/next', 'next'],
  ] as const) {
    const heard = device.command(kind);
    const r = await server.request(path, { method, token: me.token, headers: { 'content-type': 'application/json' } });
    assert.equal(r.status, 204, path);
    await heard;
  }
  const empty = device.command('pause');
  await command(me, 'PUT', '/v1/me/player/pause', '');
  await empty;
});

test('reports from the active device update the state and every screen; others are refused unless claiming', async () => {
  const { me, device: a } = await playing(0);
  const screen = await LiveSocket.open(server.url, me.token);
  const b = await TestDevice.connect(server.url, me.token);
  const state = screen.next((f) => f.type === 'player.state' && f.state?.progress_ms >= 12_000);
  a.report({
    track_id: tracks('Threads')[1],
    position_ms: 12_000,
    duration_ms: 200_000,
    is_playing: true,
    queue: tracks('Threads'),
    queue_index: 1,
    context_uri: `cadenza:album:${album('Threads')}`,
    volume_percent: 55,
  });
  const frame = await state;
  const accepted = await a.socket.next((f) => f.type === 'player.reported', 5000, true);
  assert.deepEqual(accepted, { type: 'player.reported', device_id: a.id, version: frame.version });
  assert.equal(frame.state.item.id, tracks('Threads')[1]);
  assert.equal(frame.state.device.volume_percent, 55);
  assert.equal(typeof frame.server_ms, 'number');
  assert.ok(frame.version > 0);

  // B did not press play: its report is refused while A plays, even claiming.
  b.report({ track_id: tracks('Knots')[0], is_playing: true, claim: true, queue: [tracks('Knots')[0]] });
  const refused = await b.socket.next((f) => f.type === 'error');
  assert.equal(refused.status, 409);
  assert.equal((await playback(me)).device.id, a.id);

  // Once A is paused, B pressing play claims playback; A is told to stop.
  await command(me, 'PUT', '/v1/me/player/pause');
  const stop = a.command('stop');
  b.report({
    track_id: tracks('Knots')[0],
    duration_ms: 200_000,
    is_playing: true,
    claim: true,
    queue: [tracks('Knots')[0]],
  });
  await stop;
  await eventually(async () => (await playback(me))?.device.id === b.id, 2000, 'B to become active');
  screen.close();
});

test('the active device closing leaves the track and position, inactive; a transfer resumes them', async () => {
  const { me, device: a } = await playing(2);
  await command(me, 'PUT', '/v1/me/player/pause');
  await command(me, 'PUT', '/v1/me/player/seek?position_ms=70000');
  await a.close();
  await eventually(async () => (await playback(me)) === null, 2000, 'playback to become inactive');
  const b = await TestDevice.connect(server.url, me.token);
  const loaded = b.command('load');
  await command(me, 'PUT', '/v1/me/player', { device_ids: [b.id], play: true });
  const load = await loaded;
  assert.equal(load.index, 2);
  assert.equal(load.position_ms, 70_000);
  assert.equal(load.play, true);
});

test('reports from the active device are what friends see in their feed', async () => {
  const { me, device } = await playing(0);
  const friend = await server.account();
  await command(friend, 'PUT', `/v1/me/following?type=user&ids=${me.id}`);
  device.report({
    track_id: tracks('Threads')[3],
    position_ms: 5000,
    duration_ms: 200_000,
    is_playing: true,
    queue: tracks('Threads'),
    queue_index: 3,
  });
  await eventually(
    async () => {
      const feed = await call(friend, 'GET', '/v1/me/friends/activity');
      return feed.body.friends.some((f: { track: { id: string } }) => f.track.id === tracks('Threads')[3]);
    },
    3000,
    'the friend feed to show the reported track',
  );
  // The stand-ins next door still answer.
  assert.equal((await call(me, 'GET', '/v1/me/player/recently-played')).status, 200);
  await command(me, 'PUT', '/v1/me/player/now-playing', {
    track_id: tracks('Threads')[0],
    progress_ms: 0,
    is_playing: true,
  });
});

test('a report whose queue_index is past its queue is refused naming the field, and changes nothing', async () => {
  const { me, device } = await playing(0);
  const before = await playback(me);
  const refused = device.socket.next((f) => f.type === 'error');
  device.report({
    track_id: tracks('Threads')[1],
    is_playing: true,
    queue: tracks('Threads').slice(0, 2),
    queue_index: 2,
  });
  assert.match((await refused).message, /queue_index/);
  assert.equal((await playback(me)).item.id, before.item.id);
});

test('followers hear of a new track, a pause or a resume, not of every progress report', async () => {
  const { me, device } = await playing(0);
  const friend = await server.account();
  await command(friend, 'PUT', `/v1/me/following?type=user&ids=${me.id}`);
  const feed = await LiveSocket.open(server.url, friend.token);
  const track = tracks('Threads')[2];
  const report = async (position_ms: number, is_playing: boolean) => {
    const acked = device.socket.next((f) => f.type === 'player.reported');
    device.report({
      track_id: track,
      position_ms,
      duration_ms: 200_000,
      is_playing,
      queue: tracks('Threads'),
      queue_index: 2,
    });
    await acked;
  };
  await report(1000, true);
  await report(11_000, true);
  await report(21_000, true);
  await report(22_000, false);
  await report(22_000, true);
  // Every report was answered after its news went out, so the feed has heard all it will by the third.
  const news = () => feed.frames.filter((f) => f.type === 'friend_activity').length;
  await feed.next(() => news() >= 3, 10_000, true);
  const heard = feed.frames.filter((f) => f.type === 'friend_activity').map((f) => f.activity.is_playing);
  assert.deepEqual(
    heard,
    [true, false, true],
    'started, paused, resumed: the progress reports in between are not news',
  );
  feed.ws.close();
});

/** The command frame of `kind` the device heard (already, or next). */
const heard = (device: TestDevice, kind: string) =>
  device.socket.next((f) => f.type === 'player.command' && f.command.kind === kind, 5000, true);

test('a report sent before the device followed a command does not undo it; the device is asked again', async () => {
  const { me, device } = await playing(0);
  const load = await heard(device, 'load');
  const queue = tracks('Threads');
  const report = (fields: Record<string, unknown>) =>
    device.report({ track_id: queue[0], duration_ms: 200_000, queue, is_playing: true, ...fields });
  report({ position_ms: 1000, command_version: load.version });
  await device.socket.next((f) => f.type === 'player.reported', 5000, true);

  await command(me, 'PUT', '/v1/me/player/pause');
  const pause = await heard(device, 'pause');
  // In flight while the pause travelled: still playing, and from before the pause was applied.
  report({ position_ms: 2000, command_version: load.version });
  const stale = await device.socket.next((f) => f.type === 'player.stale');
  assert.equal(stale.command_version, pause.version);
  assert.equal((await playback(me)).is_playing, false, 'the pause stands');

  // Once it followed the pause, its report counts.
  report({ position_ms: 2100, is_playing: false, command_version: pause.version });
  await device.socket.next((f) => f.type === 'player.reported');
  const after = await playback(me);
  assert.equal(after.is_playing, false);
  assert.equal(after.progress_ms, 2100);
});

test('a volume command: the state every screen is sent shows the new volume, and no older report sets it back', async () => {
  const { me, device } = await playing(0);
  const load = await heard(device, 'load');
  const screen = await LiveSocket.open(server.url, me.token);
  const first = screen.next((f) => f.type === 'player.state');
  await command(me, 'PUT', '/v1/me/player/volume?volume_percent=35');
  assert.equal((await first).state.device.volume_percent, 35, 'the first state after the command');
  device.report({
    track_id: tracks('Threads')[0],
    is_playing: true,
    volume_percent: 80,
    command_version: load.version,
  });
  await device.socket.next((f) => f.type === 'player.stale');
  assert.equal((await playback(me)).device.volume_percent, 35);
  const devices = await call(me, 'GET', '/v1/me/player/devices');
  assert.equal(devices.body.devices[0].volume_percent, 35);
  screen.close();
});

test('two changes at once, even a listener’s first: neither is lost', async () => {
  const me = await server.account();
  const repo = new PgPlayerRepository(server.services.database.db);
  const add = (id: string) =>
    repo.update(me.id, (current) => {
      const s = base(current);
      return { ...s, queue: [...s.queue, id] };
    });
  const [a, b] = tracks('Knots');
  await Promise.all([add(a!), add(b!)]);
  const state = await repo.state(me.id);
  assert.deepEqual([...(state?.queue ?? [])].sort(), [a, b].sort());
  assert.equal(state?.version, 2);
});

test('a report racing a transfer does not take playback back', async () => {
  const { me, device: a } = await playing(0);
  const b = await TestDevice.connect(server.url, me.token);
  const { db } = server.services.database;
  const waiting = async () => {
    const r = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
      where datname = current_database() and wait_event_type = 'Lock'`.execute(db);
    return r.rows[0]!.n > 0;
  };
  // The transfer holds the state's row while A's report, read before, waits for it.
  await db.transaction().execute(async (trx) => {
    await sql`select 1 from player_states where user_id = ${me.id} for update`.execute(trx);
    a.report({ track_id: tracks('Threads')[0], is_playing: true, queue: tracks('Threads'), duration_ms: 200_000 });
    await eventually(waiting, 5000, 'the report to wait for the state');
    await sql`update player_states set active_device_id = ${b.id}, version = version + 1
      where user_id = ${me.id}`.execute(trx);
  });
  const refused = await a.socket.next((f) => f.type === 'error' || f.type === 'player.reported');
  assert.equal(refused.status, 409);
  assert.equal((await playback(me)).device.id, b.id);
});

test('a report’s position holds when its frame arrived, however long the state’s row kept it waiting', async () => {
  const { me, device } = await playing(0);
  const { db } = server.services.database;
  const threads = tracks('Threads');
  const report = (fields: Record<string, unknown>) =>
    device.report({ track_id: threads[0], is_playing: true, queue: threads, duration_ms: 200_000, ...fields });
  const waiting = async () => {
    const r = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
      where datname = current_database() and wait_event_type = 'Lock'`.execute(db);
    return r.rows[0]!.n > 0;
  };
  let sent = 0;
  let arrived = 0;
  await db.transaction().execute(async (trx) => {
    await sql`select 1 from player_states where user_id = ${me.id} for update`.execute(trx);
    sent = serverMs();
    report({ position_ms: 20_000 });
    await eventually(waiting, 5000, 'the report to wait for the state');
    arrived = serverMs();
    // Another change keeps the row a while longer: the report is stored late, its position is not.
    await new Promise((r) => setTimeout(r, 400));
  });
  await device.socket.next((f) => f.type === 'player.reported');
  /** Progress now, with the bounds the report's arrival between `from` and `to` allows. */
  const progressSince = async (positionMs: number, from: number, to: number) => {
    const asked = serverMs();
    const progress = (await playback(me)).progress_ms as number;
    const answered = serverMs();
    assert.ok(
      progress >= positionMs + (asked - to) - 3 && progress <= positionMs + (answered - from) + 3,
      `progress ${progress} is ${positionMs} + between ${Math.round(asked - to)} and ${Math.round(answered - from)} ms`,
    );
  };
  await progressSince(20_000, sent, arrived);

  // The device's own estimate of when its position held counts, up to 2 s before the arrival.
  for (const [position, back, counted] of [
    [30_000, 700, 700],
    [40_000, 10_000, 2000],
    [50_000, -5000, 0],
  ] as const) {
    const at = serverMs();
    report({ position_ms: position, at_server_ms: at - back });
    await device.socket.next((f) => f.type === 'player.reported');
    await progressSince(position + counted, at, serverMs());
  }
});

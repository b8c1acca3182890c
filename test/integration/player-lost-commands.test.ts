import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TestDevice } from '../helpers/connect.js';
import { insertDiscography } from '../helpers/discography.js';
import type { Frame } from '../helpers/live-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Contract §5: a command a device never heard (lost on the bus, or sent while its socket was being
 * replaced) is recovered from the stored state, never from the device's memory. The device's next
 * report is refused as stale and answered with the stored state to apply.
 */

let server: TestServer;
let album: string;
let queue: string[];

before(async () => {
  server = await startTestServer({ deviceHeartbeatMs: 200 });
  const music = await insertDiscography(server.services.database.db, [
    { name: 'Drift', genre: 'ambient', albums: [{ name: 'Tides', tracks: 4 }] },
  ]);
  album = music.album.get('Tides')!;
  queue = music.tracks.get('Tides')!;
});
after(() => server.close());

type Account = Awaited<ReturnType<TestServer['account']>>;

async function command(who: Account, method: string, path: string, body?: unknown) {
  const init: RequestInit & { token: string } = { method, token: who.token };
  if (body !== undefined) {
    init.headers = { 'content-type': 'application/json' };
    init.body = JSON.stringify(body);
  }
  const r = await server.json(path, init);
  assert.equal(r.status, 204, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
}

const playback = async (who: Account) => (await server.json('/v1/me/player', { token: who.token })).body;

/** A report of `device` playing track 1 of Tides, as its own memory has it. */
function reportPlaying(device: TestDevice, fields: Record<string, unknown>) {
  device.report({
    track_id: queue[1],
    duration_ms: 200_000,
    queue,
    queue_index: 1,
    context_uri: `cadenza:album:${album}`,
    is_playing: true,
    ...fields,
  });
}

test('a pause sent while the device reconnected is recovered from the stored state, not undone by its memory', async () => {
  const me = await server.account();
  const first = await TestDevice.connect(server.url, me.token);
  await command(me, 'PUT', `/v1/me/player/play?device_id=${first.id}`, {
    context_uri: `cadenza:album:${album}`,
    offset: { position: 1 },
  });
  const load: Frame = await first.socket.next((f) => f.type === 'player.command', 5000, true);
  reportPlaying(first, { position_ms: 1000, repeat: 'context', volume_percent: 40, command_version: load.version });
  await first.socket.next((f) => f.type === 'player.reported', 5000, true);

  // The connection dies without a close the server sees; the pause goes to it and is never heard.
  await command(me, 'PUT', '/v1/me/player/pause');
  const paused = await playback(me);
  assert.equal(paused.is_playing, false);

  // The device comes back on a new socket (same device id) and says what its memory plays.
  const again = await TestDevice.connect(server.url, me.token, { id: first.id });
  reportPlaying(again, { position_ms: 9000, command_version: load.version });
  const stale = await again.socket.next((f) => f.type === 'player.stale');
  assert.ok(stale.command_version > load.version, 'the pause is the last command sent');
  assert.deepEqual(stale.command, {
    kind: 'load',
    track_ids: queue,
    index: 1,
    position_ms: paused.progress_ms,
    play: false,
    context_uri: `cadenza:album:${album}`,
    shuffle: false,
    repeat: 'context',
    volume_percent: 40,
  });
  const now = await playback(me);
  assert.equal(now.is_playing, false, 'the device’s memory did not undo the pause');
  assert.equal(now.progress_ms, paused.progress_ms);

  // Applied: its report counts again.
  reportPlaying(again, { position_ms: paused.progress_ms, is_playing: false, command_version: stale.command_version });
  await again.socket.next((f) => f.type === 'player.reported');
  assert.equal((await playback(me)).device.id, first.id);
  await first.close();
  await again.close();
});

test('a lost command while playing: the stored state carries the position run on to the refusal', async () => {
  const me = await server.account();
  const device = await TestDevice.connect(server.url, me.token);
  await command(me, 'PUT', `/v1/me/player/play?device_id=${device.id}`, { uris: [`cadenza:track:${queue[0]}`] });
  const load: Frame = await device.socket.next((f) => f.type === 'player.command', 5000, true);
  // A seek the device never hears (its frame is lost), while the stored state plays on from 60 s.
  const before = Date.now();
  await command(me, 'PUT', '/v1/me/player/seek?position_ms=60000');
  device.report({
    track_id: queue[0],
    position_ms: 500,
    is_playing: true,
    queue: [queue[0]],
    command_version: load.version,
  });
  const stale = await device.socket.next((f) => f.type === 'player.stale');
  assert.equal(stale.command.play, true);
  assert.deepEqual(stale.command.track_ids, [queue[0]]);
  assert.ok(stale.command.position_ms >= 60_000, `runs on from the seek: ${stale.command.position_ms}`);
  assert.ok(stale.command.position_ms <= 60_000 + (Date.now() - before) + 1);
  assert.ok((await playback(me)).progress_ms >= 60_000, 'the report from memory (0.5 s) was not stored');
  await device.close();
});

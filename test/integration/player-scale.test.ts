import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TestDevice } from '../helpers/connect.js';
import { createTestDatabase } from '../helpers/db.js';
import { insertDiscography } from '../helpers/discography.js';
import { LiveSocket } from '../helpers/live-client.js';
import { eventually, startTestServer, type TestServer } from '../helpers/server.js';
import { serviceAnswers } from '../helpers/services.js';

/**
 * Two API servers on one PostgreSQL and one Redis (each with its own Redis connections, as two
 * processes have): devices connected to one are listed and commanded through the other.
 */

const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const skip = (await serviceAnswers(REDIS_URL, 6379))
  ? false
  : `no Redis answers at ${REDIS_URL}; set REDIS_URL to run these`;

let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
let a: TestServer;
let b: TestServer;
let album: string;
let albumTracks: string[];

before(async () => {
  if (skip) return;
  database = await createTestDatabase();
  const config = { databaseUrl: database.url, redisUrl: REDIS_URL, deviceHeartbeatMs: 200 };
  a = await startTestServer(config);
  b = await startTestServer(config);
  const music = await insertDiscography(a.services.database.db, [
    { name: 'Relay', genre: 'electronic', albums: [{ name: 'Hops', tracks: 3 }] },
  ]);
  album = music.album.get('Hops')!;
  albumTracks = music.tracks.get('Hops')!;
});
after(async () => {
  await b?.close();
  await a?.close();
  await database?.drop();
});

test('a command through one process reaches a device connected to another', { skip }, async () => {
  const me = await a.account();
  const device = await TestDevice.connect(b.url, me.token, { name: 'On B' });
  const screen = await LiveSocket.open(a.url, me.token);
  const listed = await a.json('/v1/me/player/devices', { token: me.token });
  assert.deepEqual(
    listed.body.devices.map((d: { name: string }) => d.name),
    ['On B'],
  );

  const loaded = device.command('load');
  const shown = screen.next((f) => f.type === 'player.state' && f.state?.item?.id === albumTracks[1]);
  const r = await a.request(`/v1/me/player/play?device_id=${device.id}`, {
    method: 'PUT',
    token: me.token,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ context_uri: `cadenza:album:${album}`, offset: { position: 1 } }),
  });
  assert.equal(r.status, 204);
  assert.equal((await loaded).index, 1);
  await shown;

  const paused = device.command('pause');
  assert.equal((await a.request('/v1/me/player/pause', { method: 'PUT', token: me.token })).status, 204);
  await paused;
  // B sees what A stored.
  assert.equal((await b.json('/v1/me/player', { token: me.token })).body.is_playing, false);

  // The device's report through B reaches a screen on A.
  const reported = screen.next((f) => f.type === 'player.state' && f.state?.progress_ms >= 33_000);
  device.report({
    track_id: albumTracks[1],
    position_ms: 33_000,
    duration_ms: 200_000,
    is_playing: false,
    queue: albumTracks,
    queue_index: 1,
    context_uri: `cadenza:album:${album}`,
  });
  await reported;

  await device.close();
  await eventually(
    async () => (await a.json('/v1/me/player/devices', { token: me.token })).body.devices.length === 0,
    2000,
    'the device closed on B to leave the list on A',
  );
  screen.close();
});

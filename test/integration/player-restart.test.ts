import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { TestDevice } from '../helpers/connect.js';
import { createTestDatabase } from '../helpers/db.js';
import { insertDiscography } from '../helpers/discography.js';
import { eventually, startTestServer, type TestServer } from '../helpers/server.js';

/** The player state is stored: a server restart loses the devices (their sockets) but not what played. */

const database = await createTestDatabase();
const servers: TestServer[] = [];
after(async () => {
  for (const s of servers) await s.close().catch(() => {});
  await database.drop();
});

const start = async () => {
  const server = await startTestServer({ databaseUrl: database.url, deviceHeartbeatMs: 200 });
  servers.push(server);
  return server;
};

async function command(server: TestServer, token: string, method: string, path: string, body?: unknown) {
  const r = await server.json(path, {
    method,
    token,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  assert.equal(r.status, 204, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
}

test('after a restart the stored track, queue and position play on from a new device', async () => {
  const first = await start();
  const music = await insertDiscography(first.services.database.db, [
    { name: 'Tide', genre: 'ambient', albums: [{ name: 'Shore', tracks: 4 }] },
  ]);
  const me = await first.account();
  const laptop = await TestDevice.connect(first.url, me.token);
  await command(first, me.token, 'PUT', `/v1/me/player/play?device_id=${laptop.id}`, {
    context_uri: `cadenza:album:${music.album.get('Shore')}`,
    offset: { position: 2 },
  });
  await command(first, me.token, 'PUT', '/v1/me/player/pause');
  await command(first, me.token, 'PUT', '/v1/me/player/seek?position_ms=42000');
  await command(first, me.token, 'PUT', '/v1/me/player/repeat?state=context');
  await first.close();
  servers.splice(servers.indexOf(first), 1);

  const second = await start();
  // The old socket is gone with the old process: nothing is active (at once, or once its presence lapses).
  await eventually(
    async () => (await second.json('/v1/me/player', { token: me.token })).status === 204,
    3000,
    'no active device after the restart',
  );
  const queue = await second.json('/v1/me/player/queue', { token: me.token });
  assert.equal(queue.body.currently_playing.id, music.tracks.get('Shore')![2]);
  const phone = await TestDevice.connect(second.url, me.token, { name: 'Phone' });
  const loaded = phone.command('load');
  await command(second, me.token, 'PUT', '/v1/me/player', { device_ids: [phone.id], play: true });
  assert.deepEqual(await loaded, {
    kind: 'load',
    track_ids: music.tracks.get('Shore'),
    index: 2,
    position_ms: 42_000,
    play: true,
    context_uri: `cadenza:album:${music.album.get('Shore')}`,
  });
  const state = (await second.json('/v1/me/player', { token: me.token })).body;
  assert.equal(state.device.id, phone.id);
  assert.equal(state.repeat_state, 'context');
  assert.equal(state.is_playing, true);
  await phone.close();
});

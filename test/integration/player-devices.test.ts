import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TestDevice } from '../helpers/connect.js';
import { LiveSocket } from '../helpers/live-client.js';
import { eventually, startTestServer, type TestServer } from '../helpers/server.js';
import { serviceAnswers } from '../helpers/services.js';

/** Connect devices: presence over the live gateway, names, takeovers, clock samples. */

const HEARTBEAT_MS = 150;
let server: TestServer;
type Account = Awaited<ReturnType<TestServer['account']>>;

before(async () => {
  server = await startTestServer({ deviceHeartbeatMs: HEARTBEAT_MS });
});
after(() => server.close());

const devices = async (who: Account) => {
  const r = await server.json('/v1/me/player/devices', { token: who.token });
  assert.equal(r.status, 200);
  return r.body.devices as { id: string; name: string; type: string; is_active: boolean; volume_percent: number }[];
};

const listed = (who: Account, id: string) => async () => (await devices(who)).some((d) => d.id === id);
const gone = (who: Account, id: string) => async () => !(await devices(who)).some((d) => d.id === id);

test('an open player appears in the device list within a second, with what it registered', async () => {
  const me = await server.account();
  const started = Date.now();
  const phone = await TestDevice.connect(server.url, me.token, {
    name: 'Kitchen phone',
    type: 'Smartphone',
    volume: 35,
  });
  await eventually(listed(me, phone.id), 1000, 'the device to be listed');
  assert.ok(Date.now() - started < 1000);
  const [device] = await devices(me);
  assert.deepEqual(device, {
    id: phone.id,
    is_active: false,
    is_private_session: false,
    is_restricted: false,
    name: 'Kitchen phone',
    type: 'Smartphone',
    volume_percent: 35,
    supports_volume: true,
  });
  await phone.close();
});

test('every socket of the listener hears player.devices when a device comes and goes', async () => {
  const me = await server.account();
  const screen = await LiveSocket.open(server.url, me.token);
  const heard = screen.next((f) => f.type === 'player.devices' && f.devices.length === 1);
  const laptop = await TestDevice.connect(server.url, me.token, { name: 'Laptop' });
  assert.equal((await heard).devices[0].name, 'Laptop');
  const empty = screen.next((f) => f.type === 'player.devices' && f.devices.length === 0);
  await laptop.close();
  await empty;
  screen.close();
});

test('a closed player is gone at once', async () => {
  const me = await server.account();
  const tab = await TestDevice.connect(server.url, me.token);
  await eventually(listed(me, tab.id), 1000);
  await tab.close();
  await eventually(gone(me, tab.id), 1000, 'the closed device to go');
});

test('a player whose connection drops without a close is gone at once when the server sees the socket end', async () => {
  const me = await server.account();
  const tab = await TestDevice.connect(server.url, me.token);
  tab.socket.ws.terminate();
  await eventually(gone(me, tab.id), 3 * HEARTBEAT_MS + 1000, 'the dropped device to go');
});

test('a player that stops answering pings is gone within about three heartbeats', async () => {
  const me = await server.account();
  const tab = await TestDevice.connect(server.url, me.token);
  // Longer than the presence TTL (three heartbeats): pongs keep it present.
  await new Promise((r) => setTimeout(r, 4 * HEARTBEAT_MS));
  assert.ok(await listed(me, tab.id)(), 'still present while it answers pings');
  // Stop reading: the socket stays open but no pong comes back, as with a laptop whose lid shut.
  tab.socket.ws.pause();
  const paused = Date.now();
  await eventually(gone(me, tab.id), 10 * HEARTBEAT_MS + 1000, 'the silent device to go');
  const took = Date.now() - paused;
  assert.ok(took <= 5 * HEARTBEAT_MS + 500, `gone after ${took} ms`);
  tab.socket.ws.terminate();
});

test('a device is renamed by registering again on its socket or by PUT /v1/me/player/devices/{id}', async () => {
  const me = await server.account();
  const tab = await TestDevice.connect(server.url, me.token, { name: 'Chromium on Linux' });
  await tab.register('Study');
  assert.deepEqual(
    (await devices(me)).map((d) => d.name),
    ['Study'],
  );
  const renamed = tab.socket.next((f) => f.type === 'player.devices' && f.devices[0]?.name === 'Desk');
  const r = await server.request(`/v1/me/player/devices/${tab.id}`, {
    method: 'PUT',
    token: me.token,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Desk' }),
  });
  assert.equal(r.status, 204);
  await renamed;

  const other = await server.account();
  const theirs = await server.json(`/v1/me/player/devices/${tab.id}`, {
    method: 'PUT',
    token: other.token,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Mine now' }),
  });
  assert.equal(theirs.status, 404);
  const blank = await server.json(`/v1/me/player/devices/${tab.id}`, {
    method: 'PUT',
    token: me.token,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: '' }),
  });
  assert.equal(blank.status, 400);
  assert.match(blank.body.error.message, /name/);
  assert.equal((await devices(me))[0]!.name, 'Desk');
  await tab.close();
});

test('the same device id from a new socket takes the device over; the old socket closing leaves it', async () => {
  const me = await server.account();
  const first = await TestDevice.connect(server.url, me.token, { name: 'Old tab' });
  const second = await TestDevice.connect(server.url, me.token, { id: first.id, name: 'New tab' });
  await first.close();
  // Nothing to wait for: this is the window in which a wrong delete (or lapsed presence) would show.
  await new Promise((r) => setTimeout(r, 4 * HEARTBEAT_MS));
  assert.deepEqual(
    (await devices(me)).map((d) => d.name),
    ['New tab'],
  );
  await second.close();
  await eventually(gone(me, first.id), 1000);
});

test('a tab whose device another tab takes over is told so, and takes it back by registering again', async () => {
  const me = await server.account();
  const first = await TestDevice.connect(server.url, me.token, { name: 'First tab' });
  const second = await TestDevice.connect(server.url, me.token, { id: first.id, name: 'Second tab' });
  const told = await first.socket.next((f) => f.type === 'device.replaced', 2000, true);
  assert.deepEqual(told, { type: 'device.replaced', device_id: first.id });
  // It holds the device no more: its reports are refused.
  first.report({});
  const refused = await first.socket.next((f) => f.type === 'error');
  assert.match(refused.message, /register the device first/);
  // "Use this tab": it registers again and the other tab is the one told.
  await first.register('First tab');
  const back = await second.socket.next((f) => f.type === 'device.replaced', 2000, true);
  assert.equal(back.device_id, first.id);
  assert.equal(first.socket.frames.filter((f) => f.type === 'device.replaced').length, 1);
  assert.deepEqual(
    (await devices(me)).map((d) => d.name),
    ['First tab'],
  );
  await Promise.all([first.close(), second.close()]);
});

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const noRedis = (await serviceAnswers(REDIS_URL, 6379))
  ? false
  : `no Redis answers at ${REDIS_URL}; set REDIS_URL to run`;

test('a takeover through another API process reaches the tab that held the device', { skip: noRedis }, async () => {
  // Heartbeats far apart: only the bus can tell the old tab within the second.
  const a = await startTestServer({ redisUrl: REDIS_URL });
  const b = await startTestServer({ redisUrl: REDIS_URL, databaseUrl: a.services.config.databaseUrl });
  try {
    const me = await a.account();
    const first = await TestDevice.connect(a.url, me.token, { name: 'On A' });
    const second = await TestDevice.connect(b.url, me.token, { id: first.id, name: 'On B' });
    const told = await first.socket.next((f) => f.type === 'device.replaced', 1000, true);
    assert.equal(told.device_id, first.id);
    await Promise.all([first.close(), second.close()]);
  } finally {
    await b.close();
    await a.close();
  }
});

test('bad register frames are refused naming the field; time frames answer with the server clock', async () => {
  const me = await server.account();
  const socket = await LiveSocket.open(server.url, me.token);
  socket.send({ type: 'device.register', device_id: 'x', name: 'Tab', device_type: 'Toaster' });
  const refused = await socket.next((f) => f.type === 'error');
  assert.match(refused.message, /device_type/);
  const before = Date.now();
  socket.send({ type: 'time', client_ms: 1234.5 });
  const answer = await socket.next((f) => f.type === 'time');
  assert.equal(answer.client_ms, 1234.5);
  assert.ok(answer.server_ms >= before - 5 && answer.server_ms <= Date.now() + 5, `server_ms ${answer.server_ms}`);
  socket.close();
});

test('the player routes are in /openapi.json with what they answer', async () => {
  const document = (await server.json('/openapi.json')).body as {
    paths: Record<string, Record<string, { responses?: Record<string, { description?: string }> }>>;
  };
  const commands = [
    ['put', '/v1/me/player'],
    ['put', '/v1/me/player/play'],
    ['put', '/v1/me/player/pause'],
    ['post', '/v1/me/player/next'],
    ['post', '/v1/me/player/previous'],
    ['put', '/v1/me/player/seek'],
    ['put', '/v1/me/player/repeat'],
    ['put', '/v1/me/player/shuffle'],
    ['put', '/v1/me/player/volume'],
    ['post', '/v1/me/player/queue'],
    ['put', '/v1/me/player/devices/{id}'],
  ];
  for (const [method, path] of commands) {
    const responses = document.paths[path!]?.[method!]?.responses ?? {};
    for (const status of ['204', '400', '404']) assert.ok(responses[status], `${method} ${path} ${status}`);
    assert.match(responses['404']?.description ?? '', /NO_ACTIVE_DEVICE/);
  }
  for (const path of ['/v1/me/player', '/v1/me/player/currently-playing']) {
    assert.deepEqual(Object.keys(document.paths[path]?.get?.responses ?? {}).sort(), ['200', '204'], path);
  }
  for (const path of ['/v1/me/player/devices', '/v1/me/player/queue']) {
    assert.ok(document.paths[path]?.get?.responses?.['200'], path);
  }
});

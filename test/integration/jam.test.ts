import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import type { Db } from '../../src/adapters/postgres/database.js';
import { PgJamRepository } from '../../src/adapters/postgres/jam-repo.js';
import { Forbidden } from '../../src/core/errors.js';
import { newId } from '../../src/core/ids.js';
import { JamService, MAX_QUEUE } from '../../src/core/jam/jam-service.js';
import type { Jam } from '../../src/core/jam/types.js';
import { insertCatalog } from '../helpers/catalog-fixtures.js';
import { type Frame, LiveSocket } from '../helpers/live-client.js';
import { eventually, startTestServer, type TestServer } from '../helpers/server.js';
import { serviceAnswers } from '../helpers/services.js';

/**
 * Jam over real HTTP and WebSockets: starting (premium only), joining by code, the follow rule,
 * leaving, ending, settings, the shared queue, live `jam.state` driven by the host's player reports,
 * the host leaving, a member catching up after a reconnect, and two API processes on one Redis.
 */

type Account = Awaited<ReturnType<TestServer['account']>>;

let server: TestServer;
const tracks: string[] = [];
const sockets: LiveSocket[] = [];

before(async () => {
  server = await startTestServer();
  const ids = await insertCatalog(
    server.services.database.db,
    ['One', 'Two', 'Three', 'Four', 'Five', 'Six'].map((name) => ({ name, artist: `Artist ${name}` })),
  );
  for (const { track } of ids.values()) tracks.push(track);
});

after(async () => {
  for (const s of sockets) s.close();
  await server?.close();
});

const json = (path: string, token: string, method = 'GET', body?: unknown) =>
  server.json(path, {
    method,
    token,
    ...(body === undefined ? {} : { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
  });

async function open(base: string, token: string): Promise<LiveSocket> {
  const socket = await LiveSocket.open(base, token);
  sockets.push(socket);
  return socket;
}

/** A host with a device playing `queue` from its first track (so its player has an up-next). */
async function hostPlaying(queue: string[], base = server.url) {
  const host = await server.account({ product: 'premium' });
  const socket = await open(base, host.token);
  const deviceId = newId();
  socket.send({
    type: 'device.register',
    device_id: deviceId,
    name: 'Host laptop',
    device_type: 'Computer',
    volume_percent: 100,
    supports_volume: true,
  });
  await socket.next((f) => f.type === 'device.registered');
  const device = { host, socket, deviceId, report: (r: Partial<Report>) => report(socket, deviceId, queue, r) };
  await device.report({ trackId: queue[0]!, positionMs: 1_000, isPlaying: true, claim: true });
  return device;
}

interface Report {
  trackId: string;
  /** The player's queue when it differs from the one it started with. */
  queue: string[];
  positionMs: number;
  isPlaying: boolean;
  queueIndex: number;
  claim: boolean;
}

/** Sends a player report and waits until the stored player state shows it. */
async function report(socket: LiveSocket, deviceId: string, started: string[], r: Partial<Report>) {
  const queue = r.queue ?? started;
  const trackId = r.trackId ?? queue[0]!;
  socket.send({
    type: 'player.report',
    device_id: deviceId,
    track_id: trackId,
    position_ms: r.positionMs ?? 0,
    duration_ms: 200_000,
    is_playing: r.isPlaying ?? true,
    queue,
    queue_index: r.queueIndex ?? Math.max(0, queue.indexOf(trackId)),
    context_uri: null,
    shuffle: false,
    repeat: 'off',
    volume_percent: 100,
    ...(r.claim ? { claim: true } : {}),
  });
  await socket.next((f) => f.type === 'player.state' && f.state?.item?.id === trackId && f.state.progress_ms >= 0);
}

async function startJam(token: string, settings: Record<string, unknown> = {}) {
  const r = await json('/v1/me/jam', token, 'POST', settings);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

/** A listener who joined `jam` (the host follows them, so the default rule admits them). */
async function member(jam: Frame, hostToken: string): Promise<Account> {
  const listener = await server.account();
  const followed = await server.request(`/v1/me/following?type=user&ids=${listener.id}`, {
    method: 'PUT',
    token: hostToken,
  });
  assert.equal(followed.status, 204);
  const joined = await json(`/v1/jams/${jam.code}/members`, listener.token, 'POST');
  assert.equal(joined.status, 200, JSON.stringify(joined.body));
  return listener;
}

/** A live socket subscribed to the Jam; resolves with the first (stored) state it was sent. */
async function subscribed(jamId: string, token: string, base = server.url, compact = false) {
  const socket = await open(base, token);
  socket.send({ type: 'jam.subscribe', jam_id: jamId, ...(compact ? { compact } : {}) });
  const state = await socket.next((f) => f.type === 'jam.state');
  await socket.next((f) => f.type === 'jam.subscribed', 10_000, true);
  return { socket, state };
}

describe('Jam', () => {
  test('a premium listener starts a Jam: 201 with a code, a link, and the up-next of its player as the queue', async () => {
    const { host } = await hostPlaying(tracks.slice(0, 4));
    const jam = await startJam(host.token, { guests_can_add: true });
    assert.match(jam.code, /^[A-HJKMNP-Z2-9]{6}$/);
    assert.equal(jam.link, `/jam/${jam.code}`);
    assert.equal(jam.host.id, host.id);
    assert.deepEqual(
      jam.members.map((m: Frame) => [m.id, m.is_host]),
      [[host.id, true]],
    );
    assert.equal(jam.playback.track.id, tracks[0]);
    assert.equal(jam.playback.is_playing, true);
    assert.deepEqual(
      jam.queue.map((t: Frame) => t.id),
      tracks.slice(1, 4),
    );
    assert.deepEqual(jam.settings, { anyone_with_link: false, guests_can_add: true, on_host_leave: 'hand_off' });
    const mine = await json('/v1/me/jam', host.token);
    assert.equal(mine.status, 200);
    assert.equal(mine.body.id, jam.id);
    const again = await json('/v1/me/jam', host.token, 'POST', {});
    assert.equal(again.status, 409, 'a second Jam while hosting one is refused');
  });

  test('a free account may not start a Jam (403 PREMIUM_REQUIRED); one in no Jam reads 204', async () => {
    const free = await server.account({ product: 'free' });
    const r = await json('/v1/me/jam', free.token, 'POST', {});
    assert.equal(r.status, 403);
    assert.equal(r.body.error.status, 403);
    assert.equal(r.body.error.reason, 'PREMIUM_REQUIRED');
    assert.equal((await json('/v1/me/jam', free.token)).status, 204);
  });

  test('the join screen previews a Jam; a listener the host does not follow is refused unless anyone with the link may join', async () => {
    const host = await server.account({ product: 'premium' });
    const jam = await startJam(host.token);
    const stranger = await server.account();
    const preview = await json(`/v1/jams/${jam.code.toLowerCase()}`, stranger.token);
    assert.equal(preview.status, 200);
    assert.equal(preview.body.host.id, host.id);
    assert.equal(preview.body.member_count, 1);
    assert.equal(preview.body.can_join, false);
    const refused = await json(`/v1/jams/${jam.code}/members`, stranger.token, 'POST');
    assert.equal(refused.status, 403);
    assert.match(refused.body.error.message, /follows/);
    assert.equal((await json('/v1/me/jam', stranger.token)).status, 204);

    const opened = await json(`/v1/jams/${jam.id}`, host.token, 'PUT', { anyone_with_link: true });
    assert.equal(opened.status, 200);
    // Joined as a client sending Content-Type: application/json and no body would.
    const joined = await server.json(`/v1/jams/${jam.code}/members`, {
      method: 'POST',
      token: stranger.token,
      headers: { 'Content-Type': 'application/json' },
    });
    assert.equal(joined.status, 200, JSON.stringify(joined.body));
    assert.deepEqual(
      joined.body.members.map((m: Frame) => m.id),
      [host.id, stranger.id],
    );
    assert.equal((await json(`/v1/jams/${jam.code}`, stranger.token)).body.member_count, 2);
    assert.equal((await json('/v1/jams/ZZZZZZ', stranger.token)).status, 404);
  });

  test('a listener in one Jam cannot join another (409) until they leave it', async () => {
    const hostA = await server.account({ product: 'premium' });
    const hostB = await server.account({ product: 'premium' });
    const a = await startJam(hostA.token, { anyone_with_link: true });
    const b = await startJam(hostB.token, { anyone_with_link: true });
    const listener = await server.account();
    assert.equal((await json(`/v1/jams/${a.code}/members`, listener.token, 'POST')).status, 200);
    assert.equal((await json(`/v1/jams/${a.code}/members`, listener.token, 'POST')).status, 200, 'joining again');
    assert.equal((await json(`/v1/jams/${b.code}/members`, listener.token, 'POST')).status, 409);
    assert.equal(
      (await server.request(`/v1/jams/${a.id}/members/me`, { method: 'DELETE', token: listener.token })).status,
      204,
    );
    assert.equal(
      (await server.request(`/v1/jams/${a.id}/members/me`, { method: 'DELETE', token: listener.token })).status,
      404,
    );
    assert.equal((await json(`/v1/jams/${b.code}/members`, listener.token, 'POST')).status, 200);
    assert.equal((await json('/v1/me/jam', listener.token)).body.id, b.id);
  });

  test('members see who joins and leaves live; a member who left stops hearing the Jam', async () => {
    const host = await server.account({ product: 'premium' });
    const jam = await startJam(host.token);
    const first = await member(jam, host.token);
    const { socket: hostSocket } = await subscribed(jam.id, host.token);
    const { socket: firstSocket } = await subscribed(jam.id, first.token);
    const second = await member(jam, host.token);
    for (const s of [hostSocket, firstSocket]) {
      const state = await s.next((f) => f.type === 'jam.state' && f.jam.members.length === 3, 10_000, true);
      assert.deepEqual(
        state.jam.members.map((m: Frame) => m.id),
        [host.id, first.id, second.id],
      );
    }
    await server.request(`/v1/jams/${jam.id}/members/me`, { method: 'DELETE', token: first.token });
    const left = await hostSocket.next(
      (f) => f.type === 'jam.state' && !f.jam.members.some((m: Frame) => m.id === first.id),
      10_000,
      true,
    );
    assert.deepEqual(
      left.jam.members.map((m: Frame) => m.id),
      [host.id, second.id],
    );
    const gone = await firstSocket.next((f) => f.type === 'jam.unsubscribed', 10_000, true);
    assert.equal(gone.reason, 'left');
  });

  test('only the host changes settings or ends the Jam (403 otherwise); ending tells every member', async () => {
    const host = await server.account({ product: 'premium' });
    const jam = await startJam(host.token);
    const guest = await member(jam, host.token);
    const { socket } = await subscribed(jam.id, guest.token);
    const settings = await json(`/v1/jams/${jam.id}`, guest.token, 'PUT', { guests_can_add: false });
    assert.equal(settings.status, 403);
    assert.equal((await json(`/v1/jams/${jam.id}`, host.token, 'PUT', { on_host_leave: 'sideways' })).status, 400);
    assert.equal((await server.request(`/v1/jams/${jam.id}`, { method: 'DELETE', token: guest.token })).status, 403);
    assert.equal((await server.request(`/v1/jams/${jam.id}`, { method: 'DELETE', token: host.token })).status, 204);
    const ended = await socket.next((f) => f.type === 'jam.ended', 10_000, true);
    assert.equal(ended.jam_id, jam.id);
    assert.equal((await json('/v1/me/jam', guest.token)).status, 204);
    assert.equal((await json(`/v1/jams/${jam.code}`, guest.token)).status, 404);
  });

  test('members add to the shared queue, unless the host restricted it; bad uris are named', async () => {
    const host = await server.account({ product: 'premium' });
    const jam = await startJam(host.token);
    const guest = await member(jam, host.token);
    const outsider = await server.account();
    const added = await json(`/v1/jams/${jam.id}/queue`, guest.token, 'POST', {
      uris: [`spotify:track:${tracks[4]}`, `cadenza:track:${tracks[5]}`],
    });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    assert.deepEqual(
      added.body.queue.map((t: Frame) => [t.id, t.added_by]),
      [
        [tracks[4], guest.id],
        [tracks[5], guest.id],
      ],
    );
    const bad = await json(`/v1/jams/${jam.id}/queue`, guest.token, 'POST', { uris: ['cadenza:album:x'] });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /uris\[0\]/);
    const unknown = await json(`/v1/jams/${jam.id}/queue`, guest.token, 'POST', { uris: [`cadenza:track:${newId()}`] });
    assert.equal(unknown.status, 400);
    assert.equal(
      (await json(`/v1/jams/${jam.id}/queue`, outsider.token, 'POST', { uris: [`cadenza:track:${tracks[0]}`] })).status,
      403,
    );

    await json(`/v1/jams/${jam.id}`, host.token, 'PUT', { guests_can_add: false });
    const refused = await json(`/v1/jams/${jam.id}/queue`, guest.token, 'POST', {
      uris: [`cadenza:track:${tracks[0]}`],
    });
    assert.equal(refused.status, 403);
    const byHost = await json(`/v1/jams/${jam.id}/queue`, host.token, 'POST', { uris: [`cadenza:track:${tracks[0]}`] });
    assert.equal(byHost.status, 200);
    assert.equal(byHost.body.queue.length, 3);
  });

  test('jam.subscribe is refused for a listener not in the Jam', async () => {
    const host = await server.account({ product: 'premium' });
    const jam = await startJam(host.token);
    const stranger = await server.account();
    const socket = await open(server.url, stranger.token);
    socket.send({ type: 'jam.subscribe', jam_id: jam.id });
    const refused = await socket.next((f) => f.type === 'error');
    assert.equal(refused.status, 403);
    assert.equal(refused.jam_id, jam.id);
    socket.send({ type: 'jam.subscribe', jam_id: newId() });
    assert.equal((await socket.next((f) => f.type === 'error')).status, 404);
    // Nothing about the Jam reaches the refused socket afterwards.
    await json(`/v1/jams/${jam.id}`, host.token, 'PUT', { guests_can_add: false });
    const { socket: hostSocket } = await subscribed(jam.id, host.token);
    await hostSocket.close();
    assert.equal(socket.frames.filter((f) => f.type === 'jam.state').length, 0);
  });

  test("the host's player reports drive jam.state on every member's socket; a played queue entry leaves the queue", async () => {
    const queue = tracks.slice(0, 3);
    const device = await hostPlaying(queue);
    const jam = await startJam(device.host.token);
    const members = await Promise.all([1, 2, 3].map(() => member(jam, device.host.token)));
    const live = await Promise.all(members.map((m) => subscribed(jam.id, m.token)));
    const added = await json(`/v1/jams/${jam.id}/queue`, members[0]!.token, 'POST', {
      uris: [`cadenza:track:${tracks[5]}`],
    });
    assert.equal(added.status, 200);
    assert.deepEqual(
      added.body.queue.map((t: Frame) => t.id),
      [tracks[5], ...queue.slice(1)],
      'what members add plays before the rest of the host context',
    );

    const before = Date.now();
    await device.report({ trackId: queue[0]!, positionMs: 42_000, isPlaying: false });
    for (const { socket } of live) {
      const state = await socket.next(
        (f) => f.type === 'jam.state' && f.jam.playback.position_ms === 42_000 && !f.jam.playback.is_playing,
        10_000,
        true,
      );
      assert.equal(state.jam.playback.track.id, queue[0]);
      assert.ok(state.jam.playback.server_ms >= before - 1000, 'the position is stamped with server time');
    }

    // The host's player moves on to the added track (queued after the current one): it plays, and
    // leaves the Jam's queue, which goes on with the rest of the host's context.
    await device.report({
      trackId: tracks[5]!,
      positionMs: 0,
      isPlaying: true,
      queue: [queue[0]!, tracks[5]!, ...queue.slice(1)],
    });
    for (const { socket } of live) {
      const state = await socket.next(
        (f) => f.type === 'jam.state' && f.jam.playback.track?.id === tracks[5],
        10_000,
        true,
      );
      assert.equal(state.jam.playback.is_playing, true);
      assert.deepEqual(
        state.jam.queue.map((t: Frame) => t.id),
        queue.slice(1),
      );
    }
  });

  test('a compact subscriber gets playback changes as the small jam.playback, other changes as jam.state', async () => {
    const queue = tracks.slice(0, 3);
    const device = await hostPlaying(queue);
    const jam = await startJam(device.host.token);
    const guest = await member(jam, device.host.token);
    const compact = await subscribed(jam.id, guest.token, server.url, true);
    const full = await subscribed(jam.id, guest.token);
    await device.report({ trackId: queue[0]!, positionMs: 33_000, isPlaying: true });
    const small = await compact.socket.next(
      (f) => f.type === 'jam.playback' && f.playback.position_ms === 33_000,
      10_000,
      true,
    );
    assert.equal(small.jam_id, jam.id);
    assert.equal(small.playback.track.id, queue[0]);
    assert.equal(small.playback.is_playing, true);
    assert.equal(typeof small.server_ms, 'number');
    const whole = await full.socket.next(
      (f) => f.type === 'jam.state' && f.jam.playback.position_ms === 33_000,
      10_000,
      true,
    );
    assert.equal(whole.jam.version, small.version, 'both carry the one change, under one version');
    await member(jam, device.host.token);
    await compact.socket.next((f) => f.type === 'jam.state' && f.jam.members.length === 3, 10_000, true);
    assert.ok(!compact.socket.frames.some((f) => f.type === 'jam.state' && f.jam.version === small.version));
    assert.ok(!full.socket.frames.some((f) => f.type === 'jam.playback'));
  });

  test('the host leaving hands the Jam to the member present longest, or ends it when the host chose so', async () => {
    const host = await server.account({ product: 'premium' });
    const jam = await startJam(host.token);
    const [first, second] = [await member(jam, host.token), await member(jam, host.token)];
    const { socket } = await subscribed(jam.id, second.token);
    assert.equal(
      (await server.request(`/v1/jams/${jam.id}/members/me`, { method: 'DELETE', token: host.token })).status,
      204,
    );
    const handed = await socket.next((f) => f.type === 'jam.state' && f.jam.host.id === first.id, 10_000, true);
    assert.deepEqual(
      handed.jam.members.map((m: Frame) => [m.id, m.is_host]),
      [
        [first.id, true],
        [second.id, false],
      ],
    );
    assert.equal((await json('/v1/me/jam', host.token)).status, 204);

    const other = await server.account({ product: 'premium' });
    const ending = await startJam(other.token, { on_host_leave: 'end' });
    const guest = await member(ending, other.token);
    const { socket: guestSocket } = await subscribed(ending.id, guest.token);
    await server.request(`/v1/jams/${ending.id}/members/me`, { method: 'DELETE', token: other.token });
    const ended = await guestSocket.next((f) => f.type === 'jam.ended', 10_000, true);
    assert.equal(ended.reason, 'host_left');
    assert.equal((await json('/v1/me/jam', guest.token)).status, 204);
  });

  test('a member that reconnects reads the stored Jam with the current position and follows again', async () => {
    const queue = tracks.slice(0, 3);
    const device = await hostPlaying(queue);
    const jam = await startJam(device.host.token);
    const guest = await member(jam, device.host.token);
    const first = await subscribed(jam.id, guest.token);
    first.socket.close();
    // While the member is away the host seeks.
    await device.report({ trackId: queue[1]!, positionMs: 77_000, isPlaying: true });
    // The report is applied to the Jam just after the host's own state: wait until it shows.
    const stored = await eventually(
      async () => {
        const r = await json('/v1/me/jam', guest.token);
        return r.body.playback.track.id === queue[1] && r;
      },
      10_000,
      "the host's seek in the stored Jam",
    );
    assert.equal(stored.body.playback.position_ms, 77_000);
    assert.equal(stored.body.playback.is_playing, true);
    const again = await subscribed(jam.id, guest.token);
    assert.equal(again.state.jam.playback.position_ms, 77_000);
    assert.equal(again.state.jam.version, stored.body.version);
    await device.report({ trackId: queue[1]!, positionMs: 80_000, isPlaying: false });
    await again.socket.next((f) => f.type === 'jam.state' && f.jam.playback.position_ms === 80_000, 10_000, true);
  });

  test("a Jam started from a long context still takes members' tracks: the context gives way, added ones are capped", async () => {
    // The host's player plays far more than the Jam's queue holds (the catalog's tracks, over and over).
    const long = Array.from({ length: MAX_QUEUE + 10 }, (_, i) => tracks[i % tracks.length]!);
    const device = await hostPlaying(long);
    const jam = await startJam(device.host.token);
    assert.equal(jam.queue.length, MAX_QUEUE);
    const guest = await member(jam, device.host.token);
    const added = await json(`/v1/jams/${jam.id}/queue`, guest.token, 'POST', { uris: [`cadenza:track:${tracks[5]}`] });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    assert.deepEqual([added.body.queue[0].id, added.body.queue[0].added_by], [tracks[5], guest.id]);
    assert.equal(added.body.queue.length, MAX_QUEUE, 'the last context track made room');

    // Only what members add counts against the cap (here on a Jam whose host has no player).
    const host = await server.account({ product: 'premium' });
    const small = await startJam(host.token);
    const other = await member(small, host.token);
    const fifty = Array.from({ length: 50 }, (_, i) => `cadenza:track:${tracks[i % tracks.length]}`);
    for (let n = 0; n < MAX_QUEUE / 50; n++) {
      assert.equal((await json(`/v1/jams/${small.id}/queue`, other.token, 'POST', { uris: fifty })).status, 200);
    }
    const full = await json(`/v1/jams/${small.id}/queue`, other.token, 'POST', { uris: [fifty[0]] });
    assert.equal(full.status, 400);
    assert.match(full.body.error.message, /at most/);
  });

  test("an older change of the host's player never overwrites a newer one; the heir's own changes count", async () => {
    const queue = tracks.slice(0, 3);
    const device = await hostPlaying(queue);
    const jam = await startJam(device.host.token);
    const guest = await member(jam, device.host.token);
    for (const positionMs of [10_000, 20_000, 30_000, 50_000]) await device.report({ positionMs, isPlaying: true });
    const stored = async (positionMs: number) =>
      eventually(
        async () => {
          const r = await json('/v1/me/jam', guest.token);
          return r.body.playback?.position_ms === positionMs && r.body;
        },
        10_000,
        `the Jam at ${positionMs} ms`,
      );
    const newest = await stored(50_000);
    // A change the player service made earlier, arriving last (another process, or listeners out of order).
    await server.services.jams.playerChanged(device.host.id, {
      version: 1,
      trackId: queue[2]!,
      durationMs: 200_000,
      positionMs: 1_000,
      atServerMs: Date.now(),
      isPlaying: false,
      upNext: [],
    });
    const after = (await json('/v1/me/jam', guest.token)).body;
    assert.equal(after.version, newest.version, 'the stale change is not applied');
    assert.equal(after.playback.position_ms, 50_000);
    assert.equal(after.playback.track.id, queue[0]);

    // The host leaves; the guest's player, with far fewer changes behind it, now drives the Jam.
    await server.request(`/v1/jams/${jam.id}/members/me`, { method: 'DELETE', token: device.host.token });
    const socket = await open(server.url, guest.token);
    const deviceId = newId();
    socket.send({
      type: 'device.register',
      device_id: deviceId,
      name: 'Heir',
      device_type: 'Computer',
      volume_percent: 100,
      supports_volume: true,
    });
    await socket.next((f) => f.type === 'device.registered');
    await report(socket, deviceId, queue, { trackId: queue[1]!, positionMs: 7_000, claim: true });
    const heirs = await stored(7_000);
    assert.equal(heirs.host.id, guest.id);
    assert.equal(heirs.playback.track.id, queue[1]);
  });

  test('ending or changing settings checks the host under the lock: a hand-off just made refuses the old host', async () => {
    const host = await server.account({ product: 'premium' });
    const jam = await startJam(host.token);
    const heir = await member(jam, host.token);
    const repo = new PgJamRepository(server.services.database.db);
    const stale = (await repo.get(jam.id))!;
    assert.equal(
      (await server.request(`/v1/jams/${jam.id}/members/me`, { method: 'DELETE', token: host.token })).status,
      204,
    );
    // A service that read the Jam just before the hand-off and acts just after it.
    const racing = new JamService({
      repo: Object.assign(Object.create(repo) as PgJamRepository, { get: async (): Promise<Jam> => stale }),
      bus: server.services.bus,
      knownTracks: async (ids) => new Set(ids),
      present: async () => ({ playback: null }),
    });
    await assert.rejects(racing.updateSettings(jam.id, host.id, { guestsCanAdd: false }), Forbidden);
    await assert.rejects(racing.end(jam.id, host.id), Forbidden);
    const now = await json('/v1/me/jam', heir.token);
    assert.equal(now.status, 200, 'the Jam goes on under its new host');
    assert.equal(now.body.host.id, heir.id);
    assert.equal(now.body.settings.guests_can_add, true);
  });

  test('a player change of a listener who hosts no Jam, or of an older version, opens no transaction', async () => {
    const db = server.services.database.db;
    let transactions = 0;
    const counting = new Proxy(db, {
      get(target, key) {
        if (key === 'transaction') transactions++;
        const value = Reflect.get(target, key);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as Db;
    const repo = new PgJamRepository(counting);
    const playback = {
      trackId: tracks[0]!,
      durationMs: 200_000,
      positionMs: 0,
      atServerMs: Date.now(),
      isPlaying: true,
    };
    const listener = await server.account();
    assert.equal(await repo.hostPlayed(listener.id, { ...playback, version: 5 }, [], MAX_QUEUE), undefined);
    assert.equal(transactions, 0);

    const host = await server.account({ product: 'premium' });
    const jam = await startJam(host.token);
    assert.ok(await repo.hostPlayed(host.id, { ...playback, version: 5 }, [], MAX_QUEUE));
    assert.equal(transactions, 1, 'a newer change of a host is applied in a transaction');
    assert.equal(await repo.hostPlayed(host.id, { ...playback, version: 5 }, [], MAX_QUEUE), undefined);
    assert.equal(transactions, 1);
    assert.equal((await json('/v1/me/jam', host.token)).body.id, jam.id);
  });

  test('deleting a track finds its Jam queue entries by index', async () => {
    const db = server.services.database.db;
    const plan = await db.transaction().execute(async (tx) => {
      await sql`set local enable_seqscan = off`.execute(tx);
      return sql<{ 'QUERY PLAN': string }>`explain delete from jam_queue where track_id = ${tracks[0]}`.execute(tx);
    });
    const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
    assert.match(text, /Index (Only )?Scan using jam_queue_track_idx|Bitmap Index Scan on jam_queue_track_idx/, text);
  });
});

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const noRedis = (await serviceAnswers(REDIS_URL, 6379))
  ? false
  : `no Redis answers at ${REDIS_URL}; set REDIS_URL to run`;

describe('Jam across two API processes on one PostgreSQL and Redis', () => {
  let a: TestServer | undefined;
  let b: TestServer | undefined;
  after(async () => {
    await b?.close();
    await a?.close();
  });

  test("a host's report through process A reaches a member connected to process B", { skip: noRedis }, async () => {
    a = await startTestServer({ redisUrl: REDIS_URL });
    b = await startTestServer({ redisUrl: REDIS_URL, databaseUrl: a.services.config.databaseUrl });
    const ids = await insertCatalog(a.services.database.db, [
      { name: 'Across', artist: 'Scale' },
      { name: 'Out', artist: 'Scale' },
    ]);
    const queue = [...ids.values()].map((t) => t.track);
    const host = await a.account({ product: 'premium' });
    const guest = await a.account();
    const hostSocket = await open(a.url, host.token);
    const deviceId = newId();
    hostSocket.send({
      type: 'device.register',
      device_id: deviceId,
      name: 'Host',
      device_type: 'Computer',
      volume_percent: 100,
      supports_volume: true,
    });
    await hostSocket.next((f) => f.type === 'device.registered');
    await report(hostSocket, deviceId, queue, { trackId: queue[0]!, positionMs: 5_000, claim: true });
    const started = await a.json('/v1/me/jam', {
      method: 'POST',
      token: host.token,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ anyone_with_link: true }),
    });
    assert.equal(started.status, 201);
    const joined = await b.json(`/v1/jams/${started.body.code}/members`, { method: 'POST', token: guest.token });
    assert.equal(joined.status, 200);
    const { socket } = await subscribed(started.body.id, guest.token, b.url);
    await report(hostSocket, deviceId, queue, { trackId: queue[1]!, positionMs: 12_345, isPlaying: true });
    const state = await socket.next(
      (f) => f.type === 'jam.state' && f.jam.playback.position_ms === 12_345,
      10_000,
      true,
    );
    assert.equal(state.jam.playback.track.id, queue[1]);
  });
});

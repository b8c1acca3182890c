import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { newId } from '../../src/core/ids.js';
import { topics } from '../../src/ports/event-bus.js';
import { insertCatalog } from '../helpers/catalog-fixtures.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let ids: Awaited<ReturnType<typeof insertCatalog>>;
type Account = Awaited<ReturnType<TestServer['account']>>;
const track = (name: string) => ids.get(name)!.track;
const artist = (name: string) => ids.get(name)!.artist;

before(async () => {
  server = await startTestServer();
  ids = await insertCatalog(server.services.database.db, [
    { name: 'Morning', artist: 'Cello Quartet' },
    { name: 'Noon', artist: 'Anvil Choir' },
    { name: 'Evening', artist: 'Brass Band' },
    { name: 'Night', artist: 'Drum Circle' },
  ]);
});
after(() => server.close());

async function call(method: string, path: string, token: string, body?: unknown) {
  return server.json(path, {
    method,
    token,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
}

async function ok(method: string, path: string, token: string, body?: unknown) {
  const r = await call(method, path, token, body);
  assert.ok(r.status >= 200 && r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

const follow = (who: Account, type: 'artist' | 'user', id: string) =>
  ok('PUT', `/v1/me/following?type=${type}&ids=${id}`, who.token);

const play = (who: Account, name: string, progress = 1000, playing = true) =>
  ok('PUT', '/v1/me/player/now-playing', who.token, {
    track_id: track(name),
    progress_ms: progress,
    is_playing: playing,
  });

const feed = async (who: Account) => (await ok('GET', '/v1/me/friends/activity', who.token)).friends;

/** Collects what the live gateway would forward to `who`'s connections. */
async function listen(who: Account) {
  const messages: { type: string; activity: { user: { id: string }; track: { name: string } } }[] = [];
  const stop = await server.services.bus.subscribe(topics.user(who.id), (m) => messages.push(m as never));
  return { messages, stop };
}

const settle = () => new Promise((r) => setTimeout(r, 50));

describe('following artists', () => {
  test('follow, count, contain, list by cursor and unfollow', async () => {
    const [a, b] = [await server.account(), await server.account()];
    const followers = async () => (await ok('GET', `/v1/artists/${artist('Morning')}`, a.token)).followers.total;
    assert.equal(await followers(), 0);
    assert.equal((await call('PUT', `/v1/me/following?type=artist&ids=${artist('Morning')}`, a.token)).status, 204);
    await follow(a, 'artist', artist('Morning'));
    await ok('PUT', '/v1/me/following?type=artist', b.token, { ids: [artist('Morning')] });
    assert.equal(await followers(), 2, 'following twice counts once');

    for (const name of ['Noon', 'Evening', 'Night']) await follow(a, 'artist', artist(name));
    const contains = await ok(
      'GET',
      `/v1/me/following/contains?type=artist&ids=${artist('Morning')},${artist('Noon')}`,
      b.token,
    );
    assert.deepEqual(contains, [true, false]);

    // Walk the cursor two at a time: by name, every followed artist once.
    const seen: string[] = [];
    let path: string | null = '/v1/me/following?type=artist&limit=2';
    while (path) {
      const body = await ok('GET', path.replace(server.url, ''), a.token);
      assert.equal(body.artists.total, 4);
      assert.equal(body.artists.limit, 2);
      seen.push(...body.artists.items.map((x: { name: string }) => x.name));
      assert.equal(body.artists.cursors.after, body.artists.next ? body.artists.items.at(-1).id : null);
      path = body.artists.next;
    }
    assert.deepEqual(seen, ['Anvil Choir', 'Brass Band', 'Cello Quartet', 'Drum Circle']);

    await ok('DELETE', `/v1/me/following?type=artist&ids=${artist('Morning')}`, b.token);
    assert.equal(await followers(), 1);
    const list = await ok('GET', '/v1/me/following?type=artist', b.token);
    assert.deepEqual(list.artists.items, []);
    assert.equal(list.artists.total, 0);
  });

  test('an unknown artist is a 404 naming it, and nothing from the request is followed', async () => {
    const a = await server.account();
    const unknown = newId();
    const r = await call('PUT', `/v1/me/following?type=artist&ids=${artist('Noon')},${unknown}`, a.token);
    assert.equal(r.status, 404);
    assert.match(r.body.error.message, new RegExp(unknown));
    assert.deepEqual(await ok('GET', `/v1/me/following/contains?type=artist&ids=${artist('Noon')}`, a.token), [false]);
  });
});

describe('following users', () => {
  test('follow and unfollow people; profiles and /v1/me show real follower counts', async () => {
    const [a, b, c] = [await server.account(), await server.account(), await server.account()];
    await follow(b, 'user', a.id);
    await follow(c, 'user', a.id);
    const profile = await ok('GET', `/v1/users/${a.id}`, b.token);
    assert.equal(profile.id, a.id);
    assert.equal(profile.type, 'user');
    assert.equal(profile.followers.total, 2);
    assert.equal((await ok('GET', '/v1/me', a.token)).followers.total, 2);

    const list = await ok('GET', '/v1/me/following?type=user', b.token);
    assert.deepEqual(
      list.users.items.map((u: { id: string }) => u.id),
      [a.id],
    );
    assert.equal(list.users.items[0].followers.total, 2);
    assert.deepEqual(await ok('GET', `/v1/me/following/contains?type=user&ids=${a.id},${c.id}`, b.token), [
      true,
      false,
    ]);
    await ok('DELETE', '/v1/me/following?type=user', c.token, { ids: [a.id] });
    assert.equal((await ok('GET', `/v1/users/${a.id}`, b.token)).followers.total, 1);
  });

  test('you cannot follow yourself; unknown users and bad requests are named', async () => {
    const a = await server.account();
    const self = await call('PUT', `/v1/me/following?type=user&ids=${a.id}`, a.token);
    assert.equal(self.status, 400);
    assert.match(self.body.error.message, /ids.*yourself|yourself.*ids/);
    const unknown = newId();
    const missing = await call('PUT', `/v1/me/following?type=user&ids=${unknown}`, a.token);
    assert.equal(missing.status, 404);
    assert.match(missing.body.error.message, new RegExp(unknown));
    assert.equal((await call('GET', `/v1/users/${unknown}`, a.token)).status, 404);

    const badType = await call('PUT', `/v1/me/following?type=playlist&ids=${unknown}`, a.token);
    assert.equal(badType.status, 400);
    assert.match(badType.body.error.message, /type/);
    const tooMany = Array.from({ length: 51 }, () => newId()).join(',');
    const many = await call('PUT', `/v1/me/following?type=user&ids=${tooMany}`, a.token);
    assert.equal(many.status, 400);
    assert.match(many.body.error.message, /ids/);
    const noIds = await call('PUT', '/v1/me/following?type=user', a.token);
    assert.equal(noIds.status, 400);
    assert.match(noIds.body.error.message, /ids/);
    const badAfter = await call('GET', '/v1/me/following?type=user&after=nope', a.token);
    assert.equal(badAfter.status, 400);
    assert.match(badAfter.body.error.message, /after/);
  });
});

describe('friend activity', () => {
  test('the feed shows what each followed person plays now or last played, newest first', async () => {
    const [viewer, a, b, stranger] = [
      await server.account(),
      await server.account(),
      await server.account(),
      await server.account(),
    ];
    await follow(viewer, 'user', a.id);
    await follow(viewer, 'user', b.id);
    assert.deepEqual(await feed(viewer), []);

    await play(a, 'Morning', 5000);
    await play(b, 'Noon', 7000, false);
    await play(stranger, 'Night');
    let items = await feed(viewer);
    assert.deepEqual(
      items.map((i: { user: { id: string } }) => i.user.id),
      [b.id, a.id],
    );
    const [fromB, fromA] = items;
    assert.equal(fromB.track.name, 'Noon');
    assert.equal(fromB.track.album.name, 'Noon');
    assert.equal(fromB.is_playing, false);
    assert.equal(fromB.progress_ms, 7000);
    assert.equal(fromA.track.id, track('Morning'));
    assert.equal(fromA.is_playing, true);
    assert.equal(fromA.user.type, 'user');
    assert.ok(fromB.timestamp >= fromA.timestamp && Date.now() - fromA.timestamp < 60_000);

    await play(a, 'Evening');
    items = await feed(viewer);
    assert.deepEqual(
      items.map((i: { track: { name: string } }) => i.track.name),
      ['Evening', 'Noon'],
    );

    // Nobody has reported since a long time ago: it is what they last played, not what they play now.
    await server.services.database.db
      .updateTable('shared_activity')
      .set({ reported_at: new Date(Date.now() - 3600_000) })
      .where('user_id', '=', a.id)
      .execute();
    items = await feed(viewer);
    assert.deepEqual(
      items.map((i: { track: { name: string } }) => i.track.name),
      ['Noon', 'Evening'],
    );
    assert.equal(items[1].is_playing, false);
  });

  test('a report reaches each follower live, as the same object as their feed item', async () => {
    const [viewer, other, a] = [await server.account(), await server.account(), await server.account()];
    await follow(viewer, 'user', a.id);
    const mine = await listen(viewer);
    const theirs = await listen(other);
    await play(a, 'Night', 2500);
    await settle();
    assert.equal(mine.messages.length, 1);
    assert.equal(mine.messages[0]!.type, 'friend_activity');
    assert.deepEqual(mine.messages[0]!.activity, (await feed(viewer))[0]);
    assert.equal(theirs.messages.length, 0, 'someone who does not follow hears nothing');
    await mine.stop();
    await theirs.stop();
  });

  test('a private session shares nothing new until it is switched off', async () => {
    const [viewer, a] = [await server.account(), await server.account()];
    await follow(viewer, 'user', a.id);
    const live = await listen(viewer);
    await play(a, 'Morning');
    const shared = (await feed(viewer))[0];
    assert.equal(shared.is_playing, true);

    const on = await ok('PUT', '/v1/me/private-session', a.token, { enabled: true });
    assert.equal(on.enabled, true);
    assert.ok(Date.parse(on.expires_at) > Date.now() + 5 * 3600_000);
    assert.equal((await ok('GET', '/v1/me/private-session', a.token)).enabled, true);
    await play(a, 'Night');
    await settle();
    assert.equal(live.messages.length, 1, 'only the report made before the private session');
    const hidden = (await feed(viewer))[0];
    assert.equal(hidden.track.name, 'Morning');
    assert.equal(hidden.timestamp, shared.timestamp);
    assert.equal(hidden.is_playing, false);

    assert.deepEqual(await ok('PUT', '/v1/me/private-session', a.token, { enabled: false }), {
      enabled: false,
      expires_at: null,
    });
    await play(a, 'Evening');
    await settle();
    assert.equal(live.messages.length, 2);
    assert.equal(live.messages[1]!.activity.track.name, 'Evening');
    assert.equal((await feed(viewer))[0].track.name, 'Evening');
    await live.stop();
  });

  test('blocking removes their follow, refuses a new one and hides activity until unblocked', async () => {
    const [a, blocked, friend] = [await server.account(), await server.account(), await server.account()];
    await follow(blocked, 'user', a.id);
    await follow(friend, 'user', a.id);
    await play(a, 'Noon');
    assert.equal((await feed(blocked)).length, 1);

    assert.equal((await call('PUT', `/v1/me/blocks/${blocked.id}`, a.token)).status, 204);
    assert.deepEqual(await ok('GET', `/v1/me/following/contains?type=user&ids=${a.id}`, blocked.token), [false]);
    assert.equal((await ok('GET', `/v1/users/${a.id}`, friend.token)).followers.total, 1);
    const again = await call('PUT', `/v1/me/following?type=user&ids=${a.id}`, blocked.token);
    assert.equal(again.status, 403);
    assert.match(again.body.error.message, new RegExp(a.id));
    const blocks = await ok('GET', '/v1/me/blocks', a.token);
    assert.deepEqual(
      blocks.items.map((u: { id: string }) => u.id),
      [blocked.id],
    );
    assert.equal(blocks.total, 1);

    const theirs = await listen(blocked);
    const friends = await listen(friend);
    await play(a, 'Evening');
    await settle();
    assert.equal(theirs.messages.length, 0);
    assert.equal(friends.messages.length, 1);
    assert.deepEqual(await feed(blocked), []);

    assert.equal((await call('DELETE', `/v1/me/blocks/${blocked.id}`, a.token)).status, 204);
    assert.equal((await ok('GET', '/v1/me/blocks', a.token)).total, 0);
    await follow(blocked, 'user', a.id);
    await play(a, 'Morning');
    await settle();
    assert.equal(theirs.messages.length, 1);
    assert.equal((await feed(blocked))[0].track.name, 'Morning');
    await theirs.stop();
    await friends.stop();
  });

  test('bad reports and blocks answer with the field named', async () => {
    const a = await server.account();
    const unknown = newId();
    const cases: [string, string, unknown, number, RegExp][] = [
      ['PUT', '/v1/me/player/now-playing', { track_id: unknown, progress_ms: 0, is_playing: true }, 404, /track_id/],
      ['PUT', '/v1/me/player/now-playing', { track_id: 'x', progress_ms: 0, is_playing: true }, 400, /track_id/],
      [
        'PUT',
        '/v1/me/player/now-playing',
        { track_id: track('Noon'), progress_ms: -1, is_playing: true },
        400,
        /progress_ms/,
      ],
      [
        'PUT',
        '/v1/me/player/now-playing',
        { track_id: track('Noon'), progress_ms: 10_000_000, is_playing: true },
        400,
        /progress_ms/,
      ],
      ['PUT', '/v1/me/player/now-playing', { track_id: track('Noon'), progress_ms: 0 }, 400, /is_playing/],
      ['PUT', '/v1/me/private-session', { enabled: 'maybe' }, 400, /enabled/],
      ['PUT', `/v1/me/blocks/${a.id}`, undefined, 400, /yourself/],
      ['PUT', `/v1/me/blocks/${unknown}`, undefined, 404, new RegExp(unknown)],
      ['PUT', '/v1/me/blocks/nope', undefined, 400, /user_id/],
      ['GET', '/v1/me/friends/activity?limit=51', undefined, 400, /limit/],
    ];
    for (const [method, path, body, status, message] of cases) {
      const r = await call(method, path, a.token, body);
      assert.equal(r.status, status, `${method} ${path} ${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
      assert.match(r.body.error.message, message);
    }
    assert.equal((await server.json('/v1/me/friends/activity')).status, 401);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { insertCatalog } from '../helpers/catalog-fixtures.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** Spotify's item writes over real HTTP: positions, reorders, snapshots, permissions and bad input. */

type Account = { token: string; id: string };
let server: TestServer;
let owner: Account;
let other: Account;
const ids: string[] = [];

before(async () => {
  server = await startTestServer();
  [owner, other] = await Promise.all([server.account(), server.account()]);
  const rows = await insertCatalog(
    server.services.database.db,
    'ABCDEFGH'.split('').map((letter) => ({ name: letter, artist: `Artist ${letter}` })),
  );
  for (const letter of 'ABCDEFGH') ids.push(rows.get(letter)?.track as string);
});
after(() => server.close());

const uri = (letter: string) => `cadenza:track:${ids['ABCDEFGH'.indexOf(letter)]}`;
const letterOf = (id: string) => 'ABCDEFGH'[ids.indexOf(id)] ?? '?';
const send = (method: string, path: string, body: unknown, token = owner.token) =>
  server.json(path, { method, token, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

async function playlist(letters: string, options: Record<string, unknown> = {}, as = owner): Promise<string> {
  const created = await send('POST', `/v1/users/${as.id}/playlists`, { name: 'Edits', ...options }, as.token);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  if (letters) {
    const added = await send(
      'POST',
      `/v1/playlists/${created.body.id}/tracks`,
      { uris: letters.split('').map(uri) },
      as.token,
    );
    assert.equal(added.status, 201, JSON.stringify(added.body));
  }
  return created.body.id;
}

async function order(id: string, token = owner.token): Promise<string> {
  const r = await server.json(`/v1/playlists/${id}/tracks?limit=100`, { token });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.items.map((it: { track: { id: string } }) => letterOf(it.track.id)).join('');
}

async function snapshot(id: string): Promise<string> {
  return (await server.json(`/v1/playlists/${id}`, { token: owner.token })).body.snapshot_id;
}

describe('adding, reordering, replacing and removing', () => {
  test('add at a position, then at the end; each change gives a new snapshot', async () => {
    const id = await playlist('ABC');
    const first = await snapshot(id);
    const r = await send('POST', `/v1/playlists/${id}/tracks`, { uris: [uri('D'), uri('E')], position: 1 });
    assert.equal(r.status, 201);
    assert.notEqual(r.body.snapshot_id, first);
    assert.equal(r.body.snapshot_id, await snapshot(id));
    await send('POST', `/v1/playlists/${id}/tracks?uris=${uri('F')}`, null);
    assert.equal(await order(id), 'ADEBCF');
  });

  test('reorder moves a range before another position', async () => {
    const id = await playlist('ABCDE');
    const r = await send('PUT', `/v1/playlists/${id}/tracks`, { range_start: 1, range_length: 2, insert_before: 5 });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(await order(id), 'ADEBC');
  });

  test('replace swaps the whole list; remove by uri takes every occurrence, by position just that one', async () => {
    const id = await playlist('AB');
    await send('PUT', `/v1/playlists/${id}/tracks`, { uris: ['A', 'C', 'A', 'D', 'A'].map(uri) });
    assert.equal(await order(id), 'ACADA');
    await send('DELETE', `/v1/playlists/${id}/tracks`, { tracks: [{ uri: uri('A'), positions: [2] }] });
    assert.equal(await order(id), 'ACDA');
    await send('DELETE', `/v1/playlists/${id}/tracks`, { tracks: [{ uri: uri('A') }] });
    assert.equal(await order(id), 'CD');
  });
});

describe('writes against an older snapshot_id', () => {
  test('are rebased onto the edits made since when they still make sense', async () => {
    const id = await playlist('ABC');
    const seen = await snapshot(id);
    await send('POST', `/v1/playlists/${id}/tracks`, { uris: [uri('D')], position: 0 }); // someone else, meanwhile
    // Meant "remove B (position 1)" and "move C to the front" in the list as it was.
    const removed = await send('DELETE', `/v1/playlists/${id}/tracks`, {
      tracks: [{ uri: uri('B'), positions: [1] }],
      snapshot_id: seen,
    });
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    const moved = await send('PUT', `/v1/playlists/${id}/tracks`, {
      range_start: 2,
      insert_before: 0,
      snapshot_id: seen,
    });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    // "Before A" in the list as it was is after D, which was inserted there first.
    assert.equal(await order(id), 'DCA');
  });

  test('are refused with 409 and the current snapshot when they no longer make sense', async () => {
    const id = await playlist('ABC');
    const seen = await snapshot(id);
    await send('DELETE', `/v1/playlists/${id}/tracks`, { tracks: [{ uri: uri('B') }] });
    const r = await send('PUT', `/v1/playlists/${id}/tracks`, { range_start: 1, insert_before: 0, snapshot_id: seen });
    assert.equal(r.status, 409);
    assert.match(r.body.error.message, /removed since/);
    const wrong = await send('PUT', `/v1/playlists/${id}/tracks`, {
      range_start: 0,
      insert_before: 2,
      snapshot_id: 'bm9wZTox',
    });
    assert.equal(wrong.status, 409);
    assert.ok(wrong.body.error.message.includes(await snapshot(id)), 'the refusal names the current snapshot');
    assert.equal(await order(id), 'AC');
  });
});

describe('bad input is refused, naming the field, and changes nothing', () => {
  const cases: [string, string, Record<string, unknown>, RegExp][] = [
    [
      'an unknown track',
      'POST',
      { uris: ['cadenza:track:0000000000000000000000'] },
      /uris\[0\] is not a playable track/,
    ],
    ['a malformed uri', 'POST', { uris: ['spotify:album:x'] }, /uris\[0\] is not a track uri/],
    ['a position past the end', 'POST', { uris: ['A'], position: 4 }, /position must be an integer from 0 to 3/],
    ['a range past the end', 'PUT', { range_start: 2, range_length: 2, insert_before: 0 }, /range_length/],
    ['insert_before past the end', 'PUT', { range_start: 0, insert_before: 9 }, /insert_before/],
    ['a position that does not hold the track', 'DELETE', { tracks: [{ uri: 'A', positions: [1] }] }, /does not hold/],
    ['an unknown field', 'PUT', { range_start: 0, insert_before: 2, colour: 'red' }, /colour is not a known field/],
  ];
  for (const [name, method, body, message] of cases) {
    test(name, async () => {
      const id = await playlist('ABC');
      const before = await snapshot(id);
      const fixed = JSON.parse(JSON.stringify(body).replace(/"A"/g, JSON.stringify(uri('A'))));
      const r = await send(method, `/v1/playlists/${id}/tracks`, fixed);
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.match(r.body.error.message, message);
      assert.equal(await order(id), 'ABC');
      assert.equal(await snapshot(id), before);
    });
  }

  test('a playlist holds at most 10,000 tracks', async () => {
    const id = await playlist('');
    const batch = Array.from({ length: 100 }, (_, i) => uri('ABCDEFGH'[i % 8] as string));
    for (let i = 0; i < 100; i++) {
      const r = await send('POST', `/v1/playlists/${id}/tracks`, { uris: batch });
      assert.equal(r.status, 201);
    }
    const r = await send('POST', `/v1/playlists/${id}/tracks`, { uris: [uri('A')] });
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, /at most 10000 tracks/);
    const page = await server.json(`/v1/playlists/${id}/tracks?limit=1`, { token: owner.token });
    assert.equal(page.body.total, 10_000);
  });
});

describe('who may edit', () => {
  test("a stranger cannot see a private playlist's existence and cannot edit a public one", async () => {
    const hidden = await playlist('A', { public: false });
    const open = await playlist('A', { public: true });
    const add = (id: string) => send('POST', `/v1/playlists/${id}/tracks`, { uris: [uri('B')] }, other.token);
    assert.equal((await add(hidden)).status, 404);
    assert.equal((await add(open)).status, 403);
    assert.equal(await order(open), 'A');
  });

  test('a collaborator edits a collaborative playlist, but not one that is only shared with them', async () => {
    const shared = await playlist('A', { public: false });
    const together = await playlist('A', { public: false, collaborative: true });
    for (const id of [shared, together]) {
      const invited = await send('PUT', `/v1/playlists/${id}/collaborators/${other.id}`, null);
      assert.equal(invited.status, 200, JSON.stringify(invited.body));
    }
    const add = (id: string) => send('POST', `/v1/playlists/${id}/tracks`, { uris: [uri('B')] }, other.token);
    assert.equal((await add(shared)).status, 403);
    assert.equal((await add(together)).status, 201);
    assert.equal(await order(together), 'AB');
  });
});

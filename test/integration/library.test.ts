import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { newId } from '../../src/core/ids.js';
import { insertCatalog } from '../helpers/catalog-fixtures.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let ids: Awaited<ReturnType<typeof insertCatalog>>;
const track = (name: string) => ids.get(name)!.track;
const album = (name: string) => ids.get(name)!.album;

before(async () => {
  server = await startTestServer();
  const owner = await server.account({ role: 'artist' });
  ids = await insertCatalog(server.services.database.db, [
    { name: 'One', artist: 'Alpha' },
    { name: 'Two', artist: 'Beta' },
    { name: 'Three', artist: 'Gamma' },
    { name: 'Four', artist: 'Delta' },
    { name: 'Unreleased', artist: 'Epsilon', status: 'draft', ownerUserId: owner.id },
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

const names = (body: { items: { track: { name: string } }[] }) => body.items.map((i) => i.track.name);

describe('saved tracks', () => {
  test('list newest saved first with added_at and the full track, paged like Spotify', async () => {
    const { token } = await server.account();
    for (const name of ['One', 'Two', 'Three']) {
      assert.equal((await call('PUT', `/v1/me/tracks?ids=${track(name)}`, token)).status, 200);
    }
    const all = await call('GET', '/v1/me/tracks', token);
    assert.equal(all.status, 200);
    assert.deepEqual(names(all.body), ['Three', 'Two', 'One']);
    assert.equal(all.body.total, 3);
    const first = all.body.items[0];
    assert.ok(Date.parse(first.added_at) > Date.parse(all.body.items[1].added_at), 'newer added_at first');
    assert.equal(first.track.id, track('Three'));
    assert.equal(first.track.artists[0].name, 'Gamma');
    assert.equal(first.track.album.id, album('Three'));
    assert.equal(first.track.type, 'track');

    const page = await call('GET', '/v1/me/tracks?limit=1&offset=1', token);
    assert.deepEqual(names(page.body), ['Two']);
    assert.equal(page.body.total, 3);
    assert.match(page.body.next, /\/v1\/me\/tracks\?offset=2&limit=1$/);
    assert.match(page.body.previous, /\/v1\/me\/tracks\?offset=0&limit=1$/);
    const last = await call('GET', '/v1/me/tracks?limit=1&offset=2', token);
    assert.equal(last.body.next, null);
  });

  test('ids saved in one request share added_at; the later id in the list counts as newer', async () => {
    const { token } = await server.account();
    await call('PUT', `/v1/me/tracks?ids=${track('One')},${track('Two')},${track('Three')}`, token);
    const all = await call('GET', '/v1/me/tracks', token);
    assert.deepEqual(names(all.body), ['Three', 'Two', 'One']);
    assert.equal(new Set(all.body.items.map((i: { added_at: string }) => i.added_at)).size, 1);
  });

  test('saving again keeps the first added_at and the place in the list', async () => {
    const { token } = await server.account();
    await call('PUT', `/v1/me/tracks?ids=${track('One')}`, token);
    await call('PUT', `/v1/me/tracks?ids=${track('Two')}`, token);
    const before = (await call('GET', '/v1/me/tracks', token)).body;
    await new Promise((r) => setTimeout(r, 20));
    assert.equal((await call('PUT', `/v1/me/tracks?ids=${track('One')}`, token)).status, 200);
    const afterSave = (await call('GET', '/v1/me/tracks', token)).body;
    assert.deepEqual(names(afterSave), ['Two', 'One']);
    assert.equal(afterSave.items[1].added_at, before.items[1].added_at);
    assert.equal(afterSave.total, 2);
  });

  test('contains answers one boolean per id asked, in order; each listener has their own library', async () => {
    const me = await server.account();
    const other = await server.account();
    await call('PUT', '/v1/me/tracks', me.token, { ids: [track('Two')] });
    const asked = [track('One'), track('Two'), track('One'), track('Two')].join(',');
    const mine = await call('GET', `/v1/me/tracks/contains?ids=${asked}`, me.token);
    assert.deepEqual(mine.body, [false, true, false, true]);
    const theirs = await call('GET', `/v1/me/tracks/contains?ids=${asked}`, other.token);
    assert.deepEqual(theirs.body, [false, false, false, false]);
  });

  test('remove by query or JSON body; removing what is not saved is no error', async () => {
    const { token } = await server.account();
    await call('PUT', '/v1/me/tracks', token, { ids: [track('One'), track('Two'), track('Three')] });
    assert.equal((await call('DELETE', `/v1/me/tracks?ids=${track('Two')},${track('Four')}`, token)).status, 200);
    assert.equal((await call('DELETE', '/v1/me/tracks', token, { ids: [track('Three')] })).status, 200);
    const all = await call('GET', '/v1/me/tracks', token);
    assert.deepEqual(names(all.body), ['One']);
    assert.equal(all.body.total, 1);
  });

  test('an unknown id saves nothing from the request and is named in the 404', async () => {
    const { token } = await server.account();
    const unknown = newId();
    const r = await call('PUT', `/v1/me/tracks?ids=${track('One')},${unknown}`, token);
    assert.equal(r.status, 404);
    assert.match(r.body.error.message, new RegExp(unknown));
    const check = await call('GET', `/v1/me/tracks/contains?ids=${track('One')}`, token);
    assert.deepEqual(check.body, [false]);
    assert.equal((await call('GET', '/v1/me/tracks', token)).body.total, 0);
  });

  test("a draft album's tracks cannot be saved by other listeners", async () => {
    const { token } = await server.account();
    const r = await call('PUT', `/v1/me/tracks?ids=${track('Unreleased')}`, token);
    assert.equal(r.status, 404);
    assert.match(r.body.error.message, new RegExp(track('Unreleased')));
  });

  test('bad requests answer 400 naming the field', async () => {
    const { token } = await server.account();
    const fiftyOne = Array.from({ length: 51 }, () => newId());
    for (const [method, path, body] of [
      ['PUT', `/v1/me/tracks?ids=${fiftyOne.join(',')}`, undefined],
      ['PUT', '/v1/me/tracks', { ids: fiftyOne }],
      ['GET', `/v1/me/tracks/contains?ids=${fiftyOne.join(',')}`, undefined],
      ['DELETE', `/v1/me/tracks?ids=${fiftyOne.join(',')}`, undefined],
      ['PUT', '/v1/me/tracks?ids=not-an-id', undefined],
      ['PUT', '/v1/me/tracks', undefined],
      ['PUT', '/v1/me/tracks', { ids: [] }],
      ['PUT', '/v1/me/tracks', { ids: 'abc' }],
    ] as const) {
      const r = await call(method, path, token, body);
      assert.equal(r.status, 400, `${method} ${path} ${JSON.stringify(body)}`);
      assert.match(r.body.error.message, /ids/, r.body.error.message);
    }
    const limit = await call('GET', '/v1/me/tracks?limit=51', token);
    assert.equal(limit.status, 400);
    assert.match(limit.body.error.message, /limit/);
    const offset = await call('GET', '/v1/me/tracks?offset=-1', token);
    assert.equal(offset.status, 400);
    assert.match(offset.body.error.message, /offset/);
    assert.equal((await server.json('/v1/me/tracks')).status, 401);
    // Exactly 50 is within the limit: the answer is about the unknown ids, not their number.
    const fifty = await call('PUT', `/v1/me/tracks?ids=${fiftyOne.slice(1).join(',')}`, token);
    assert.equal(fifty.status, 404);
  });
});

describe('saved albums', () => {
  test('save, list with the album and its tracks, contains, remove', async () => {
    const { token } = await server.account();
    assert.equal((await call('PUT', `/v1/me/albums?ids=${album('One')}`, token)).status, 200);
    assert.equal((await call('PUT', '/v1/me/albums', token, { ids: [album('Four')] })).status, 200);
    const list = await call('GET', '/v1/me/albums', token);
    assert.equal(list.status, 200);
    assert.equal(list.body.total, 2);
    assert.deepEqual(
      list.body.items.map((i: { album: { name: string } }) => i.album.name),
      ['Four', 'One'],
    );
    const first = list.body.items[0];
    assert.ok(!Number.isNaN(Date.parse(first.added_at)));
    assert.equal(first.album.type, 'album');
    assert.equal(first.album.artists[0].name, 'Delta');
    assert.deepEqual(
      first.album.tracks.items.map((t: { name: string }) => t.name),
      ['Four'],
    );
    const contains = await call('GET', `/v1/me/albums/contains?ids=${album('One')},${album('Two')}`, token);
    assert.deepEqual(contains.body, [true, false]);
    await call('DELETE', `/v1/me/albums?ids=${album('One')}`, token);
    assert.deepEqual((await call('GET', `/v1/me/albums/contains?ids=${album('One')}`, token)).body, [false]);
  });

  test('each saved album carries its own tracks in album order, with their count', async () => {
    const { token } = await server.account();
    const db = server.services.database.db;
    const suite = (await insertCatalog(db, [{ name: 'Suite I', artist: 'Eta', album: 'Suite' }])).get('Suite I')!;
    for (const [number, name] of [
      [3, 'Suite III'],
      [2, 'Suite II'],
    ] as const) {
      const id = newId();
      await db
        .insertInto('tracks')
        .values({
          id,
          album_id: suite.album,
          name,
          status: 'ready',
          explicit: false,
          lossless: false,
          disc_number: 1,
          track_number: number,
        })
        .execute();
      await db.insertInto('track_artists').values({ track_id: id, artist_id: suite.artist, position: 0 }).execute();
    }
    await call('PUT', `/v1/me/albums?ids=${suite.album},${album('Two')}`, token);
    const list = await call('GET', '/v1/me/albums', token);
    const [two, saved] = list.body.items;
    assert.equal(saved.album.id, suite.album);
    assert.equal(saved.album.total_tracks, 3);
    assert.equal(saved.album.tracks.total, 3);
    assert.deepEqual(
      saved.album.tracks.items.map((t: { name: string }) => t.name),
      ['Suite I', 'Suite II', 'Suite III'],
    );
    assert.deepEqual(
      two.album.tracks.items.map((t: { name: string }) => t.name),
      ['Two'],
    );
  });

  test('unknown or draft albums are 404 naming the id, and nothing from the request is saved', async () => {
    const { token } = await server.account();
    const r = await call('PUT', `/v1/me/albums?ids=${album('Two')},${album('Unreleased')}`, token);
    assert.equal(r.status, 404);
    assert.match(r.body.error.message, new RegExp(album('Unreleased')));
    assert.deepEqual((await call('GET', `/v1/me/albums/contains?ids=${album('Two')}`, token)).body, [false]);
  });

  test('an album unpublished after it was saved drops out of the list', async () => {
    const { token } = await server.account();
    const [mine] = [...(await insertCatalog(server.services.database.db, [{ name: 'Fleeting', artist: 'Zeta' }]))];
    const id = mine![1].album;
    await call('PUT', `/v1/me/albums?ids=${id},${album('Three')}`, token);
    assert.equal((await call('GET', '/v1/me/albums', token)).body.total, 2);
    await server.services.database.db.updateTable('albums').set({ status: 'draft' }).where('id', '=', id).execute();
    const list = await call('GET', '/v1/me/albums', token);
    assert.equal(list.body.total, 1);
    assert.deepEqual(
      list.body.items.map((i: { album: { id: string } }) => i.album.id),
      [album('Three')],
    );
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Db } from '../../src/adapters/postgres/database.js';
import { type FixtureTrack, insertCatalog } from '../helpers/catalog-fixtures.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** The order in which browse pages and artist pages list music, and which music they list. */

let server: TestServer;
let us: string;
let se: string;
let ids: Awaited<ReturnType<typeof insertCatalog>>;

type Fixture = FixtureTrack & { type?: 'album' | 'single' | 'compilation'; trackMarkets?: string[] };

// Every album has its own release date; fixtures are listed out of the order any page should show.
const newReleases: Fixture[] = [
  { name: 'Winter Coat', artist: 'Seasons', releaseDate: '2024-11-02' },
  { name: 'Spring Thaw', artist: 'Seasons', releaseDate: '2025-03-10' },
  { name: 'Autumn Leaves', artist: 'Seasons', releaseDate: '2025-01-20' },
  { name: 'Undated Demo', artist: 'Seasons', releaseDate: '2000-01-01' },
  { name: 'Secret Polka', artist: 'Seasons', releaseDate: '2030-01-01', genres: ['Polka'], status: 'draft' },
];
const maraVell: Fixture[] = [
  { name: 'Ember', artist: 'Mara Vell', releaseDate: '2007-02-01', type: 'single' },
  { name: 'Collected', artist: 'Mara Vell', releaseDate: '2010-12-01', type: 'compilation' },
  { name: 'First Light', artist: 'Mara Vell', releaseDate: '2008-04-01', type: 'album' },
  { name: 'Spark', artist: 'Mara Vell', releaseDate: '2009-06-01', type: 'single' },
  { name: 'Deep Water', artist: 'Mara Vell', releaseDate: '2010-09-01', type: 'album' },
];
const velaMoss: Fixture[] = [
  { name: 'Slow Tide', artist: 'Vela Moss', popularity: 40, releaseDate: '2011-01-01' },
  { name: 'High Noon', artist: 'Vela Moss', popularity: 90, releaseDate: '2012-01-01' },
  { name: 'Paper Moon', artist: 'Vela Moss', popularity: 65, releaseDate: '2013-01-01' },
  { name: 'Nordlys', artist: 'Vela Moss', popularity: 99, releaseDate: '2014-01-01', trackMarkets: ['SE'] },
];
const isaFrost: Fixture[] = [
  { name: 'Glacier', artist: 'Isa Frost', popularity: 50, releaseDate: '2003-01-01' },
  { name: 'Fjord', artist: 'Isa Frost', popularity: 98, releaseDate: '2004-01-01', markets: ['SE'] },
];
const genres: Fixture[] = [
  { name: 'Cloud Rap Tape', artist: 'Mixtapes', popularity: 60, releaseDate: '2016-05-05', genres: ['Hip Hop'] },
  { name: 'Boom Bap Tape', artist: 'Mixtapes', popularity: 80, releaseDate: '2005-05-05', genres: ['hip-hop'] },
  { name: 'Lo Fi Tape', artist: 'Mixtapes', popularity: 70, releaseDate: '2017-05-05', genres: ['Lo-Fi'] },
];

/** Writes the fixtures, each group by one artist (insertCatalog makes one per track), with types and markets. */
async function insertGroups(db: Db, groups: Fixture[][]) {
  const all = await insertCatalog(db, groups.flat());
  for (const group of groups) {
    const artist = all.get(group[0]!.name)!.artist;
    for (const f of group) {
      const { album, track } = all.get(f.name)!;
      all.get(f.name)!.artist = artist;
      await db.updateTable('album_artists').set({ artist_id: artist }).where('album_id', '=', album).execute();
      await db.updateTable('track_artists').set({ artist_id: artist }).where('track_id', '=', track).execute();
      if (f.type) await db.updateTable('albums').set({ album_type: f.type }).where('id', '=', album).execute();
      if (f.trackMarkets)
        await db.updateTable('tracks').set({ available_markets: f.trackMarkets }).where('id', '=', track).execute();
    }
  }
  return all;
}

before(async () => {
  server = await startTestServer();
  const db = server.services.database.db;
  ids = await insertGroups(db, [newReleases, maraVell, velaMoss, isaFrost, genres]);
  await db.updateTable('albums').set({ release_date: null }).where('id', '=', ids.get('Undated Demo')!.album).execute();
  us = (await server.account({ country: 'US' })).token;
  se = (await server.account({ country: 'SE' })).token;
});
after(() => server.close());

const names = (items: { name: string }[]) => items.map((x) => x.name);

describe('GET /v1/browse/new-releases', () => {
  test('lists the newest release first and undated ones last, never a draft', async () => {
    const first = await server.json('/v1/browse/new-releases?limit=3', { token: us });
    assert.equal(first.status, 200);
    assert.deepEqual(names(first.body.albums.items), ['Spring Thaw', 'Autumn Leaves', 'Winter Coat']);

    const all = await server.json('/v1/browse/new-releases?limit=50', { token: us });
    const items: { name: string; release_date: string }[] = all.body.albums.items;
    // Fjord is sold in Sweden only: a listener in the US could not play it.
    const published = [newReleases, maraVell, velaMoss, isaFrost, genres]
      .flat()
      .filter((f) => f.status !== 'draft' && f.name !== 'Fjord');
    assert.equal(all.body.albums.total, published.length);
    assert.equal(items.length, published.length);
    assert.ok(!names(items).includes('Secret Polka'), 'a draft is not a release');
    assert.equal(items.at(-1)!.name, 'Undated Demo');
    const dated = items.slice(0, -1).map((a) => a.release_date);
    assert.deepEqual(
      dated,
      [...dated].sort((a, b) => b.localeCompare(a)),
      'release dates only go back in time',
    );
  });
});

describe('releases sold elsewhere', () => {
  test('new releases and an artist’s albums list only what the listener’s market may play, or the one asked for', async () => {
    const releases = async (token: string, query = '') =>
      names((await server.json(`/v1/browse/new-releases?limit=50${query}`, { token })).body.albums.items);
    assert.ok(!(await releases(us)).includes('Fjord'));
    assert.ok((await releases(se)).includes('Fjord'));
    assert.ok((await releases(us, '&market=SE')).includes('Fjord'));

    const artist = ids.get('Glacier')!.artist;
    const albums = async (token: string, query = '') =>
      names((await server.json(`/v1/artists/${artist}/albums${query}`, { token })).body.items);
    assert.deepEqual(await albums(us), ['Glacier']);
    assert.deepEqual(await albums(se), ['Fjord', 'Glacier']);
    assert.deepEqual(await albums(us, '?market=SE'), ['Fjord', 'Glacier']);
  });
});

describe('GET /v1/artists/:id/albums', () => {
  test('lists albums, then singles, then compilations, each newest first', async () => {
    const artist = ids.get('Deep Water')!.artist;
    const r = await server.json(`/v1/artists/${artist}/albums`, { token: us });
    assert.equal(r.status, 200);
    assert.deepEqual(names(r.body.items), ['Deep Water', 'First Light', 'Spark', 'Ember', 'Collected']);
    assert.deepEqual(
      r.body.items.map((a: { album_type: string }) => a.album_type),
      ['album', 'album', 'single', 'single', 'compilation'],
    );
    const some = await server.json(`/v1/artists/${artist}/albums?include_groups=single,compilation`, { token: us });
    assert.deepEqual(names(some.body.items), ['Spark', 'Ember', 'Collected']);
  });
});

describe('GET /v1/artists/:id/top-tracks', () => {
  test('lists the most popular first, leaving out tracks the listener’s market may not play', async () => {
    const artist = ids.get('High Noon')!.artist;
    const inUs = await server.json(`/v1/artists/${artist}/top-tracks`, { token: us });
    assert.equal(inUs.status, 200);
    assert.deepEqual(names(inUs.body.tracks), ['High Noon', 'Paper Moon', 'Slow Tide']);
    const inSe = await server.json(`/v1/artists/${artist}/top-tracks`, { token: se });
    assert.deepEqual(names(inSe.body.tracks), ['Nordlys', 'High Noon', 'Paper Moon', 'Slow Tide']);
    const asked = await server.json(`/v1/artists/${artist}/top-tracks?market=SE`, { token: us });
    assert.deepEqual(names(asked.body.tracks), ['Nordlys', 'High Noon', 'Paper Moon', 'Slow Tide']);
  });

  test('leaves out tracks of an album the listener’s market may not play', async () => {
    const artist = ids.get('Glacier')!.artist;
    const inSe = await server.json(`/v1/artists/${artist}/top-tracks`, { token: se });
    assert.deepEqual(names(inSe.body.tracks), ['Fjord', 'Glacier']);
    const inUs = await server.json(`/v1/artists/${artist}/top-tracks`, { token: us });
    assert.deepEqual(names(inUs.body.tracks), ['Glacier']);
  });
});

describe('GET /v1/browse/categories/:id', () => {
  test('a category gathers every spelling of its genre, its albums most popular first', async () => {
    const category = await server.json('/v1/browse/categories/hip-hop', { token: us });
    assert.equal(category.status, 200);
    assert.equal(category.body.id, 'hip-hop');
    assert.match(category.body.name, /^hip[ -]hop$/i);
    assert.match(category.body.href, /\/v1\/browse\/categories\/hip-hop$/);

    const albums = await server.json('/v1/browse/categories/hip-hop/albums', { token: us });
    assert.equal(albums.status, 200);
    assert.deepEqual(names(albums.body.albums.items), ['Boom Bap Tape', 'Cloud Rap Tape']);
    assert.equal(albums.body.albums.total, 2);
    const lofi = await server.json('/v1/browse/categories/lo-fi/albums', { token: us });
    assert.deepEqual(names(lofi.body.albums.items), ['Lo Fi Tape']);
  });

  test('an unknown category, or one only drafts are tagged with, is a 404', async () => {
    for (const id of ['ska', 'polka']) {
      for (const path of [`/v1/browse/categories/${id}`, `/v1/browse/categories/${id}/albums`]) {
        const r = await server.json(path, { token: us });
        assert.equal(r.status, 404, path);
        assert.equal(r.body.error.message, 'category not found', path);
      }
    }
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { insertCatalog } from '../helpers/catalog-fixtures.js';
import { eventually, startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let token: string;
let ids: Awaited<ReturnType<typeof insertCatalog>>;

const fixtures = [
  { name: 'Halo', artist: 'Beyoncé', popularity: 80, genres: ['Pop', 'R&B'] },
  { name: 'Kickstart My Heart', artist: 'Mötley Crüe', popularity: 60, genres: ['Hard Rock'] },
  { name: 'Thunderstruck', artist: 'AC/DC', popularity: 85, genres: ['Hard Rock'] },
  { name: 'So What', artist: 'P!nk', popularity: 70, genres: ['Pop'] },
  { name: 'Hello', artist: 'Adele', popularity: 90, genres: ['Pop'] },
  { name: 'Hello', artist: 'Lionel Richie', album: 'Can’t Slow Down', popularity: 40, releaseDate: '1983-10-14' },
  { name: 'Lemon', artist: '米津玄師', popularity: 75, genres: ['J-Pop'] },
  { name: 'Выхода нет', artist: 'Сплин', popularity: 55 },
  { name: 'Swedish Only', artist: 'Kent', popularity: 65, markets: ['SE'] },
];

// Every test runs twice: with the index on the API thread (the default) and on two worker threads.
for (const threads of [0, 2]) {
  describe(threads === 0 ? 'index on the API thread' : `index on ${threads} worker threads`, () => {
    before(async () => {
      server = await startTestServer({ searchThreads: threads });
      ids = await insertCatalog(server.services.database.db, fixtures);
      token = (await server.account({ country: 'US' })).token;
      // Rows written behind the service's back arrive through the change stream like any other write.
      await eventually(
        async () => (await search('thunderstruck', 'track')).tracks.total === 1,
        5000,
        'fixtures indexed',
      );
    });
    after(() => server.close());

    async function search(q: string, type: string, extra = '', as = token) {
      const r = await server.json(`/v1/search?q=${encodeURIComponent(q)}&type=${type}${extra}`, { token: as });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body;
    }

    describe('GET /v1/search', () => {
      test('answers in the Spotify shape, one paging object per requested type', async () => {
        const body = await search('hello', 'track,artist,album,playlist');
        assert.deepEqual(Object.keys(body).sort(), ['albums', 'artists', 'playlists', 'tracks']);
        assert.equal(body.tracks.items[0].artists[0].name, 'Adele', 'the more popular Hello first');
        assert.equal(body.tracks.items[1].artists[0].name, 'Lionel Richie');
        assert.equal(body.tracks.total, 2);
        assert.equal(body.tracks.items[0].type, 'track');
        assert.match(body.tracks.href, /\/v1\/search\?offset=0&limit=20&q=hello&type=track$/);
        assert.deepEqual(body.playlists.items, []);
      });

      test('folds accents, punctuation and word order as a listener types them', async () => {
        assert.equal((await search('beyonce', 'artist')).artists.items[0].name, 'Beyoncé');
        assert.equal((await search('motley crue', 'artist')).artists.items[0].name, 'Mötley Crüe');
        assert.equal((await search('acdc', 'artist')).artists.items[0].name, 'AC/DC');
        assert.equal((await search('pink', 'artist')).artists.items[0].name, 'P!nk');
        assert.equal((await search('adele hello', 'track')).tracks.items[0].artists[0].name, 'Adele');
        assert.equal((await search('thundrstruck', 'track')).tracks.items[0].name, 'Thunderstruck');
        assert.equal((await search('米津', 'artist')).artists.items[0].name, '米津玄師');
        assert.equal((await search('сплин', 'artist')).artists.items[0].name, 'Сплин');
      });

      test('field filters narrow the results', async () => {
        const body = await search('artist:"lionel richie" hello', 'track');
        assert.deepEqual(
          body.tracks.items.map((t: { artists: { name: string }[] }) => t.artists[0]?.name),
          ['Lionel Richie'],
        );
        const old = await search('year:1980-1989', 'album');
        assert.deepEqual(
          old.albums.items.map((a: { name: string }) => a.name),
          ['Can’t Slow Down'],
        );
        const rock = await search('genre:"hard rock"', 'track');
        assert.deepEqual(rock.tracks.items.map((t: { name: string }) => t.name).sort(), [
          'Kickstart My Heart',
          'Thunderstruck',
        ]);
      });

      test('items outside the market vanish; market defaults to the listener’s country', async () => {
        assert.equal((await search('swedish only', 'track')).tracks.total, 0);
        assert.equal((await search('swedish only', 'track', '&market=SE')).tracks.total, 1);
        const swede = (await server.account({ country: 'SE' })).token;
        assert.equal((await search('swedish only', 'track', '', swede)).tracks.total, 1);
      });

      test('pages are consistent: no duplicates, totals and links', async () => {
        const first = await search('hello', 'track', '&limit=1');
        const second = await search('hello', 'track', '&limit=1&offset=1');
        assert.equal(first.tracks.total, 2);
        assert.notEqual(first.tracks.items[0].id, second.tracks.items[0].id);
        assert.match(first.tracks.next, /offset=1&limit=1/);
        assert.equal(second.tracks.next, null);
        assert.match(second.tracks.previous, /offset=0&limit=1/);
      });

      test('bad parameters are clear 400s naming the field', async () => {
        const cases: [string, RegExp][] = [
          ['q=hello&type=podcast', /type/],
          ['q=hello&type=track&limit=51', /limit/],
          ['q=hello&type=track&offset=-1', /offset/],
          ['q=&type=track', /^(querystring\.)?q\b/],
          ['q=%20%20&type=track', /^(querystring\.)?q\b/],
          [`q=${'a'.repeat(10_000)}&type=track`, /^(querystring\.)?q\b/],
          ['type=track', /^(querystring\.)?q\b/],
          ['q=hello', /type/],
          ['q=year:abc&type=track', /^(querystring\.)?q\b/],
          ['q=hello&type=track&market=USA', /market/],
        ];
        for (const [query, field] of cases) {
          const r = await server.json(`/v1/search?${query}`, { token });
          assert.equal(r.status, 400, query);
          assert.match(r.body.error.message, field, query);
        }
      });
    });

    describe('freshness', () => {
      test('a published album is searchable within a second; unpublished, it is gone within a second', async () => {
        const artist = await server.account({ role: 'artist' });
        const [{ id: userId }] = [{ id: (await server.json('/v1/me', { token: artist.token })).body.id as string }];
        const fresh = await insertCatalog(server.services.database.db, [
          { name: 'Zyzzyva Nights', artist: 'Fresh Face', status: 'draft', ownerUserId: userId },
        ]);
        const albumId = fresh.get('Zyzzyva Nights')!.album;
        await new Promise((r) => setTimeout(r, 300));
        assert.equal((await search('zyzzyva', 'track')).tracks.total, 0, 'drafts are not searchable');

        const published = Date.now();
        assert.equal(
          (await server.json(`/v1/studio/albums/${albumId}/publish`, { method: 'POST', token: artist.token })).status,
          200,
        );
        await eventually(
          async () => (await search('zyzzyva', 'track,album')).tracks.total === 1,
          1000,
          'searchable within 1 s',
        );
        assert.ok(Date.now() - published < 1000);

        const unpublished = Date.now();
        await server.json(`/v1/studio/albums/${albumId}/unpublish`, { method: 'POST', token: artist.token });
        await eventually(
          async () => (await search('zyzzyva', 'track,album')).tracks.total === 0,
          1000,
          'gone within 1 s',
        );
        assert.ok(Date.now() - unpublished < 1000);
      });

      test('a renamed artist is found by the new name in its tracks', async () => {
        const { artist } = ids.get('So What')!;
        await server.services.database.db
          .updateTable('artists')
          .set({ name: 'Alecia Moore' })
          .where('id', '=', artist)
          .execute();
        await eventually(
          async () => (await search('alecia so what', 'track')).tracks.total === 1,
          1000,
          'renamed artist indexed',
        );
        await server.services.database.db
          .updateTable('artists')
          .set({ name: 'P!nk' })
          .where('id', '=', artist)
          .execute();
      });
    });

    describe('typeahead', () => {
      test('each keystroke of a name finds it, with a best match ready to render', async () => {
        for (const q of ['t', 'th', 'thu', 'thun', 'thunder', 'thunderst']) {
          const r = await server.json(`/v1/search/suggest?q=${q}`, { token });
          assert.equal(r.status, 200);
          assert.ok(
            r.body.tracks.items.some((t: { name: string }) => t.name === 'Thunderstruck'),
            `"${q}" suggests Thunderstruck`,
          );
        }
        const r = await server.json('/v1/search/suggest?q=adel', { token });
        assert.equal(r.body.best_match.type, 'artist');
        assert.equal(r.body.best_match.item.name, 'Adele');
        assert.ok(r.body.tracks.items.length <= 5);
      });
    });

    describe('browse', () => {
      test('categories come from genre tags; a category page lists its music', async () => {
        const { body } = await server.json('/v1/browse/categories', { token });
        const names = body.categories.items.map((c: { id: string }) => c.id);
        assert.deepEqual(names.slice(0, 2).sort(), ['hard-rock', 'pop']);
        assert.ok(names.includes('j-pop'));
        const page = await server.json('/v1/browse/genres/hard-rock', { token });
        assert.equal(page.status, 200);
        assert.deepEqual(
          page.body.tracks.map((t: { name: string }) => t.name),
          ['Thunderstruck', 'Kickstart My Heart'],
        );
        assert.equal(page.body.albums.total, 2);
        assert.equal(page.body.artists[0].name, 'AC/DC');
        assert.equal((await server.json('/v1/browse/genres/polka', { token })).status, 404);
      });
    });
  });
}

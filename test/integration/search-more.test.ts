import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { insertCatalog } from '../helpers/catalog-fixtures.js';
import { drainConsumers, play, sendEvents } from '../helpers/events.js';
import { eventually, startTestServer, type TestServer } from '../helpers/server.js';

/** GET /v1/search: field filters, deletions, and affinity from listening history and saved albums. */

const DAY = 86_400_000;
const threeDaysAgo = new Date(Date.now() - 3 * DAY).toISOString().slice(0, 10);

const fixtures = [
  { name: 'Blue Morning', artist: 'Ona Sky', album: 'Harbour Lights', popularity: 50, releaseDate: '1990-06-01' },
  {
    name: 'Harbour Lights',
    artist: 'Tide Band',
    album: 'Blue Morning Sessions',
    popularity: 70,
    releaseDate: '1991-03-01',
  },
  { name: 'Blue Evening', artist: 'Ona Sky', album: 'Night Ferry', popularity: 40, releaseDate: '1989-12-31' },
  { name: 'Blue Tomorrow', artist: 'New Kid', album: 'Fresh Paint', popularity: 10, releaseDate: threeDaysAgo },
  // Same title, different popularity: what a listener played or saved should come first for them.
  { name: 'Lighthouse', artist: 'Chart Topper', album: 'Lighthouse (Deluxe)', popularity: 30 },
  { name: 'Lighthouse', artist: 'Garage Duo', album: 'Lighthouse Demos', popularity: 10 },
  { name: 'Afterglow', artist: 'Stadium Act', album: 'Afterglow', popularity: 40 },
  { name: 'Afterglow', artist: 'Bedroom Act', album: 'Afterglow', popularity: 20 },
];

// As in search.test.ts: the index on the API thread, then on worker threads (affinity travels to them).
for (const threads of [0, 2]) {
  describe(threads === 0 ? 'index on the API thread' : `index on ${threads} worker threads`, () => {
    let server: TestServer;
    let stranger: string;

    before(async () => {
      server = await startTestServer({ searchThreads: threads });
      await insertCatalog(server.services.database.db, fixtures);
      stranger = (await server.account({ country: 'US' })).token;
      await eventually(async () => (await search('afterglow', 'album')).albums.total === 2, 5000, 'fixtures indexed');
    });
    after(() => server.close());

    async function search(q: string, type: string, token = stranger) {
      const r = await server.json(`/v1/search?q=${encodeURIComponent(q)}&type=${type}`, { token });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body;
    }
    const trackNames = async (q: string) =>
      (await search(q, 'track')).tracks.items.map((t: { name: string }) => t.name).sort();
    /** The id of the item of this type found by `q` whose first artist is `artist`. */
    const idOf = async (q: string, type: 'track' | 'album', artist: string): Promise<string> => {
      const body = await search(q, type);
      return body[`${type}s`].items.find((x: { artists: { name: string }[] }) => x.artists[0]?.name === artist).id;
    };
    const firstBy = async (q: string, type: 'track' | 'album', token: string) => {
      const body = await search(q, type, token);
      return body[`${type}s`].items[0]?.artists[0]?.name;
    };

    describe('field filters over HTTP', () => {
      test('album: keeps the tracks of that album, not the track named like it', async () => {
        assert.deepEqual(await trackNames('harbour lights'), ['Blue Morning', 'Harbour Lights']);
        assert.deepEqual(await trackNames('album:"harbour lights"'), ['Blue Morning']);
      });

      test('track: keeps the track of that name, not the tracks of an album named like it', async () => {
        assert.deepEqual(await trackNames('harbour lights'), ['Blue Morning', 'Harbour Lights']);
        assert.deepEqual(await trackNames('track:"harbour lights"'), ['Harbour Lights']);
      });

      test('year:1990 keeps that one year, not the years either side', async () => {
        assert.deepEqual(await trackNames('blue'), ['Blue Evening', 'Blue Morning', 'Blue Tomorrow', 'Harbour Lights']);
        assert.deepEqual(await trackNames('blue year:1990'), ['Blue Morning']);
        const albums = await search('year:1990', 'album');
        assert.deepEqual(
          albums.albums.items.map((a: { name: string }) => a.name),
          ['Harbour Lights'],
        );
      });

      test('tag:new keeps what came out in the last two weeks', async () => {
        assert.deepEqual(await trackNames('blue tag:new'), ['Blue Tomorrow']);
        assert.deepEqual(await trackNames('harbour tag:new'), []);
      });
    });

    describe('deletion', () => {
      test('a deleted track is gone from search within a second', async () => {
        const fresh = await insertCatalog(server.services.database.db, [
          { name: 'Quokka Parade', artist: 'Marsupial Brass', album: 'Wild Things' },
        ]);
        await eventually(async () => (await search('quokka', 'track')).tracks.total === 1, 5000, 'indexed');
        const deleted = Date.now();
        await server.services.database.db
          .deleteFrom('tracks')
          .where('id', '=', fresh.get('Quokka Parade')!.track)
          .execute();
        await eventually(
          async () => {
            const { tracks } = await search('quokka', 'track');
            return tracks.total === 0 && tracks.items.length === 0;
          },
          1000,
          'gone within 1 s',
        );
        assert.ok(Date.now() - deleted < 1000);
      });

      test('an album whose only track was deleted is gone from search within a second', async () => {
        const fresh = await insertCatalog(server.services.database.db, [
          { name: 'Wombat Waltz', artist: 'Burrow Quartet', album: 'Underground Ballroom' },
        ]);
        await eventually(
          async () => (await search('underground ballroom', 'album')).albums.total === 1,
          5000,
          'indexed',
        );
        await server.services.database.db
          .deleteFrom('tracks')
          .where('id', '=', fresh.get('Wombat Waltz')!.track)
          .execute();
        await eventually(
          async () =>
            (await search('underground ballroom', 'album')).albums.total === 0 &&
            (await search('burrow quartet', 'artist')).artists.total === 0,
          1000,
          'album and artist gone within 1 s',
        );
      });
    });

    describe('affinity', () => {
      test('a track the listener played outranks a more popular one of the same name, for that listener only', async () => {
        const fan = await server.account({ country: 'US' });
        assert.equal(await firstBy('lighthouse', 'track', stranger), 'Chart Topper');
        const now = Date.now();
        const garage = await idOf('lighthouse', 'track', 'Garage Duo');
        const sent = await sendEvents(server, fan.token, [
          ...play(garage, now - 600_000, 60_000),
          ...play(garage, now - 300_000, 60_000),
        ]);
        assert.ok(sent.status < 300, JSON.stringify(sent.body));
        await drainConsumers(server.services);
        assert.equal(await firstBy('lighthouse', 'track', fan.token), 'Garage Duo');
        assert.equal(await firstBy('lighthouse', 'track', stranger), 'Chart Topper');
      });

      test('a saved album outranks a more popular one of the same name, and lifts its tracks, for that listener only', async () => {
        const fan = await server.account({ country: 'US' });
        assert.equal(await firstBy('afterglow', 'album', stranger), 'Stadium Act');
        assert.equal(await firstBy('afterglow', 'track', stranger), 'Stadium Act');
        const bedroom = await idOf('afterglow', 'album', 'Bedroom Act');
        const saved = await server.request(`/v1/me/albums?ids=${bedroom}`, {
          method: 'PUT',
          token: fan.token,
        });
        assert.equal(saved.status, 200);
        assert.equal(await firstBy('afterglow', 'album', fan.token), 'Bedroom Act');
        assert.equal(await firstBy('afterglow', 'track', fan.token), 'Bedroom Act');
        assert.equal(await firstBy('afterglow', 'album', stranger), 'Stadium Act');
        assert.equal(await firstBy('afterglow', 'track', stranger), 'Stadium Act');
      });
    });
  });
}

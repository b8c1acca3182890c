import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { insertCatalog } from '../helpers/catalog-fixtures.js';
import { drainConsumers, play, sendEvents } from '../helpers/events.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

describe('listening reads: recently played, top lists, Wrapped, popularity', () => {
  let server: TestServer;
  let ids: Map<string, { track: string; album: string; artist: string }>;
  const track = (name: string) => ids.get(name)!.track;

  before(async () => {
    server = await startTestServer();
    ids = await insertCatalog(server.services.database.db, [
      { name: 'Alpha', artist: 'Ada', genres: ['jazz'], popularity: 0 },
      { name: 'Beta', artist: 'Bo', genres: ['rock'], popularity: 0 },
      { name: 'Gamma', artist: 'Cy', genres: ['rock'], popularity: 0 },
    ]);
  });
  after(() => server.close());

  test('recently played: newest first, before/after cursors in ms, Spotify shape', async () => {
    const { token } = await server.account();
    const t0 = Date.now() - 3_600_000;
    const names = ['Alpha', 'Beta', 'Gamma', 'Alpha'];
    const events = names.flatMap((name, i) => play(track(name), t0 + i * 300_000, 35_000));
    events[0]!.context_uri = `cadenza:album:${ids.get('Alpha')!.album}`;
    await sendEvents(server, token, events);
    await drainConsumers(server.services);

    const all = await server.json('/v1/me/player/recently-played?limit=50', { token });
    assert.equal(all.status, 200);
    assert.deepEqual(
      all.body.items.map((x: { track: { name: string } }) => x.track.name),
      ['Alpha', 'Gamma', 'Beta', 'Alpha'],
    );
    assert.equal(all.body.items[3].played_at, new Date(t0).toISOString());
    assert.equal(all.body.items[3].context.type, 'album');
    assert.equal(all.body.items[0].context, null);
    assert.equal(all.body.cursors.before, String(t0));
    assert.equal(all.body.next, null);

    const page = await server.json('/v1/me/player/recently-played?limit=2', { token });
    assert.equal(page.body.items.length, 2);
    assert.match(page.body.next, new RegExp(`before=${t0 + 600_000}`));
    const older = await server.json(`/v1/me/player/recently-played?limit=2&before=${page.body.cursors.before}`, {
      token,
    });
    assert.deepEqual(
      older.body.items.map((x: { track: { name: string } }) => x.track.name),
      ['Beta', 'Alpha'],
    );
    const newer = await server.json(`/v1/me/player/recently-played?limit=1&after=${t0}`, { token });
    assert.deepEqual(
      newer.body.items.map((x: { played_at: string }) => x.played_at),
      [new Date(t0 + 300_000).toISOString()],
    );
    const both = await server.json(`/v1/me/player/recently-played?after=1&before=2`, { token });
    assert.equal(both.status, 400);
    assert.equal((await server.json('/v1/me/player/recently-played?limit=51', { token })).status, 400);
  });

  test('top tracks and artists per time range, Wrapped per year, popularity on the catalog', async () => {
    const { token } = await server.account();
    const now = Date.now();
    // Beta: three long plays today; Alpha: one short play today.
    const events = [
      ...play(track('Beta'), now - 900_000, 180_000),
      ...play(track('Beta'), now - 600_000, 180_000),
      ...play(track('Beta'), now - 300_000, 180_000),
      ...play(track('Alpha'), now - 100_000, 20_000),
    ];
    await sendEvents(server, token, events);
    await drainConsumers(server.services);

    const tracks = await server.json('/v1/me/top/tracks?time_range=short_term&limit=10', { token });
    assert.equal(tracks.status, 200);
    assert.deepEqual(
      tracks.body.items.map((t: { name: string }) => t.name),
      ['Beta', 'Alpha'],
    );
    assert.equal(tracks.body.total, 2);
    const artists = await server.json('/v1/me/top/artists?limit=1&offset=1', { token });
    assert.deepEqual(
      artists.body.items.map((a: { name: string }) => a.name),
      ['Ada'],
    );
    assert.equal(artists.body.total, 2);
    assert.equal((await server.json('/v1/me/top/albums', { token })).status, 400);
    assert.equal((await server.json('/v1/me/top/tracks?time_range=forever', { token })).status, 400);

    const year = new Date(now).getUTCFullYear();
    const wrapped = await server.json(`/v1/me/wrapped?year=${year}`, { token });
    assert.equal(wrapped.status, 200);
    assert.equal(wrapped.body.minutes_listened, 9);
    assert.equal(wrapped.body.plays, 4);
    assert.equal(wrapped.body.top_tracks[0].name, 'Beta');
    assert.equal(wrapped.body.top_artists[0].name, 'Bo');
    assert.deepEqual(wrapped.body.top_genres, [
      { name: 'rock', minutes_listened: 9 },
      { name: 'jazz', minutes_listened: 0 },
    ]);
    assert.equal((await server.json(`/v1/me/wrapped?year=${year + 1}`, { token })).status, 400);

    const beta = await server.json(`/v1/tracks/${track('Beta')}`, { token });
    assert.ok(beta.body.popularity > 0, 'plays raise the popularity the catalog shows');
    const bo = await server.json(`/v1/artists/${ids.get('Beta')!.artist}`, { token });
    assert.ok(bo.body.popularity > 0);
  });
});

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { insertCatalog } from '../helpers/catalog-fixtures.js';
import { eventually, startTestServer, type TestServer } from '../helpers/server.js';

/** Search ranks what this listener saved, follows or plays above what is merely popular. */

let server: TestServer;

before(async () => {
  // On worker threads: the listener's affinities travel to them with each search.
  server = await startTestServer({ searchThreads: 2 });
  await insertCatalog(server.services.database.db, [
    { name: 'Intro', artist: 'The Famous', album: 'Big Record', popularity: 90 },
    { name: 'Intro', artist: 'Small Band', album: 'Quiet Record', popularity: 5 },
    { name: 'Interlude', artist: 'Small Band', album: 'Quiet Record B', popularity: 10 },
    { name: 'Interlude', artist: 'The Famous', album: 'Big Record B', popularity: 60 },
  ]);
});
after(() => server.close());

async function firstTrack(q: string, token: string): Promise<string> {
  const r = await server.json(`/v1/search?type=track&q=${encodeURIComponent(q)}`, { token });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return `${r.body.tracks.items[0]?.name} by ${r.body.tracks.items[0]?.artists[0]?.name}`;
}

test('a saved track outranks a more popular one with the same name, for that listener only', async () => {
  const [fan, stranger] = [await server.account(), await server.account()];
  await eventually(
    async () => (await firstTrack('intro', stranger.token)) === 'Intro by The Famous',
    5_000,
    'indexing',
  );
  const smallIntro = await server.json('/v1/search?type=track&q=intro&limit=5', { token: stranger.token });
  const id = smallIntro.body.tracks.items.find(
    (t: { artists: { name: string }[] }) => t.artists[0]?.name === 'Small Band',
  ).id;
  const saved = await server.request(`/v1/me/tracks?ids=${id}`, { method: 'PUT', token: fan.token });
  assert.equal(saved.status, 200);
  assert.equal(await firstTrack('intro', fan.token), 'Intro by Small Band');
  assert.equal(await firstTrack('intro', stranger.token), 'Intro by The Famous');
});

test("a followed artist's tracks rise too", async () => {
  const [fan, stranger] = [await server.account(), await server.account()];
  const artists = await server.json('/v1/search?type=artist&q=small%20band', { token: stranger.token });
  const small = artists.body.artists.items[0].id;
  const followed = await server.request(`/v1/me/following?type=artist&ids=${small}`, {
    method: 'PUT',
    token: fan.token,
  });
  assert.equal(followed.status, 204);
  assert.equal(await firstTrack('interlude', fan.token), 'Interlude by Small Band');
  assert.equal(await firstTrack('interlude', stranger.token), 'Interlude by The Famous');
});

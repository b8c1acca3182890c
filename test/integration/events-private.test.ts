import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { insertCatalog } from '../helpers/catalog-fixtures.js';
import { drainConsumers, eventId, play, sendEvents } from '../helpers/events.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Events played in a private session (`private_session: true`) count like any other play — history,
 * top lists, popularity, royalties — but friend activity does not show them.
 */

let server: TestServer;
let tracks: string[];

before(async () => {
  server = await startTestServer();
  const ids = await insertCatalog(server.services.database.db, [
    { name: 'Hidden', artist: 'Quiet', popularity: 0 },
    { name: 'Shown', artist: 'Loud', popularity: 0 },
  ]);
  tracks = [ids.get('Hidden')!.track, ids.get('Shown')!.track];
});
after(() => server.close());

test('a private play counts for history and royalties but is not shown to followers', async () => {
  const listener = await server.account({ product: 'premium', country: 'SE' });
  const friend = await server.account();
  await server.request(`/v1/me/following?type=user&ids=${listener.id}`, { method: 'PUT', token: friend.token });
  // Started 40 s ago and still playing: without the flag this is "playing now" in the friend's feed.
  const hidden = play(tracks[0]!, Date.now() - 40_000, 35_000)
    .slice(0, -1)
    .map((e) => ({ ...e, private_session: true }));
  const sent = await sendEvents(server, listener.token, hidden);
  assert.deepEqual(sent.body, { accepted: hidden.length, duplicates: 0, rejected: [] });
  await drainConsumers(server.services);

  const feed = await server.json('/v1/me/friends/activity', { token: friend.token });
  assert.deepEqual(feed.body.friends, [], 'followers see nothing of a private play');
  const history = await server.json('/v1/me/player/recently-played', { token: listener.token });
  assert.deepEqual(
    history.body.items.map((i: { track: { name: string } }) => i.track.name),
    ['Hidden'],
  );
  const top = await server.json('/v1/me/top/tracks?time_range=short_term', { token: listener.token });
  assert.deepEqual(
    top.body.items.map((t: { name: string }) => t.name),
    ['Hidden'],
  );
  const { pool } = server.services.database;
  const streams = await pool.query('select track_id, product from qualifying_streams where user_id = $1', [
    listener.id,
  ]);
  assert.deepEqual(streams.rows, [{ track_id: tracks[0], product: 'premium' }]);
  const track = await server.json(`/v1/tracks/${tracks[0]}`, { token: listener.token });
  assert.ok(track.body.popularity > 0, 'the private play counts for popularity');

  // The same listener's next play, not private, is shown: the feed itself works.
  const shown = { ...play(tracks[1]!, Date.now(), 0)[0]!, private_session: false };
  assert.deepEqual((await sendEvents(server, listener.token, [shown])).body.rejected, []);
  await drainConsumers(server.services);
  const after = await server.json('/v1/me/friends/activity', { token: friend.token });
  assert.deepEqual(
    after.body.friends.map((f: { track: { name: string }; is_playing: boolean }) => [f.track.name, f.is_playing]),
    [['Shown', true]],
  );
});

test('private_session must be a boolean', async () => {
  const { token } = await server.account();
  const bad = { ...play(tracks[0]!, Date.now(), 0)[0]!, id: eventId(), private_session: 'yes' };
  const answer = await sendEvents(server, token, [bad]);
  assert.deepEqual(answer.body, {
    accepted: 0,
    duplicates: 0,
    rejected: [{ index: 0, id: bad.id, reason: 'private_session must be true or false' }],
  });
});

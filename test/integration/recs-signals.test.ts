import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { listeningSignals } from '../../src/adapters/postgres/recs-signals.js';
import { insertCatalog } from '../helpers/catalog-fixtures.js';
import { cadenza } from '../helpers/cli.js';
import { drainConsumers, play, sendEvents } from '../helpers/events.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * What the recommendation models learn from, read from the live database: plays as the listening
 * events recorded them (heard ≥ 30 s, weighted by how much of the track; early skips kept apart),
 * saves, playlist additions, and playlists themselves as lists of tracks that go together.
 */

let server: TestServer;
const track = new Map<string, string>();

before(async () => {
  server = await startTestServer();
  const names = ['Whole', 'Brief', 'Skipped', 'Saved', 'Listed'];
  const ids = await insertCatalog(
    server.services.database.db,
    names.map((name) => ({ name, artist: 'Signals', popularity: 0 })),
  );
  for (const name of names) track.set(name, ids.get(name)!.track);
});
after(() => server.close());

const send = (method: string, path: string, body: unknown, token: string) =>
  server.json(path, { method, token, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

test('plays, saves and playlists become weights; early skips are kept apart; a replay changes nothing', async () => {
  const listener = await server.account();
  const curator = await server.account();
  const start = Date.now() - 3_600_000;
  // The fixtures' tracks last 200 s: one whole play, then half of it again; 20 s of another (neither
  // heard nor skipped); 5 s of a third (a skip).
  const events = [
    ...play(track.get('Whole')!, start, 200_000),
    // Heard whole, in a private session: history counts it, recommendations do not learn from it.
    ...play(track.get('Listed')!, start + 250_000, 200_000, 'laptop').map((e) => ({ ...e, private_session: true })),
    ...play(track.get('Whole')!, start + 300_000, 100_000),
    ...play(track.get('Brief')!, start + 600_000, 20_000),
    ...play(track.get('Skipped')!, start + 700_000, 5_000),
  ];
  assert.deepEqual((await sendEvents(server, listener.token, events)).body.rejected, []);
  assert.equal(
    (await server.request(`/v1/me/tracks?ids=${track.get('Saved')}`, { method: 'PUT', token: listener.token })).status,
    200,
  );
  const created = await send('POST', `/v1/users/${curator.id}/playlists`, { name: 'Together' }, curator.token);
  const uris = ['Whole', 'Listed'].map((n) => `cadenza:track:${track.get(n)}`);
  assert.equal((await send('POST', `/v1/playlists/${created.body.id}/tracks`, { uris }, curator.token)).status, 201);
  await drainConsumers(server.services);

  const read = async () => {
    const { interactions, skipped } = await listeningSignals(server.services.database.db);
    const { users, items, matrix } = interactions;
    const weights = new Map<string, number>();
    for (let u = 0; u < users.length; u++) {
      for (let e = matrix.indptr[u]!; e < matrix.indptr[u + 1]!; e++) {
        weights.set(`${users[u]} ${items[matrix.indices[e]!]}`, matrix.values[e]!);
      }
    }
    const of = (user: string, name: string) => weights.get(`${user} ${track.get(name)}`);
    return { of, skipped };
  };
  const first = await read();
  assert.equal(first.of(listener.id, 'Whole'), 1.5, 'a whole play and half of one');
  assert.equal(first.of(listener.id, 'Brief'), undefined, '20 s is not a play');
  assert.equal(first.of(listener.id, 'Skipped'), undefined);
  assert.deepEqual([...(first.skipped.get(listener.id) ?? [])], [track.get('Skipped')]);
  assert.equal(first.of(listener.id, 'Saved'), 2);
  assert.equal(first.of(listener.id, 'Listed'), undefined, 'a private play');
  assert.equal(first.of(curator.id, 'Listed'), 1, 'whoever added a track to a playlist');
  assert.equal(first.of(`playlist:${created.body.id}`, 'Whole'), 1, 'the playlist as a list of its own');
  assert.equal(first.of(`playlist:${created.body.id}`, 'Listed'), 1);

  // The same events again (a client retrying): stored once, so the same weights.
  assert.equal((await sendEvents(server, listener.token, events)).body.duplicates, events.length);
  await drainConsumers(server.services);
  const again = await read();
  assert.equal(again.of(listener.id, 'Whole'), 1.5);

  // `cadenza recs fit --from-database` fits on these signals; what the listener has is not recommended.
  const folder = await mkdtemp(join(tmpdir(), 'cadenza-recs-db-'));
  try {
    const env = { DATABASE_URL: server.services.config.databaseUrl!, CADENZA_DATA_DIR: server.dataDir };
    const model = join(folder, 'model');
    const fit = await cadenza(['recs', 'fit', '--from-database', '--model', 'popularity', '--out', model], env).done;
    assert.equal(fit.code, 0, fit.stderr);
    await writeFile(join(folder, 'users.tsv'), `user\n${listener.id}\n`);
    const recs = await cadenza(['recs', 'recommend', '--model', model, '--users', join(folder, 'users.tsv')], env).done;
    assert.equal(recs.code, 0, recs.stderr);
    const names = new Map([...track].map(([name, id]) => [id, name]));
    const recommended = recs.stdout
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => names.get(line.split('\t')[1]!));
    assert.deepEqual(recommended, ['Listed'], 'the one track with signals the listener does not have');
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});

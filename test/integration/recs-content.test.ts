import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { insertArtists } from '../helpers/recs.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Audio features in the engine: a track nobody has played is found by how it sounds (cold start), and
 * Spotify's min_/max_/target_ attributes filter and order /v1/recommendations.
 */

let server: TestServer;
let track: Map<string, string>;
const nameOf = new Map<string, string>();

/** Features of a fast, loud, bright, danceable track, or of a slow, quiet, acoustic one. */
function features(kind: 'fast' | 'slow', energy: number) {
  const fast = kind === 'fast';
  return {
    danceability: fast ? 0.85 : 0.2,
    energy,
    key: fast ? 9 : 2,
    loudness: fast ? -6 : -22,
    mode: fast ? 1 : 0,
    speechiness: 0.05,
    acousticness: fast ? 0.05 : 0.9,
    instrumentalness: fast ? 0.1 : 0.8,
    liveness: 0.1,
    valence: fast ? 0.8 : 0.2,
    tempo: fast ? 160 : 70,
    time_signature: 4,
    spectral_centroid: fast ? 3500 : 700,
    spectral_rolloff: fast ? 7000 : 1500,
    spectral_flatness: fast ? 0.2 : 0.02,
    key_confidence: 0.6,
    tempo_confidence: 0.8,
  };
}

before(async () => {
  server = await startTestServer();
  const { db } = server.services.database;
  ({ trackIds: track } = await insertArtists(db, [
    { name: 'Speedy', genre: 'techno', tracks: ['Fast1', 'Fast2'], popularity: 50 },
    { name: 'Sleepy', genre: 'ambient', tracks: ['Slow1', 'Slow2'], popularity: 80 },
    // New, unplayed, of another genre than the seed, and unpopular: only its sound links it to Fast1.
    { name: 'Newcomer', genre: 'folk', tracks: ['NewFast'], popularity: 0 },
    { name: 'Folky', genre: 'folk', tracks: ['Folk1', 'Folk2'], popularity: 90 },
  ]));
  for (const [name, id] of track) nameOf.set(id, name);
  const analysed: [string, 'fast' | 'slow', number][] = [
    ['Fast1', 'fast', 0.9],
    ['Fast2', 'fast', 0.6],
    ['NewFast', 'fast', 0.88],
    ['Slow1', 'slow', 0.2],
    ['Slow2', 'slow', 0.3],
  ];
  for (const [name, kind, energy] of analysed) {
    const id = track.get(name)!;
    await db.updateTable('tracks').set({ media_version: 'v1' }).where('id', '=', id).execute();
    await db
      .insertInto('audio_features')
      .values({ track_id: id, media_version: 'v1', error: null, ...features(kind, energy) } as never)
      .execute();
  }
});
after(() => server.close());

const names = (tracks: { id: string }[]) => tracks.map((t) => nameOf.get(t.id)!);

test('a track nobody played is found by its sound (content vectors)', async () => {
  const listener = await server.account();
  const r = await server.json(`/v1/recommendations?seed_tracks=${track.get('Fast1')}&limit=4`, {
    token: listener.token,
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const got = names(r.body.tracks);
  assert.ok(got.slice(0, 2).includes('NewFast'), got.join());
  assert.ok(got.indexOf('NewFast') < got.indexOf('Folk1') || !got.includes('Folk1'), got.join());
});

test('min_/max_ attributes filter, target_ orders', async () => {
  const listener = await server.account();
  const get = async (query: string) => {
    const r = await server.json(`/v1/recommendations?${query}`, { token: listener.token });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return names(r.body.tracks);
  };
  const seeds = `seed_genres=techno,ambient,folk&limit=10`;
  assert.deepEqual((await get(`${seeds}&min_tempo=120`)).sort(), ['Fast1', 'Fast2', 'NewFast']);
  assert.deepEqual((await get(`${seeds}&max_energy=0.5`)).sort(), ['Slow1', 'Slow2']);
  assert.deepEqual((await get(`${seeds}&min_popularity=85`)).sort(), ['Folk1', 'Folk2']);
  const energetic = await get(`${seeds}&min_tempo=100&target_energy=0.6`);
  assert.equal(energetic[0], 'Fast2', energetic.join());
});

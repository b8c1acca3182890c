import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { addTracks, createPlaylist } from '../helpers/playlists.js';
import { insertArtists } from '../helpers/recs.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * The recommendation surfaces over real HTTP and PostgreSQL, on a new install with no fitted model:
 * popularity and the catalogue's relations (artist, album, genre) answer, in Spotify's shapes.
 */

let server: TestServer;
let listener: { token: string; id: string };
let artist: Map<string, string>;
let track: Map<string, string>;
const nameOf = new Map<string, string>();

before(async () => {
  server = await startTestServer();
  ({ artistIds: artist, trackIds: track } = await insertArtists(server.services.database.db, [
    { name: 'Rocker', genre: 'rock', tracks: ['R1', 'R2', 'R3', 'R4'], popularity: 60 },
    { name: 'Roller', genre: 'rock', tracks: ['L1', 'L2', 'L3'], popularity: 40 },
    { name: 'Stoner', genre: 'rock', tracks: ['S1', 'S2'], popularity: 30 },
    { name: 'Jazzer', genre: 'jazz', tracks: ['J1', 'J2', 'J3'], popularity: 90 },
    { name: 'Crooner', genre: 'jazz', tracks: ['C1', 'C2'], popularity: 80 },
  ]));
  for (const [name, id] of track) nameOf.set(id, name);
  listener = await server.account();
});
after(() => server.close());

const get = (path: string) => server.json(path, { token: listener.token });
const names = (tracks: { id: string }[]) => tracks.map((t) => nameOf.get(t.id)!);

test('GET /v1/recommendations answers in Spotify shape, seeds first in relevance and never the seed', async () => {
  const r = await get(`/v1/recommendations?seed_tracks=${track.get('R1')}&limit=6`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.seeds.length, 1);
  const [seed] = r.body.seeds;
  assert.equal(seed.id, track.get('R1'));
  assert.equal(seed.type, 'TRACK');
  assert.match(seed.href, new RegExp(`/v1/tracks/${track.get('R1')}$`));
  assert.ok(seed.initialPoolSize >= seed.afterFilteringSize && seed.afterFilteringSize > 0);
  assert.equal(seed.afterRelinkingSize, seed.afterFilteringSize);
  assert.equal(r.body.tracks.length, 6);
  const got = names(r.body.tracks);
  assert.ok(!got.includes('R1'), 'the seed itself is not recommended');
  assert.equal(r.body.tracks[0].type, 'track');
  assert.ok(r.body.tracks[0].album && r.body.tracks[0].artists, 'full track objects');
  // The seed's own artist and genre come before another genre, however popular.
  const firstJazz = got.findIndex((n) => n.startsWith('J') || n.startsWith('C'));
  const rock = got.filter((n) => /^[RLS]/.test(n));
  assert.ok(rock.length >= 4, `mostly rock: ${got}`);
  assert.ok(firstJazz === -1 || firstJazz >= 3, `rock first: ${got}`);
});

test('seed_genres and seed_artists; an unknown seed is a 404', async () => {
  const byGenre = await get('/v1/recommendations?seed_genres=jazz&limit=4');
  assert.equal(byGenre.status, 200);
  assert.deepEqual(
    byGenre.body.seeds.map((s: { type: string; href: null }) => [s.type, s.href]),
    [['GENRE', null]],
  );
  assert.ok(
    names(byGenre.body.tracks)
      .slice(0, 4)
      .every((n) => /^[JC]/.test(n)),
    names(byGenre.body.tracks).join(),
  );

  const byArtist = await get(`/v1/recommendations?seed_artists=${artist.get('Roller')}&limit=3`);
  assert.equal(byArtist.status, 200);
  const roller = names(byArtist.body.tracks);
  // The artist's own tracks lead, at most two in a row apart (the diversity rule), then their genre.
  assert.ok(roller[0]!.startsWith('L') && roller.filter((n) => n.startsWith('L')).length === 2, roller.join());
  assert.ok(/^[RS]/.test(roller[1]!), roller.join());

  const unknown = await get('/v1/recommendations?seed_tracks=0000000000000000000000');
  assert.equal(unknown.status, 404);
  const unknownGenre = await get('/v1/recommendations?seed_genres=polka');
  assert.equal(unknownGenre.status, 404);
});

test('bad requests are 400s naming the field', async () => {
  const cases: [string, RegExp][] = [
    ['/v1/recommendations', /seed_/],
    [`/v1/recommendations?seed_tracks=${[...track.values()].slice(0, 6).join(',')}`, /seed_/],
    ['/v1/recommendations?seed_tracks=not-an-id', /seed_tracks/],
    [`/v1/recommendations?seed_tracks=${track.get('R1')}&limit=0`, /limit/],
    [`/v1/recommendations?seed_tracks=${track.get('R1')}&limit=101`, /limit/],
    [`/v1/recommendations?seed_tracks=${track.get('R1')}&target_tempo=fast`, /target_tempo/],
    [`/v1/recommendations?seed_tracks=${track.get('R1')}&colour=blue`, /colour/],
    ['/v1/radio?seed_uri=cadenza:song:0000000000000000000000', /seed_uri/],
    [`/v1/radio?seed_uri=cadenza:track:${track.get('R1')}&exclude=nope`, /exclude/],
    [`/v1/me/autoplay?seed_tracks=${[...track.values()].slice(0, 6).join(',')}`, /seed_tracks/],
  ];
  for (const [path, field] of cases) {
    const r = await get(path);
    assert.equal(r.status, 400, `${path}: ${JSON.stringify(r.body)}`);
    assert.match(r.body.error.message, field, path);
  }
  assert.equal((await server.json(`/v1/radio?seed_uri=cadenza:track:${track.get('R1')}`)).status, 401);
});

test('track radio starts with its seed, alternates artists, and a next page with exclude never repeats', async () => {
  const first = await get(`/v1/radio?seed_uri=cadenza:track:${track.get('R2')}&limit=6`);
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.equal(first.body.name, 'R2 Radio');
  assert.equal(first.body.seed_uri, `cadenza:track:${track.get('R2')}`);
  const page1 = first.body.tracks as { id: string; artists: { id: string }[] }[];
  assert.equal(page1[0]!.id, track.get('R2'));
  assert.equal(page1.length, 6);
  for (let i = 1; i < page1.length; i++)
    assert.notEqual(
      page1[i]!.artists[0]!.id,
      page1[i - 1]!.artists[0]!.id,
      `no artist twice in a row: ${names(page1)}`,
    );
  const shown = page1.map((t) => t.id);
  const next = await get(`/v1/radio?seed_uri=cadenza:track:${track.get('R2')}&limit=6&exclude=${shown.join(',')}`);
  assert.equal(next.status, 200);
  const page2 = (next.body.tracks as { id: string }[]).map((t) => t.id);
  assert.ok(page2.length > 0);
  assert.deepEqual(
    page2.filter((id) => shown.includes(id)),
    [],
  );

  const artistRadio = await get(`/v1/radio?seed_uri=cadenza:artist:${artist.get('Crooner')}&limit=5`);
  assert.equal(artistRadio.body.name, 'Crooner Radio');
  assert.ok(names(artistRadio.body.tracks).some((n) => n.startsWith('C')));
  assert.equal((await get('/v1/radio?seed_uri=cadenza:album:0000000000000000000000')).status, 404);
});

test('playlist continuation never returns the playlist own tracks; related artists and autoplay answer', async () => {
  const playlist = await createPlaylist(server, listener, { name: 'Rock mix', public: false });
  assert.equal(
    await addTracks(server, playlist, listener, [track.get('R1')!, track.get('L1')!, track.get('S1')!]),
    201,
  );
  const r = await get(`/v1/playlists/${playlist}/recommendations?limit=20`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const got = names(r.body.tracks);
  assert.ok(got.length >= 5);
  for (const own of ['R1', 'L1', 'S1']) assert.ok(!got.includes(own), `${own} is already in the playlist: ${got}`);
  assert.ok(/^[RLS]/.test(got[0]!), `continues with rock: ${got}`);
  const excluded = await get(`/v1/playlists/${playlist}/recommendations?limit=20&exclude=${track.get(got[0]!)}`);
  assert.ok(!names(excluded.body.tracks).includes(got[0]!));
  const stranger = await server.account();
  assert.equal(
    (await server.json(`/v1/playlists/${playlist}/recommendations`, { token: stranger.token })).status,
    404,
    'a private playlist is not found for others',
  );

  const related = await get(`/v1/artists/${artist.get('Rocker')}/related-artists`);
  assert.equal(related.status, 200);
  const relatedNames = related.body.artists.map((a: { name: string }) => a.name);
  assert.deepEqual(relatedNames.slice(0, 2).sort(), ['Roller', 'Stoner'], 'same genre first without listeners');
  assert.ok(!relatedNames.includes('Rocker'));
  assert.equal(related.body.artists[0].type, 'artist');
  assert.equal((await get('/v1/artists/0000000000000000000000/related-artists')).status, 404);

  const autoplay = await get(`/v1/me/autoplay?seed_tracks=${track.get('J1')},${track.get('C1')}&limit=4`);
  assert.equal(autoplay.status, 200);
  const next = names(autoplay.body.tracks);
  assert.equal(next.length, 4);
  assert.ok(!next.includes('J1') && !next.includes('C1'));
  assert.ok(/^[JC]/.test(next[0]!), `jazz continues jazz: ${next}`);
});

test('a listener with no signals gets the catalogue, never an empty list', async () => {
  const fresh = await server.account();
  const r = await server.json('/v1/me/autoplay?limit=50', { token: fresh.token });
  assert.equal(r.status, 200);
  assert.equal(r.body.tracks.length, track.size);
  assert.equal(names(r.body.tracks)[0], 'J1', 'the most popular first');
});

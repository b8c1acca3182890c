import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Catalogue, type CatalogueTrack } from '../../src/core/recs/catalogue.js';
import { listenerState, statedGenreWeight } from '../../src/core/recs/listener.js';
import { seedGroups } from '../../src/core/recs/retrieval.js';
import { StatedTaste } from '../../src/core/recs/taste.js';

/** Genres a listener picked: full weight with nothing heard, fading as their own taste grows. */

const track = (id: string, genre: string): CatalogueTrack => ({
  id,
  albumId: `al-${genre}`,
  artistIds: [`ar-${genre}`],
  genres: [genre],
  releaseDate: '2015-01-01',
  popularity: 50,
  markets: null,
  attributes: {},
});
const cat = new Catalogue([...Array.from({ length: 40 }, (_, i) => track(`r${i}`, 'rock')), track('j0', 'jazz')]);

function stateAfter(heard: number, statedGenres: string[]) {
  const plays = Array.from({ length: heard }, (_, i) => ({
    trackId: `r${i}`,
    at: 1_000_000 - i,
    listenedMs: 200_000,
    durationMs: 200_000,
  }));
  return listenerState({ plays, saved: [], followedArtists: [], statedGenres }, (id) => cat.artistsOf(id), 1_000_000);
}

test('stated genres weigh 1 with nothing heard, ½ after 10 tracks, ⅕ after 40, nothing when none were picked', () => {
  assert.equal(statedGenreWeight(stateAfter(0, ['jazz'])), 1);
  assert.equal(statedGenreWeight(stateAfter(10, ['jazz'])), 0.5);
  assert.equal(statedGenreWeight(stateAfter(40, ['jazz'])), 0.2);
  assert.equal(statedGenreWeight(stateAfter(0, [])), 0);
});

test('an unseeded list gets one group per picked genre the catalogue knows, at the faded weight', () => {
  const groups = (heard: number) =>
    seedGroups(
      { userId: 'u', purpose: 'home', limit: 10 },
      [],
      [],
      cat,
      stateAfter(heard, ['Jazz', 'polka']),
      undefined,
    )
      .filter((g) => g.genres.length > 0)
      .map((g) => [g.genres, g.weight]);
  assert.deepEqual(groups(0), [[['jazz'], 1]]);
  assert.deepEqual(groups(10), [[['jazz'], 0.5]]);
});

test('a seeded radio keeps the picked genres beside its seed; a seeded home list does not', () => {
  const state = stateAfter(0, ['jazz']);
  const radio = seedGroups({ userId: 'u', purpose: 'radio', limit: 10 }, ['r0'], [], cat, state, undefined);
  assert.ok(radio.some((g) => g.key === undefined && g.genres.includes('jazz')));
  const seeded = seedGroups({ userId: 'u', purpose: 'home', limit: 10 }, ['r0'], [], cat, state, undefined);
  assert.ok(!seeded.some((g) => g.genres.includes('jazz')));
});

test('unknown genres read the whole catalogue again at most every 30 s; a genre published since is then accepted', async () => {
  let now = 0;
  let reads = 0;
  let tracks = cat.tracks;
  let cached = cat;
  const saved = new Map<string, string[]>();
  const taste = new StatedTaste({
    store: {
      statedGenres: async (userId) => saved.get(userId) ?? [],
      setStatedGenres: async (userId, genres) => void saved.set(userId, genres),
    },
    catalogue: async (reload) => {
      if (reload) {
        reads++;
        cached = new Catalogue([...tracks]);
      }
      return cached;
    },
    now: () => now,
  });
  for (let i = 0; i < 5; i++) await assert.rejects(taste.setStatedGenres('u1', ['polka']), /"polka"/);
  assert.equal(reads, 1, 'one reload for five requests naming an unknown genre');

  // Published meanwhile: refused from the cached catalogue until the next reload is allowed.
  tracks = [...cat.tracks, track('p0', 'polka')];
  now = 29_000;
  await assert.rejects(taste.setStatedGenres('u1', ['Polka']), /"polka"/);
  now = 30_000;
  assert.deepEqual(await taste.setStatedGenres('u1', ['Polka', 'jazz']), ['polka', 'jazz']);
  assert.equal(reads, 2);
  assert.deepEqual(await taste.statedGenres('u1'), ['polka', 'jazz']);
});

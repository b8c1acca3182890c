import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CatalogueRows } from '../../src/core/recs/artists.js';
import { defaultParams, fitModel, type RecsParams } from '../../src/core/recs/model.js';
import { decodeModel, encodeModel } from '../../src/core/recs/model-file.js';
import { Recommender } from '../../src/core/recs/recommender.js';
import { parseCatalogue, playlistsAsInteractions } from '../../src/core/recs/tsv.js';

/**
 * Three artists: Alpha (a1–a4, rarely listed), Beta (b1–b3) and Gamma (g1–g4, the most popular). Alpha
 * shares playlists with Beta, never with Gamma. a-new and b-new are in the catalogue only.
 */
const playlists = new Map([
  ['p1', ['a1', 'a2', 'b1']],
  ['p2', ['a2', 'a3', 'b2']],
  ['p3', ['a4', 'b1', 'b3']],
  ['p4', ['g1', 'g2', 'g3']],
  ['p5', ['g1', 'g2', 'g4']],
  ['p6', ['g1', 'g3', 'g4']],
  ['p7', ['g1', 'g2', 'b3']],
]);
const catalogue: CatalogueRows = {
  tracks: ['a1', 'a2', 'a3', 'a4', 'a-new', 'b1', 'b2', 'b3', 'b-new', 'g1', 'g2', 'g3', 'g4'],
  artists: [
    'Alpha',
    'Alpha',
    'Alpha',
    'Alpha',
    'Alpha',
    'Beta',
    'Beta',
    'Beta',
    'Beta',
    'Gamma',
    'Gamma',
    'Gamma',
    'Gamma',
  ],
};

/** "ours" with only the named part switched on. */
function only(part: 'artist' | 'artistrp3'): RecsParams {
  const off = { 'ours.rp3': 0, 'ours.ials': 0, 'ours.userknn': 0, 'ours.artist': 0, 'ours.artistrp3': 0 };
  return { ...defaultParams('playlists'), ...off, [`ours.${part}`]: 1 };
}

const fit = (params: RecsParams, withCatalogue = true) =>
  new Recommender(
    fitModel('ours', 'playlists', playlistsAsInteractions(playlists), params, withCatalogue ? catalogue : undefined),
  );

test("artist part: a seed's artist's other tracks come first, most listed first, the seed left out", () => {
  // Popularity alone would answer g1, g2, …: Alpha's tracks are the least listed.
  assert.deepEqual(fit(only('artist')).forSeeds(['a1'], 3), ['a2', 'a3', 'a4']);
});

test('artist part: a seed never held in training still counts through its catalogue artist', () => {
  // a-new is in no training playlist: without its artist nothing would lead to Alpha.
  assert.deepEqual(fit(only('artist')).forSeeds(['a-new'], 3), ['a2', 'a1', 'a3']);
  // Tracks only the catalogue lists are never offered: the training data must hold a track to be offered.
  assert.ok(!fit(only('artist')).forSeeds(['a1'], 13).includes('a-new'));
});

test('artistrp3 part: reaches the artists playlists put beside the seed artist, not the others', () => {
  const next = fit(only('artistrp3')).forSeeds(['a-new'], 7);
  assert.deepEqual(new Set(next), new Set(['a1', 'a2', 'a3', 'a4', 'b1', 'b2', 'b3']));
});

test('without a catalogue the artist parts are left out and the playlist defaults still fit', () => {
  const params = { ...defaultParams('playlists'), 'ials.factors': 2 };
  const model = fitModel('ours', 'playlists', playlistsAsInteractions(playlists), params);
  assert.deepEqual(
    model.parts.map((p) => p.name),
    ['ials', 'rp3'],
  );
  assert.equal(model.artists, undefined);
  const withArtists = fitModel('ours', 'playlists', playlistsAsInteractions(playlists), params, catalogue);
  assert.deepEqual(
    withArtists.parts.map((p) => p.name),
    ['ials', 'rp3', 'artist', 'artistrp3'],
  );
});

test('the model file keeps the artists: a decoded model answers an unseen seed the same', () => {
  const model = fitModel('ours', 'playlists', playlistsAsInteractions(playlists), only('artist'), catalogue);
  const decoded = decodeModel(encodeModel(model));
  assert.deepEqual(decoded.artists, model.artists);
  assert.deepEqual(new Recommender(decoded).forSeeds(['b-new'], 3), ['b1', 'b3', 'b2']);
});

test('a catalogue is read by its header names, and a missing column names the line', () => {
  const rows = parseCatalogue('artist_name\tplaylist_count\ttrack_uri\nAlpha\t3\ta1\r\nBeta\t1\tb1\n', 'c.tsv');
  assert.deepEqual(rows, { tracks: ['a1', 'b1'], artists: ['Alpha', 'Beta'] });
  assert.throws(() => parseCatalogue('track_uri\ttrack_name\na1\tSong\n', 'c.tsv'), /c\.tsv line 1: .*artist_name/);
  assert.throws(
    () => parseCatalogue('track_uri\tartist_name\na1\tAlpha\nb1\n', 'c.tsv'),
    /c\.tsv line 3: missing column artist_name/,
  );
});

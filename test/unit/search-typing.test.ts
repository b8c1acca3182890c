/**
 * Search as people type it: spaces in the wrong place, a typo in a three-letter word, a word that matches
 * nothing, and versions of a recording. Each case has decoys that a careless rule would put first: a more
 * popular title reached by typos alone, the same words far apart, a popular title matching all but one
 * word. Titles are invented.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { MemorySearchIndex } from '../../src/adapters/memory-search/index.js';
import { SearchWorkerPool } from '../../src/adapters/memory-search/pool.js';
import type { SearchDoc, SearchRequest, SearchType } from '../../src/ports/search-index.js';
import { NOW } from '../helpers/search-docs.js';

function doc(type: SearchType, id: string, name: string, artist: string, popularity: number): SearchDoc {
  return {
    type,
    id,
    name,
    artists: artist ? [artist] : [],
    album: null,
    genres: [],
    releaseDate: '2012-03-04',
    popularity,
    markets: null,
  };
}
const track = (id: string, name: string, artist: string, popularity = 50) => doc('track', id, name, artist, popularity);

/** Filler that makes short words common (ranking and typo rules depend on how common a word is). */
const filler = Array.from({ length: 80 }, (_, i) =>
  track(`filler-${i}`, `The ${['Gold', 'Wind', 'Lamp', 'Door'][i % 4]} of You ${i}`, `Filler Band ${i % 9}`, i % 30),
);

const docs: SearchDoc[] = [
  ...filler,
  // Space slips.
  track('water-runs', 'Water Runs Dry', 'Creek Band', 50),
  track('water-suns', 'Water Suns', 'Solar Creek', 75), // "waterr uns" by typos alone: water + suns
  track('nights-in-the', 'Nights In The Harbour', 'Pier Lights', 45),
  track('nights-into', 'Nights Into Heaven', 'Choir Of Nights', 80), // "int" → into, "he" → heaven
  track('by-the-river', 'By The River', 'Quiet Mills', 40),
  track('bathe-river', 'Bathe River', 'Splash Unit', 90), // "bythe" → bathe: one typo
  track('the-river-by', 'The River (By Request)', 'Request Line', 85), // by and the, not side by side
  track('country-roads', 'Country Roads', 'Mountain Singers', 40),
  track('roads-country', 'Roads Of The Country', 'Highway Choir', 90), // the words, far apart
  track('up-all-night', 'Up All Night', 'Late Shift', 45),
  track('all-night-long', 'All Night Long', 'Disco Shift', 95), // every word but "up"
  track('summertime', 'Summertime Blues', 'Hot Days', 40),
  track('summer-time-off', 'Summer Of Mine', 'Cool Days', 90),
  // Three-letter typos.
  track('born-for-this', 'Born For This', 'Arena Kids', 40),
  track('born-for', 'Born For Glory', 'Arena Adults', 95), // every word but "ths"
  track('closer-to-fine', 'Closer To Fine', 'Two Girls', 60),
  track('closer-now', 'Closer Now', 'Near Band', 95),
  track('kill-her', 'Kill Her', 'Dark Duo', 40),
  track('kilo-hero', 'Kilo Hero', 'Weight Class', 90), // "kil" → kilo, "her" cut short → hero
  // Partial matches.
  track('jingle-bells-sinatra', 'Jingle Bells', 'Frank Sinatra', 60),
  track('jingle-bells-other', 'Jingle Bells', 'Choir Of Children', 55),
  track('zappa-tune', 'Peaches En Regalia', 'Frank Zappa', 70),
  track('frank-other', 'Frank Talk', 'Honest Folk', 65),
  track('hello-adele', 'Hello', 'Adele', 80),
  track('hello-other', 'Hello Again', 'Someone Else', 85),
  doc('artist', 'adele', 'Adele', '', 90),
  doc('artist', 'moon-harbour', 'Moon Harbour', '', 30),
  track('moon-song', 'Moon Song', 'Night Band', 70),
  track('harbour-song', 'Harbour Song', 'Sea Band', 70),
  // Versions, near-equally popular: the original is not the most popular.
  track('silent-remaster', 'Silent Night - 1999 - Remaster', 'Bing Crosby', 63),
  track('silent-live', 'Silent Night (Live at the Hall)', 'Bing Crosby', 62),
  track('silent-original', 'Silent Night', 'Bing Crosby', 60),
  track('silent-radio', 'Silent Night - Radio Edit', 'Bing Crosby', 61),
  track('silent-remix', 'Silent Night [Remix]', 'Bing Crosby', 64),
  track('silver-lining', 'Silver Lining', 'Cloud Nine', 62), // an unrelated song between the versions
  track('winter-live', 'Winter Song - Live', 'Snow Band', 60),
  track('winter-feat', 'Winter Song (feat. Choir)', 'Snow Band', 50),
  track('hey-jude-2015', 'Hey Jude - Remastered 2015', 'The Beatles', 90),
  track('hey-jude', 'Hey Jude', 'The Beatles', 40),
  doc('album', 'album-remaster', 'Quiet Harbour (Remastered)', 'Harbour Folk', 55),
  doc('album', 'album-original', 'Quiet Harbour', 'Harbour Folk', 50),
];

const index = new MemorySearchIndex();
index.load(docs);
after(() => index.close());

function request(text: string, options: Partial<SearchRequest> = {}): SearchRequest {
  return { text, filters: {}, types: ['track'], limit: 10, offset: 0, prefix: false, now: NOW, ...options };
}

function hits(text: string, options: Partial<SearchRequest> = {}, type: SearchType = 'track') {
  const results = index.search(request(text, { types: [type], ...options }));
  return results[type]!.items;
}

const ids = (text: string, options: Partial<SearchRequest> = {}, type: SearchType = 'track') =>
  hits(text, options, type).map((h) => h.id);

/** The lowest score a full match has: partial matches must score below it. */
const lowestFullScore = () =>
  Math.min(...hits('hello').map((h) => h.score), ...hits('silent night').map((h) => h.score));

const BOTH = [false, true] as const;
const mode = (prefix: boolean) => (prefix ? 'typeahead' : 'full search');

test('a space moved by one letter between two words', () => {
  for (const prefix of BOTH) {
    assert.equal(ids('waterr uns', { prefix })[0], 'water-runs', `${mode(prefix)}: waterr uns`);
    assert.equal(ids('nights int he', { prefix })[0], 'nights-in-the', `${mode(prefix)}: nights int he`);
    assert.equal(ids('up alln ight', { prefix })[0], 'up-all-night', `${mode(prefix)}: up alln ight`);
    assert.equal(ids('creek band waterr uns', { prefix })[0], 'water-runs', `${mode(prefix)}: with the artist`);
  }
  // While the last word is still being typed.
  assert.equal(ids('waterr ru', { prefix: true })[0], 'water-runs');
  assert.equal(ids('nights int h', { prefix: true })[0], 'nights-in-the');
  assert.equal(ids('up alln igh', { prefix: true })[0], 'up-all-night');
});

test('one word typed for two, and two for one', () => {
  for (const prefix of BOTH) {
    assert.equal(ids('bythe river', { prefix })[0], 'by-the-river', `${mode(prefix)}: bythe river`);
    assert.equal(ids('countryroads', { prefix })[0], 'country-roads', `${mode(prefix)}: countryroads`);
    assert.equal(ids('summer time blues', { prefix })[0], 'summertime', `${mode(prefix)}: summer time blues`);
  }
  assert.equal(ids('bythe riv', { prefix: true })[0], 'by-the-river');
  assert.equal(ids('countryro', { prefix: true })[0], 'country-roads');
  // Artist then title with the space between them left out: the artist's last word, the title's first.
  assert.equal(ids('mountain singerscountry roads')[0], 'country-roads');
  // A word typed as one stands for two words side by side, not anywhere in the title.
  assert.ok(!ids('bythe river').includes('the-river-by'), 'by and the are far apart there');
  assert.ok(!ids('countryroads').includes('roads-country'), 'country and roads are far apart there');
});

test('a space slip and a typo in another word', () => {
  for (const prefix of BOTH) {
    assert.equal(ids('mountain singrs countryroads', { prefix })[0], 'country-roads', mode(prefix));
    assert.equal(ids('quiet mils bythe river', { prefix })[0], 'by-the-river', mode(prefix));
  }
});

test('a mended space never outranks the words as typed', () => {
  // "all night" is in the index as typed: the words as typed come first, without any slip.
  assert.equal(ids('all night')[0], 'all-night-long');
  assert.equal(ids('summer of mine')[0], 'summer-time-off');
  const typed = hits('up all night')[0]!;
  const slipped = hits('up alln ight')[0]!;
  assert.equal(typed.id, slipped.id);
  assert.ok(typed.score > slipped.score, 'the slip costs something');
});

test('one typo in a three-letter word beside other words', () => {
  for (const prefix of BOTH) {
    assert.equal(ids('born for ths', { prefix })[0], 'born-for-this', `${mode(prefix)}: born for ths`);
    assert.ok(ids('closer to ine', { prefix }).includes('closer-to-fine'), `${mode(prefix)}: closer to ine`);
    assert.ok(!ids('closer to ine', { prefix }).includes('closer-now'), 'no partial match beside a full one');
  }
  // "kil" is one letter from kill and from kilo; the finished "her" is whole in Kill Her, cut short in
  // Kilo Hero, more popular. While "her" is still being typed, both stay candidates.
  assert.equal(ids('kil her')[0], 'kill-her');
  assert.ok(ids('kil her', { prefix: true }).includes('kill-her'));
  assert.equal(ids('dark duo kil')[0], 'kill-her', 'the artist and a typo in the title');
});

test('a three-letter word gets no typo alone, nor when it is a common word', () => {
  assert.deepEqual(ids('ths'), [], 'alone, "ths" would match every short word one letter away');
  // "the" is in over 50 titles: typed that way, it means "the", not "she" or "thy".
  const shy = track('she-waits', 'She Waits', 'Patient One', 99);
  const withShe = new MemorySearchIndex();
  withShe.load([...docs, shy]);
  const found = withShe.search(request('the waits')).track!.items;
  const she = found.find((h) => h.id === 'she-waits');
  assert.ok(she !== undefined && she.score < lowestFullScore(), 'She Waits only as a partial match ("waits")');
  void withShe.close();
});

test('a query with a word that matches nothing answers its best partial matches', () => {
  for (const prefix of BOTH) {
    const found = ids('jingle bells xqzvw', { prefix });
    assert.deepEqual(found.slice(0, 2).sort(), ['jingle-bells-other', 'jingle-bells-sinatra'], mode(prefix));
    // More words matched first: Adele's Hello has "hello" and "adele".
    assert.equal(ids('hello adele qqqq', { prefix })[0], 'hello-adele', mode(prefix));
  }
  // Every word is somewhere, but not all in one track: the track having all but one comes first.
  assert.equal(ids('jingle bells frank zappa')[0], 'jingle-bells-sinatra');
});

test('partial matches rank below every full match and only when nothing matched in full', () => {
  const partial = hits('jingle bells xqzvw');
  assert.ok(partial.length > 0);
  const lowest = lowestFullScore();
  for (const h of partial) assert.ok(h.score < lowest, `${h.id} ${h.score} is below ${lowest}`);
  // A full match anywhere (here, an artist) means no partial match in any type.
  const r = index.search(request('moon harbour', { types: ['track', 'artist'] }));
  assert.deepEqual(
    r.artist!.items.map((h) => h.id),
    ['moon-harbour'],
  );
  assert.deepEqual(r.track!.items, [], 'moon-song and harbour-song match one word each: not offered');
  // A popular title matching all words but one never shows beside a full match.
  assert.ok(!ids('up all night').includes('all-night-long'));
  assert.ok(!ids('born for ths').includes('born-for'));
  // A one-word query has no partial match.
  assert.deepEqual(ids('xqzvw'), []);
});

test('the original recording ranks above its versions when the query names none', () => {
  for (const prefix of BOTH) {
    for (const q of ['silent night', 'silent night bing crosby', 'bing crosby silent night']) {
      assert.equal(ids(q, { prefix })[0], 'silent-original', `${mode(prefix)}: ${q}`);
    }
  }
  assert.equal(ids('silent night bi', { prefix: true })[0], 'silent-original');
  // A featured artist does not make a version.
  assert.equal(ids('winter song')[0], 'winter-feat', 'feat. is not a version');
  assert.equal(ids('quiet harbour', {}, 'album')[0], 'album-original', 'albums too');
  // Only the original moves: the versions keep their place among other songs.
  const typed = ids('sil', { prefix: true });
  assert.equal(typed[0], 'silent-original');
  assert.ok(typed.indexOf('silent-remix') < typed.indexOf('silver-lining'), 'a version does not sink');
});

test('a query that names a version finds that version first', () => {
  for (const prefix of BOTH) {
    assert.equal(ids('silent night remaster', { prefix })[0], 'silent-remaster', mode(prefix));
    assert.equal(ids('silent night 1999', { prefix })[0], 'silent-remaster', mode(prefix));
    assert.equal(ids('silent night live', { prefix })[0], 'silent-live', mode(prefix));
    assert.equal(ids('silent night radio edit', { prefix })[0], 'silent-radio', mode(prefix));
    assert.equal(ids('silent night remix', { prefix })[0], 'silent-remix', mode(prefix));
  }
  // Named, the versions are not held back: the most popular comes first, as before.
  assert.equal(ids('silent night rem', { prefix: true })[0], 'silent-remix');
});

test('a version much more popular than the original still ranks first', () => {
  assert.equal(ids('hey jude')[0], 'hey-jude-2015');
});

test('a pool of search threads answers these as one index does, split or not', async () => {
  const pool = new SearchWorkerPool(1);
  pool.load(docs);
  try {
    const asked = [
      request('hello adele qqqq', { prefix: true, types: ['track', 'artist', 'album'] }),
      request('hello adele qqqq', { types: ['track', 'artist', 'album'] }),
      request('moon harbour', { prefix: true, types: ['track', 'artist'] }),
      request('bythe river', { types: ['track', 'artist'] }),
    ];
    for (const r of asked) {
      await new Promise(setImmediate);
      assert.deepEqual(await pool.search(r), index.search(r), `"${r.text}" (prefix: ${r.prefix})`);
    }
  } finally {
    await pool.close();
  }
});

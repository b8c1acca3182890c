import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemorySearchIndex } from '../../src/adapters/memory-search/index.js';
import type { SearchDoc, SearchFilters, SearchRequest, SearchType } from '../../src/ports/search-index.js';

const NOW = Date.UTC(2025, 5, 1);
let serial = 0;

function doc(type: SearchType, name: string, extra: Partial<SearchDoc> = {}): SearchDoc {
  return {
    type,
    id: `${type}-${serial++}`,
    name,
    artists: [],
    album: null,
    genres: [],
    releaseDate: '2001-01-01',
    popularity: 50,
    markets: null,
    ...extra,
  };
}

const track = (name: string, artist: string, extra: Partial<SearchDoc> = {}) =>
  doc('track', name, { artists: [artist], album: `${name} (Single)`, ...extra });

function indexOf(docs: SearchDoc[]): MemorySearchIndex {
  const index = new MemorySearchIndex();
  index.load(docs);
  return index;
}

function search(index: MemorySearchIndex, text: string, options: Partial<SearchRequest> = {}) {
  return index.search({
    text,
    filters: {} as SearchFilters,
    types: ['track'],
    limit: 10,
    offset: 0,
    prefix: false,
    now: NOW,
    ...options,
  });
}

/** Ids of the hits of one type. */
function ids(index: MemorySearchIndex, text: string, options: Partial<SearchRequest> = {}, type: SearchType = 'track') {
  return search(index, text, { types: [type], ...options })[type]!.items.map((h) => h.id);
}

const beyonce = doc('artist', 'Beyoncé', { popularity: 90 });
const motley = doc('artist', 'Mötley Crüe', { popularity: 60 });
const acdc = doc('artist', 'AC/DC', { popularity: 80 });
const pink = doc('artist', 'P!nk', { popularity: 75 });
const kesha = doc('artist', 'Ke$ha', { popularity: 70 });
const yonezu = doc('artist', '米津玄師', { popularity: 70 });
const bts = doc('artist', '방탄소년단', { popularity: 85 });
const kino = doc('artist', 'Кино', { popularity: 55 });
const sisyphus = doc('artist', 'Σίσυφος', { popularity: 20 });
const perfume = doc('artist', 'Perfumeポリリズム', { popularity: 40 });
const artists = [beyonce, motley, acdc, pink, kesha, yonezu, bts, kino, sisyphus, perfume];

test('names are found however their letters are written', () => {
  const index = indexOf(artists);
  const first = (q: string) => ids(index, q, {}, 'artist')[0];
  assert.equal(first('beyonce'), beyonce.id);
  assert.equal(first('BEYONCÉ'), beyonce.id);
  assert.equal(first('motley crue'), motley.id);
  for (const q of ['acdc', 'ac dc', 'AC/DC', 'ac-dc']) assert.equal(first(q), acdc.id, q);
  assert.equal(first('pink'), pink.id);
  assert.equal(first('p!nk'), pink.id);
  assert.equal(first('kesha'), kesha.id);
});

test('Japanese, Korean, Cyrillic, Greek and mixed-script names are found', () => {
  const index = indexOf(artists);
  const first = (q: string, prefix = false) => ids(index, q, { prefix }, 'artist')[0];
  for (const q of ['米津玄師', '米津', '米津玄', '玄師']) assert.equal(first(q), yonezu.id, q);
  assert.equal(first('米', true), yonezu.id);
  assert.equal(first('방탄소년단'), bts.id);
  assert.equal(first('방탄', true), bts.id);
  assert.equal(first('КИНО'), kino.id);
  assert.equal(first('σισυφος'), sisyphus.id);
  assert.equal(first('ΣΊΣΥΦΟΣ'), sisyphus.id);
  assert.equal(first('perfume'), perfume.id);
  assert.equal(first('ポリリズム'), perfume.id);
  assert.deepEqual(ids(index, 'мир', {}, 'artist'), []);
});

const hello = track('Hello', 'Adele', { popularity: 80 });
const helloNobody = track('Hello', 'Nobody In Particular', { popularity: 10 });
const helloGoodbye = track('Hello, Goodbye', 'The Beatles', { popularity: 75 });
const someoneLikeYou = track('Someone Like You', 'Adele', { popularity: 78 });
const bohemian = track('Bohemian Rhapsody - Remastered 2011', 'Queen', { popularity: 90 });
const bohemianLive = track('Bohemian Like You', 'The Dandy Warhols', { popularity: 60 });
const cat = track('Cat', 'Somebody', { popularity: 40 });
const tracks = [hello, helloNobody, helloGoodbye, someoneLikeYou, bohemian, bohemianLive, cat];

test('words match across fields in any order', () => {
  const index = indexOf(tracks);
  assert.deepEqual(ids(index, 'adele hello'), [hello.id]);
  assert.deepEqual(ids(index, 'hello adele'), [hello.id]);
  assert.deepEqual(ids(index, 'queen rhapsody'), [bohemian.id]);
});

test('one typo from 4 letters, two from 8, none in a word of 3 alone', () => {
  const index = indexOf(tracks);
  assert.equal(ids(index, 'helo adele')[0], hello.id);
  assert.equal(ids(index, 'hlelo')[0], hello.id, 'a swap is one typo');
  assert.deepEqual(ids(index, 'hxllx'), [], 'two typos in a 5-letter word');
  assert.equal(ids(index, 'bohamain rhapsody')[0], bohemian.id, 'two typos in an 8-letter word');
  assert.deepEqual(ids(index, 'bohamain rhapsodi queen'), [bohemian.id], 'typos in two words');
  assert.deepEqual(ids(index, 'cot'), [], 'no typo in a 3-letter word alone (beside others: search-typing)');
  assert.deepEqual(ids(index, 'cat'), [cat.id]);
});

test('typeahead finds the song at every letter of its first word', () => {
  const index = indexOf(tracks);
  const word = 'Bohemian';
  for (let i = 1; i <= word.length; i++) {
    const typed = word.slice(0, i);
    assert.equal(ids(index, typed, { prefix: true })[0], bohemian.id, typed);
  }
  assert.deepEqual(ids(index, 'bohemian rh', { prefix: true }), [bohemian.id]);
  assert.equal(ids(index, 'bohemain rh', { prefix: true })[0], bohemian.id, 'a typo in a word being typed');
  assert.deepEqual(ids(index, 'bohem'), [bohemian.id, bohemianLive.id], 'full search: a cut word still matches');
});

test('every word may be cut short, and whole words still rank first', () => {
  const the = track('The Cure', 'Band', { popularity: 10 });
  const theory = track('Theory Cure', 'Other Band', { popularity: 95 });
  const index = indexOf([...tracks, the, theory]);
  for (const prefix of [true, false]) {
    const mode = prefix ? 'typeahead' : 'full search';
    assert.equal(ids(index, 'bohe rhap', { prefix })[0], bohemian.id, `${mode}: bohe rhap`);
    assert.equal(ids(index, 'ade hello', { prefix })[0], hello.id, `${mode}: ade hello`);
    assert.equal(ids(index, 'hel ade', { prefix })[0], hello.id, `${mode}: hel ade`);
    assert.deepEqual(ids(index, 'que rhapsody', { prefix }), [bohemian.id], `${mode}: que rhapsody`);
  }
  // "the" is a whole word of "The Cure": that match ranks before "Theory Cure", however popular. A
  // finished query cuts words short only when its words found nothing whole.
  assert.deepEqual(ids(index, 'the cure', { prefix: true }), [the.id, theory.id]);
  assert.deepEqual(ids(index, 'the cure'), [the.id]);
  assert.deepEqual(ids(index, 'bohem rhapsody'), [bohemian.id], 'full search: no other song has both');
  // One or two letters are no word's prefix but the last one's: "ad hello" is not Adele's. Nothing
  // matches both words, so the Hellos come back as partial matches, scored below any full match.
  const partial = search(index, 'ad hello', { prefix: true }).track!.items;
  const full = search(index, 'hello', { prefix: true }).track!.items;
  assert.deepEqual(partial.map((h) => h.id).sort(), [hello.id, helloNobody.id, helloGoodbye.id].sort());
  assert.ok(Math.max(...partial.map((h) => h.score)) < Math.min(...full.map((h) => h.score)));
});

test('popularity breaks ties of text; an exact title beats a longer one', () => {
  const index = indexOf(tracks);
  assert.deepEqual(ids(index, 'hello'), [hello.id, helloNobody.id, helloGoodbye.id]);
  const lovely = track('Lovely', 'Someone', { popularity: 60 });
  const love = track('Love', 'Someone Else', { popularity: 60 });
  const index2 = indexOf([lovely, love]);
  assert.deepEqual(ids(index2, 'love'), [love.id, lovely.id], 'full search: exact before prefix');
  assert.deepEqual(ids(index2, 'lov', { prefix: true }).length, 2);
  assert.equal(
    ids(index2, 'love', { prefix: true })[0],
    love.id,
    'typeahead: the exact word first at equal popularity',
  );
});

test('a typo never outranks an exact match', () => {
  const popularTypo = track('Hallo', 'Somebody Famous', { popularity: 100 });
  const index = indexOf([popularTypo, helloNobody]);
  assert.deepEqual(ids(index, 'hello'), [helloNobody.id, popularTypo.id]);
});

test('affinity lifts a liked item, for its type only', () => {
  const a = track('Yesterday', 'The Beatles', { popularity: 80 });
  const b = track('Yesterday', 'Boyz II Men', { popularity: 70 });
  const index = indexOf([a, b, cat]);
  assert.deepEqual(ids(index, 'yesterday'), [a.id, b.id]);
  assert.deepEqual(ids(index, 'yesterday', { affinity: { track: new Map([[b.id, 1]]) } }), [b.id, a.id]);
  // The same id liked as an album says nothing about the track.
  assert.deepEqual(ids(index, 'yesterday', { affinity: { album: new Map([[b.id, 1]]) } }), [a.id, b.id]);
});

test('items not available in the market vanish', () => {
  const us = track('Anthem', 'Band One', { popularity: 90, markets: ['US', 'CA'] });
  const everywhere = track('Anthem', 'Band Two', { popularity: 10, markets: null });
  const notDe = track('Anthem', 'Band Three', { popularity: 50, markets: ['FR', 'GB'] });
  const index = indexOf([us, everywhere, notDe]);
  assert.deepEqual(ids(index, 'anthem', { market: 'DE' }), [everywhere.id]);
  assert.deepEqual(ids(index, 'anthem', { market: 'us' }), [us.id, everywhere.id]);
  assert.deepEqual(ids(index, 'anthem'), [us.id, notDe.id, everywhere.id]);
  assert.equal(search(index, 'anthem', { market: 'DE' }).track!.total, 1);
});

test('pages are consistent: no duplicates, nothing missed, the same total', () => {
  const docs = Array.from({ length: 37 }, (_, i) =>
    track(`Song Number ${i}`, `Artist ${i % 5}`, { popularity: (i * 37) % 101 }),
  );
  const index = indexOf(docs);
  const seen: string[] = [];
  for (let offset = 0; offset < 50; offset += 8) {
    const page = search(index, 'song', { limit: 8, offset }).track!;
    assert.equal(page.total, 37);
    seen.push(...page.items.map((h) => h.id));
    assert.ok(page.items.every((h, i, all) => i === 0 || all[i - 1]!.score >= h.score));
  }
  assert.equal(seen.length, 37);
  assert.equal(new Set(seen).size, 37);
  assert.deepEqual(search(index, 'song', { limit: 0 }).track, { items: [], total: 37 });
});

test('field filters restrict where words must match', () => {
  const album25 = doc('album', '25', { artists: ['Adele'], popularity: 85 });
  const coverOfHello = track('Hello', 'Cover Band', { album: 'Adele Covers', popularity: 90 });
  const index = indexOf([...tracks, album25, coverOfHello]);
  const f = (filters: SearchFilters, text = '', types: SearchType[] = ['track']) =>
    index.search({ text, filters, types, limit: 10, offset: 0, prefix: false, now: NOW });
  assert.deepEqual(
    f({ artist: 'adele' }, 'hello').track!.items.map((h) => h.id),
    [hello.id],
  );
  assert.deepEqual(
    f({ album: 'adele covers' }).track!.items.map((h) => h.id),
    [coverOfHello.id],
  );
  assert.deepEqual(
    f({ track: 'hello' }, '').track!.items.map((h) => h.id),
    [coverOfHello.id, hello.id, helloNobody.id, helloGoodbye.id],
  );
  assert.deepEqual(
    f({ artist: 'adele' }, '', ['album']).album!.items.map((h) => h.id),
    [album25.id],
  );
  assert.deepEqual(f({ track: 'hello' }, '', ['album']).album, { items: [], total: 0 }, 'track: means tracks');
});

test('genre, year and tag:new filters; filters alone list by popularity', () => {
  const DAY = 86_400_000;
  const recent = new Date(NOW - 3 * DAY).toISOString().slice(0, 10);
  const a = track('One', 'X', { genres: ['Hip Hop'], releaseDate: '1994-05-01', popularity: 30 });
  const b = track('Two', 'Y', { genres: ['southern hip hop'], releaseDate: '1999', popularity: 60 });
  const c = track('Three', 'Z', { genres: ['rock'], releaseDate: recent, popularity: 40 });
  const d = track('Four', 'W', { genres: ['classic rock'], releaseDate: null, popularity: 90 });
  const index = indexOf([a, b, c, d]);
  const f = (filters: SearchFilters, text = '') =>
    index
      .search({ text, filters, types: ['track'], limit: 10, offset: 0, prefix: false, now: NOW })
      .track!.items.map((h) => h.id);
  assert.deepEqual(f({ genre: 'hip hop' }), [b.id, a.id]);
  assert.deepEqual(f({ genre: 'Rock' }), [d.id, c.id]);
  assert.deepEqual(f({ yearFrom: 1990, yearTo: 1999 }), [b.id, a.id]);
  assert.deepEqual(f({ yearFrom: 1995, yearTo: 1995 }), []);
  assert.deepEqual(f({ tagNew: true }), [c.id]);
  assert.deepEqual(f({ tagNew: true }, 'three'), [c.id]);
  assert.deepEqual(f({ tagNew: true }, 'one'), []);
  assert.deepEqual(f({}), [], 'no text and no filter: nothing');
});

test('results of several types come back together and scores compare across types', () => {
  const adele = doc('artist', 'Adele', { popularity: 85 });
  const index = indexOf([...tracks, adele]);
  const r = index.search({
    text: 'adele',
    filters: {},
    types: ['track', 'artist', 'album'],
    limit: 5,
    offset: 0,
    prefix: true,
    now: NOW,
  });
  assert.deepEqual(
    r.artist!.items.map((h) => h.id),
    [adele.id],
  );
  assert.deepEqual(
    r.track!.items.map((h) => h.id),
    [hello.id, someoneLikeYou.id],
  );
  assert.deepEqual(r.album, { items: [], total: 0 });
  assert.ok(r.artist!.items[0]!.score > r.track!.items[0]!.score, 'the artist named exactly is the best match');
  assert.equal(index.count('track'), tracks.length);
  assert.equal(index.count('artist'), 1);
});

test('typeahead puts first what the query begins, however many more popular matches there are', () => {
  // 400 popular tracks have "edit" and "love" words, but nowhere near the start of a name.
  const noise = Array.from({ length: 400 }, (_, i) =>
    track(`Song ${i} - Radio Edit`, `Band ${i}`, { popularity: 60 + (i % 40), album: `You Love I Island ${i}` }),
  );
  const edith = track('La Vie en rose', 'Edith Piaf', { popularity: 5 });
  const iDo = track('I Love You, I Do', 'Handsome', { popularity: 3 });
  const index = indexOf([...noise, edith, iDo]);
  assert.equal(ids(index, 'edi', { prefix: true })[0], edith.id);
  assert.equal(ids(index, 'edith p', { prefix: true })[0], edith.id);
  assert.equal(ids(index, 'edith piaf la', { prefix: true })[0], edith.id, 'the artist, then the title begun');
  assert.equal(ids(index, 'edith la', { prefix: true })[0], edith.id, 'a first name, then the title begun');
  assert.equal(ids(index, 'i love you, i', { prefix: true })[0], iDo.id);
});

test('a prefix of many words finds every document having one, page after page', () => {
  // 300 tracks, each with its own word beginning "dun" (not first in the name, so only the scan finds
  // them), over several documents of other types and popularities: every one must be found once.
  const letters = (i: number) => String.fromCharCode(97 + Math.floor(i / 26), 97 + (i % 26));
  const tracks = Array.from({ length: 300 }, (_, i) =>
    track(`Tune dun${letters(i)}`, `Band ${letters(i)}`, { popularity: i % 101 }),
  );
  const index = indexOf([
    doc('artist', 'Dunes', { popularity: 99 }),
    ...tracks,
    doc('album', 'Dunk', { popularity: 1 }),
  ]);
  for (const prefix of [true, false]) {
    const seen: string[] = [];
    for (let offset = 0; offset < 300; offset += 50) {
      const r = search(index, 'dun', { prefix, limit: 50, offset });
      assert.equal(r.track!.total, 300, `total (prefix: ${prefix})`);
      seen.push(...r.track!.items.map((h) => h.id));
    }
    assert.deepEqual(seen.sort(), tracks.map((t) => t.id).sort(), `every track once (prefix: ${prefix})`);
  }
});

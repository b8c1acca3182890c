import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MemorySearchIndex } from '../../src/adapters/memory-search/index.js';
import { AsciiTokenizer, WordInterner } from '../../src/adapters/memory-search/intern.js';
import { analyze } from '../../src/core/search/normalize.js';
import type { SearchDoc, SearchType } from '../../src/ports/search-index.js';
import { catalogue, ids, NOW, track } from '../helpers/search-docs.js';

test('upserts and removals are searchable at once', () => {
  const index = new MemorySearchIndex();
  index.load([track('a', 'Yellow', 'Coldplay', 80), track('b', 'Fix You', 'Coldplay', 70)]);
  assert.deepEqual(ids(index, 'coldplay'), ['a', 'b']);

  index.upsert([track('c', 'Clocks', 'Coldplay', 90)]);
  assert.deepEqual(ids(index, 'coldplay'), ['c', 'a', 'b']);
  assert.deepEqual(ids(index, 'clocks'), ['c']);
  assert.equal(index.count('track'), 3);

  index.upsert([track('a', 'Viva la Vida', 'Coldplay', 85)]);
  assert.deepEqual(ids(index, 'yellow'), [], 'the old name is gone');
  assert.deepEqual(ids(index, 'viva vida'), ['a']);
  assert.deepEqual(ids(index, 'coldplay'), ['c', 'a', 'b']);
  assert.equal(index.count('track'), 3);

  index.remove('track', ['b', 'never-there']);
  assert.deepEqual(ids(index, 'coldplay'), ['c', 'a']);
  assert.deepEqual(ids(index, 'fix'), []);
  assert.equal(index.count('track'), 2);

  index.upsert([track('b', 'Fix You', 'Coldplay', 70)]);
  assert.deepEqual(ids(index, 'fix you'), ['b']);
});

test('the same id in another type is another document', () => {
  const index = new MemorySearchIndex();
  const artist: SearchDoc = { ...track('x', 'Coldplay', ''), type: 'artist', artists: [] };
  index.load([track('x', 'Coldplay Song', 'Someone'), artist]);
  index.remove('artist', ['x']);
  assert.deepEqual(ids(index, 'coldplay'), ['x']);
  assert.equal(index.count('artist'), 0);
});

test('a load replaces everything; the last of duplicate documents wins', () => {
  const index = new MemorySearchIndex();
  index.load([track('a', 'Yellow', 'Coldplay')]);
  index.upsert([track('b', 'Clocks', 'Coldplay')]);
  index.load([track('c', 'Paradise', 'Coldplay'), track('c', 'Magic', 'Coldplay')]);
  assert.deepEqual(ids(index, 'coldplay'), ['c']);
  assert.deepEqual(ids(index, 'paradise'), []);
  assert.deepEqual(ids(index, 'magic'), ['c']);
  assert.equal(index.count('track'), 1);
});

const QUERIES = ['love', 'blue moon', 'moon blue', 'band gold 7', 'fire dance', 'nigth', 'summr river', 'wild'];

test('an index built by upserts and merges answers like one loaded at once', () => {
  const docs = catalogue(3000, 7);
  const loaded = new MemorySearchIndex();
  loaded.load(docs);
  const grown = new MemorySearchIndex();
  grown.load(docs.slice(0, 500));
  // Small batches pile up segments and get merged pairwise on the way.
  for (let i = 500; i < docs.length; i += 37) grown.upsert(docs.slice(i, i + 37));
  for (const q of QUERIES) {
    // Typeahead as the suggest route asks it: ten at most (it keeps fewer candidates per segment).
    for (const options of [{ prefix: false }, { prefix: true, limit: 10 }]) {
      assert.deepEqual(ids(grown, q, options), ids(loaded, q, options), `${q} (prefix: ${options.prefix})`);
    }
  }
  assert.equal(grown.count('track'), docs.length);
});

test('documents replaced and removed stay gone across merges, including into the main segment', () => {
  const index = new MemorySearchIndex();
  const docs = catalogue(1000, 11);
  index.load(docs);
  // Renaming every document: enough upserts to merge the small segments into the main one.
  const renamed = docs.map((d) => ({ ...d, name: `renamed ${d.name}` }));
  for (let i = 0; i < renamed.length; i += 100) index.upsert(renamed.slice(i, i + 100));
  const extra = catalogue(60_000, 5, 'x');
  for (let i = 0; i < extra.length; i += 10_000) index.upsert(extra.slice(i, i + 10_000));
  index.remove(
    'track',
    docs.filter((_, i) => i % 2 === 0).map((d) => d.id),
  );
  const survivors = new Set(docs.filter((_, i) => i % 2 === 1).map((d) => d.id));
  const found = ids(index, 'renamed', { limit: 1000 });
  assert.equal(found.length, survivors.size);
  assert.ok(found.every((id) => survivors.has(id)));
  assert.equal(index.count('track'), survivors.size + extra.length);
  assert.equal(
    index.search({ text: 'renamed', filters: {}, types: ['track'], limit: 1, offset: 0, prefix: false, now: NOW })
      .track!.total,
    survivors.size,
  );
});

test('paging through a large result set is consistent and repeatable', () => {
  const index = new MemorySearchIndex();
  index.load(catalogue(5000, 3));
  const all: string[] = [];
  let total = -1;
  for (let offset = 0; offset < 400; offset += 40) {
    const page = index.search({
      text: 'love',
      filters: {},
      types: ['track'],
      limit: 40,
      offset,
      prefix: false,
      now: NOW,
    }).track!;
    if (total < 0) total = page.total;
    assert.equal(page.total, total);
    all.push(...page.items.map((h) => h.id));
  }
  assert.equal(new Set(all).size, all.length, 'no document on two pages');
  assert.deepEqual(ids(index, 'love', { limit: 400 }), all);
  assert.deepEqual(ids(index, 'love', { limit: 400 }), all, 'the same again');
});

test('ASCII names take a fast path that gives the same words as analyze', () => {
  const interner = new WordInterner();
  const tokenizer = new AsciiTokenizer(interner);
  const check = (text: string) => {
    const got: string[] = [];
    const sink = { word: (id: number, pos: number, span: number) => got.push(`${interner.words[id]}@${pos}/${span}`) };
    if (!tokenizer.run(text, sink)) return;
    assert.deepEqual(
      got,
      analyze(text).map((t) => `${t.text}@${t.pos}/${t.span}`),
      JSON.stringify(text),
    );
  };
  for (const text of ["Don't Stop", 'AC/DC', 't.A.T.u.', 'P!nk', 'Ke$ha', '!!!', 'a - b', "Rock 'n' Roll", 'x@y'])
    check(text);
  fc.assert(
    fc.property(fc.stringMatching(/^[ -~]{0,24}$/), (text) => check(text)),
    { numRuns: 3000 },
  );
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom(..."aZ9 .-/'!$@`&") }), (text) => check(text)),
    {
      numRuns: 3000,
    },
  );
});

test('search types not loaded come back empty', () => {
  const index = new MemorySearchIndex();
  index.load([track('a', 'Yellow', 'Coldplay')]);
  const types: SearchType[] = ['track', 'playlist', 'show'];
  const r = index.search({ text: 'yellow', filters: {}, types, limit: 5, offset: 0, prefix: true, now: NOW });
  assert.deepEqual(r.playlist, { items: [], total: 0 });
  assert.deepEqual(r.show, { items: [], total: 0 });
  assert.equal(r.track!.items.length, 1);
});

test('a misspelt word beside a cut-short one finds what the words spelt out find', () => {
  const index = new MemorySearchIndex();
  const words = ['love', 'lover', 'loves', 'lovely'];
  const docs = Array.from({ length: 400 }, (_, i) =>
    track(`d${i}`, `${words[i % 4]} ${i % 3 === 0 ? 'night' : 'day'}`, `Artist ${i % 10}`, i % 100),
  );
  index.load(docs);
  const nights = docs.filter((_, i) => i % 3 === 0).map((d) => d.id);
  // The second tier: "nigth" by one edit, the last word "lov" as the start of four longer words.
  assert.deepEqual(ids(index, 'nigth lov', { limit: 1000 }).sort(), nights.sort());
});

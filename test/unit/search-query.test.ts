import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Invalid } from '../../src/core/errors.js';
import { parseQuery } from '../../src/core/search/query.js';

test('plain words stay text, with single spaces', () => {
  assert.deepEqual(parseQuery('  hello   adele '), { text: 'hello adele', filters: {} });
});

test('field filters take a word or a quoted phrase', () => {
  assert.deepEqual(parseQuery('hello artist:adele'), { text: 'hello', filters: { artist: 'adele' } });
  assert.deepEqual(parseQuery('artist:"mötley crüe" kickstart'), {
    text: 'kickstart',
    filters: { artist: 'mötley crüe' },
  });
  assert.deepEqual(parseQuery('album:25 track:hello genre:"hip hop"'), {
    text: '',
    filters: { album: '25', track: 'hello', genre: 'hip hop' },
  });
  assert.deepEqual(parseQuery('Artist:Adele TAG:NEW'), { text: '', filters: { artist: 'Adele', tagNew: true } });
});

test('years are one year or a range', () => {
  assert.deepEqual(parseQuery('year:1990 rock').filters, { yearFrom: 1990, yearTo: 1990 });
  assert.deepEqual(parseQuery('year:1990-1999').filters, { yearFrom: 1990, yearTo: 1999 });
});

test('a repeated field filter requires both values', () => {
  assert.deepEqual(parseQuery('artist:simon artist:garfunkel').filters, { artist: 'simon garfunkel' });
});

test('unknown filters and empty values stay plain text', () => {
  assert.deepEqual(parseQuery('foo:bar baz'), { text: 'foo:bar baz', filters: {} });
  assert.deepEqual(parseQuery('artist: adele'), { text: 'artist: adele', filters: {} });
});

test('bad queries are Invalid on the q parameter', () => {
  for (const q of ['year:abc', 'year:19901', 'year:2000-1990', 'tag:hipster', '', '   ', '""', 'x'.repeat(501)]) {
    assert.throws(
      () => parseQuery(q),
      (e: unknown) => e instanceof Invalid && e.field === 'q',
      `expected Invalid for ${JSON.stringify(q.slice(0, 20))}`,
    );
  }
  assert.doesNotThrow(() => parseQuery('x'.repeat(500)));
});

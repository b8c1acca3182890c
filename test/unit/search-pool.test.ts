import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { MemorySearchIndex } from '../../src/adapters/memory-search/index.js';
import { SearchWorkerPool } from '../../src/adapters/memory-search/pool.js';
import type { SearchDoc, SearchRequest } from '../../src/ports/search-index.js';
import { catalogue, NOW, track } from '../helpers/search-docs.js';

const docs: SearchDoc[] = [
  ...catalogue(3000, 7),
  { ...track('a1', 'Rivers of Gold', 'Adèle'), type: 'album' },
  { ...track('a2', 'Velvet Harbour', 'Nobody'), type: 'album' },
  track('t-riv', 'Riv Gold', 'Someone'),
  { ...track('ar1', 'Adèle', ''), type: 'artist', artists: [] },
  { ...track('us', 'Moon Anthem', 'Band US', 90), markets: ['US'] },
];

const pool = new SearchWorkerPool(2);
pool.load(docs);
const reference = new MemorySearchIndex();
reference.load(docs);
after(() => Promise.all([pool.close(), reference.close()]));

function request(text: string, options: Partial<SearchRequest> = {}): SearchRequest {
  return {
    text,
    filters: {},
    types: ['track', 'album', 'artist'],
    limit: 10,
    offset: 0,
    prefix: false,
    now: NOW,
    ...options,
  };
}

const asked: SearchRequest[] = [
  request('love night'),
  request('moon', { market: 'DE' }),
  request('moon', { market: 'US' }),
  request('adele'),
  request('hart', { limit: 20, offset: 5 }),
  request('ri', { prefix: true }),
  request('summer fire', { affinity: { track: new Map([['t2999', 1]]) } }),
  request('', { filters: { artist: 'band wild' } }),
  // Found only once every word may be cut short; and a track found whole, so nothing is cut short.
  request('velv harb'),
  request('riv gold'),
];

test('a pool of workers answers exactly what one index in this thread answers', async () => {
  // All at once, so both workers answer some of them.
  const answers = await Promise.all(asked.map((r) => pool.search(r)));
  assert.equal(answers.length, asked.length);
  for (const [i, r] of asked.entries()) assert.deepEqual(answers[i], reference.search(r), `query ${i}: "${r.text}"`);
  assert.ok(answers.some((a) => (a.track?.items.length ?? 0) > 0));
  await pool.settled();
  assert.equal(pool.count('track'), reference.count('track'));
  assert.equal(pool.count('album'), 2);
});

test('a search that finds the pool idle is answered on this thread at once; one overlapping it goes to a worker', async () => {
  const r = request('love night', { types: ['track'] });
  const first = pool.search(r);
  assert.ok(!(first instanceof Promise), 'answered without waiting for a worker');
  const second = pool.search(r);
  assert.ok(second instanceof Promise, 'the next one in the same turn goes to a worker');
  assert.deepEqual(first, reference.search(r));
  assert.deepEqual(await second, reference.search(r));
  await new Promise(setImmediate);
  assert.ok(!(pool.search(r) instanceof Promise), 'idle again: answered here');
});

test('an idle pool searches the tracks on a worker while the other types are answered here', async () => {
  const [cut, whole] = [request('velv harb'), request('riv gold')];
  for (const r of [request('adele'), request('ri', { prefix: true }), request('moon', { market: 'DE' }), cut, whole]) {
    await new Promise(setImmediate);
    const answer = pool.search(r);
    assert.ok(answer instanceof Promise, 'the tracks come from a worker');
    const got = await answer;
    assert.deepEqual(got, reference.search(r), `"${r.text}"`);
    assert.deepEqual(Object.keys(got).sort(), ['album', 'artist', 'track']);
  }
  // Split in two, the search decides as a whole whether its words may be cut short, as one index does.
  const albums = async (r: SearchRequest) => (await pool.search(r)).album?.items.map((h) => h.id);
  await new Promise(setImmediate);
  assert.deepEqual(await albums(cut), ['a2'], 'nothing found whole: cut short');
  await new Promise(setImmediate);
  assert.deepEqual(await albums(whole), [], 'a track found whole: albums are not cut short either');
});

test('a search sent right after an upsert or removal sees it, on every worker', async () => {
  pool.upsert([track('new1', 'Zyzzyva Waltz', 'Nobody Yet', 10)]);
  const found = await Promise.all([1, 2, 3, 4].map(() => pool.search(request('zyzzyva'))));
  for (const f of found)
    assert.deepEqual(
      f.track?.items.map((h) => h.id),
      ['new1'],
    );
  pool.remove('track', ['new1']);
  const gone = await Promise.all([1, 2, 3, 4].map(() => pool.search(request('zyzzyva'))));
  for (const g of gone) assert.deepEqual(g.track?.items, []);
});

test('a closed pool refuses searches with a clear error', async () => {
  const small = new SearchWorkerPool(1);
  small.load([track('x', 'Only One', 'Someone')]);
  assert.deepEqual(
    (await small.search(request('only'))).track?.items.map((h) => h.id),
    ['x'],
  );
  await small.close();
  await assert.rejects(() => Promise.resolve(small.search(request('only'))), /search worker/);
});

test('a pool needs at least one thread', () => {
  assert.throws(() => new SearchWorkerPool(0), /at least one thread/);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemorySearchIndex } from '../../src/adapters/memory-search/index.js';
import type { SearchDoc } from '../../src/ports/search-index.js';
import { catalogue, ids } from '../helpers/search-docs.js';

const QUERIES = ['love', 'blue moon', 'moon blue', 'band gold 7', 'fire dance', 'nigth', 'summr river', 'renamed'];

test('a large merge runs on a worker: searches are answered meanwhile, the same before and after', async () => {
  const docs = catalogue(4000, 7);
  const index = new MemorySearchIndex({ syncMergeMax: 300, mainMergeFloor: 1000 });
  const current = new Map<string, SearchDoc>();
  const load = docs.slice(0, 3000);
  index.load(load);
  for (const d of load) current.set(d.id, d);
  const upsert = (batch: SearchDoc[]) => {
    index.upsert(batch);
    for (const d of batch) current.set(d.id, d);
  };
  try {
    for (let i = 3000; i < docs.length; i += 100) upsert(docs.slice(i, i + 100));
    upsert(docs.slice(0, 600).map((d) => ({ ...d, name: `renamed ${d.name}` })));
    assert.ok(index.merging, 'enough changes to start a merge on the worker');

    // Changes while it runs, to documents of every segment (those being merged too: replayed on the
    // merged segment when it comes back).
    const again = docs.filter((_, i) => i % 20 === 0);
    upsert(again.map((d) => ({ ...d, name: `again ${d.name}`, popularity: 100 })));
    const removed = docs.filter((_, i) => i % 20 === 10).map((d) => d.id);
    index.remove('track', removed);
    for (const id of removed) current.delete(id);

    const reference = new MemorySearchIndex({ syncMergeMax: Number.POSITIVE_INFINITY });
    reference.load([...current.values()]);
    let answered = 0;
    while (index.merging) {
      for (const q of QUERIES) assert.deepEqual(ids(index, q), ids(reference, q), `${q} during the merge`);
      answered++;
      await new Promise((resolve) => setImmediate(resolve));
    }
    await index.settled();
    assert.ok(answered > 1, `searches answered while the worker merged (${answered} rounds)`);
    for (const q of [...QUERIES, 'again']) {
      // Typeahead as the suggest route asks it: ten at most (it keeps fewer candidates per segment).
      for (const options of [{ prefix: false }, { prefix: true, limit: 10 }]) {
        assert.deepEqual(ids(index, q, options), ids(reference, q, options), `${q} (prefix: ${options.prefix})`);
      }
    }
    assert.deepEqual(ids(index, 'again', { limit: 500 }).sort(), again.map((d) => d.id).sort());
    assert.equal(index.count('track'), current.size);
  } finally {
    await index.close();
  }
});

test('merges on this thread alone give the same results', () => {
  const docs = catalogue(3000, 3);
  const grown = new MemorySearchIndex({ syncMergeMax: Number.POSITIVE_INFINITY, mainMergeFloor: 500 });
  grown.load(docs.slice(0, 1000));
  for (let i = 1000; i < docs.length; i += 50) grown.upsert(docs.slice(i, i + 50));
  assert.equal(grown.merging, false);
  const loaded = new MemorySearchIndex({ syncMergeMax: Number.POSITIVE_INFINITY });
  loaded.load(docs);
  for (const q of QUERIES) assert.deepEqual(ids(grown, q), ids(loaded, q), q);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { MemorySearchIndex } from '../../src/adapters/memory-search/index.js';
import type { CatalogRepository } from '../../src/core/catalog/types.js';
import { SearchService } from '../../src/core/search/search-service.js';
import type { CatalogChange, CatalogChanges, SearchDocSource } from '../../src/core/search/types.js';
import type { SearchDoc } from '../../src/ports/search-index.js';
import { track } from '../helpers/search-docs.js';

/**
 * A reload after a lost change stream and the changes that arrive while it reads: the reload's snapshot
 * may predate a change, so the change must be applied after the reload, never before it (the reload
 * would put the old document back).
 */
test('a change that arrives while a reload reads the catalogue is not undone by the reload', async () => {
  const catalogue = new Map<string, SearchDoc>([['t1', track('t1', 'Old Name', 'Band')]]);
  let gate: (() => void) | null = null;
  let snapshotWaiting: () => void = () => {};
  const source: SearchDocSource = {
    async all() {
      const snapshot = [...catalogue.values()];
      if (gate === null) return snapshot;
      snapshotWaiting();
      await new Promise<void>((resolve) => {
        gate = resolve;
      });
      return snapshot;
    },
    tracks: async (ids) => ids.flatMap((id) => (catalogue.has(id) ? [catalogue.get(id)!] : [])),
    albums: async () => [],
    artists: async () => [],
    playlists: async () => [],
    dependents: async (changes) => ({ tracks: changes.map((c) => c.id), albums: [], artists: [] }),
  };
  let onChanges: (batch: CatalogChange[]) => void = () => {};
  let onReset: () => void = () => {};
  const changes: CatalogChanges = {
    async subscribe(changed, reset) {
      onChanges = changed;
      onReset = reset;
      return async () => {};
    },
  };
  const index = new MemorySearchIndex();
  const service = new SearchService(
    index,
    source,
    changes,
    {} as CatalogRepository,
    { byIds: async () => [] },
    pino({ level: 'silent' }),
  );
  await service.start();
  const found = (word: string) =>
    index
      .search({ text: word, filters: {}, types: ['track'], limit: 5, offset: 0, prefix: false, now: Date.now() })
      .track?.items.map((h) => h.id);
  assert.deepEqual(found('old'), ['t1']);

  // The stream is lost; the reload takes its snapshot and is slow to load it.
  gate = () => {};
  const snapshotTaken = new Promise<void>((resolve) => {
    snapshotWaiting = resolve;
  });
  onReset();
  await snapshotTaken;
  // Meanwhile the track is renamed and the change is announced.
  catalogue.set('t1', track('t1', 'New Name', 'Band'));
  onChanges([{ kind: 'track', id: 't1' }]);
  await new Promise((resolve) => setTimeout(resolve, 200));
  (gate as () => void)();
  await new Promise((resolve) => setTimeout(resolve, 200));
  await service.stop();

  assert.deepEqual(found('new'), ['t1'], 'the rename is searchable');
  assert.deepEqual(found('old'), [], 'the old name is gone');
});

import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import type { QueueItem } from '../../web/src/player/types.js';
import { loadQueue } from '../../web/src/saved-queue.js';

// The saved queue as a reload finds it: the web app's module over a localStorage kept in memory.
const stored = new Map<string, string>();
Object.assign(globalThis, {
  localStorage: {
    getItem: (key: string) => stored.get(key) ?? null,
    setItem: (key: string, value: string) => void stored.set(key, value),
    removeItem: (key: string) => void stored.delete(key),
  },
});

const item = (id: string, durationMs: number) => ({ id, name: id, durationMs }) as unknown as QueueItem;

function save(index: number, positionMs: number): void {
  stored.set('cadenza.queue', JSON.stringify({ queue: [item('a', 31_000), item('b', 60_000)], context: null }));
  stored.set('cadenza.position', JSON.stringify({ index, positionMs }));
}

beforeEach(() => stored.clear());

test('a reload comes back to the same track at the same place', () => {
  save(1, 12_345);
  assert.deepEqual(
    { ...loadQueue()!, queue: undefined },
    { queue: undefined, index: 1, positionMs: 12_345, context: null },
  );
});

test('a track that had played to its end comes back at its start, so Play replays it', () => {
  save(0, 31_000);
  assert.equal(loadQueue()!.positionMs, 0);
  save(0, 30_500);
  assert.equal(loadQueue()!.positionMs, 0);
  save(0, 29_000);
  assert.equal(loadQueue()!.positionMs, 29_000);
});

test('a position past the end or an index out of the queue falls back to what can be played', () => {
  save(5, 10_000);
  assert.equal(loadQueue()!.index, 0);
  stored.set('cadenza.queue', 'not json');
  assert.equal(loadQueue(), null);
});

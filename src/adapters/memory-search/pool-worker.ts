/**
 * One search worker of the pool (pool.ts): holds a MemorySearchIndex, adopted from the one the pool
 * loaded, and applies what it is sent, in the order sent. Writes are answered with the index's counts,
 * searches with their results.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SEARCH_TYPES, type SearchDoc, type SearchRequest, type SearchType } from '../../ports/search-index.js';
import { MemorySearchIndex, type MemorySearchOptions } from './index.js';
import type { LoadedStore } from './store.js';

export type PoolRequest =
  | { op: 'adopt'; loaded: LoadedStore }
  | { op: 'upsert'; docs: SearchDoc[] }
  | { op: 'remove'; type: SearchType; ids: string[] }
  | { op: 'search'; request: SearchRequest }
  | { op: 'close' };
type PoolMessage = PoolRequest & { seq: number };

export type PoolReply =
  | { seq: number; counts: number[] }
  | { seq: number; results: ReturnType<MemorySearchIndex['search']> }
  | { seq: number; error: string };

const index = new MemorySearchIndex(workerData as MemorySearchOptions);
const port = parentPort!;

// One message at a time, in the order sent, even while one awaits: a search waits for the load before it.
let queue = Promise.resolve();
port.on('message', (message: PoolMessage) => {
  queue = queue.then(() => handle(message));
});

async function handle(message: PoolMessage): Promise<void> {
  const { seq } = message;
  try {
    switch (message.op) {
      case 'search':
        port.postMessage({ seq, results: index.search(message.request) } satisfies PoolReply);
        return;
      case 'adopt':
        await index.adopt(message.loaded);
        break;
      case 'upsert':
        index.upsert(message.docs);
        break;
      case 'remove':
        index.remove(message.type, message.ids);
        break;
      case 'close':
        await index.close();
        break;
    }
    port.postMessage({ seq, counts: SEARCH_TYPES.map((t) => index.count(t)) } satisfies PoolReply);
  } catch (error) {
    port.postMessage({ seq, error: String((error as Error).stack ?? error) } satisfies PoolReply);
  }
}

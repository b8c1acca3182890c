/**
 * The in-memory index answered on worker threads, so concurrent searches use every core
 * (CADENZA_SEARCH_THREADS). Each worker holds a MemorySearchIndex of its own (pool-worker.ts) and is
 * sent every load, upsert and removal in the same order; a search goes to the
 * worker with the fewest searches in flight. A worker handles its messages in the order they were sent,
 * so a search sent after an upsert sees it, whichever worker answers.
 *
 * A load is built once and shared: the columns on shared memory (most of the index) are shared by every
 * worker, the rest copied to each, with its own dictionary strings. Upserts build small segments in each
 * worker; a merge into the main segment gives each worker a copy of its own (docs/search.md).
 *
 * The index that was built stays on this thread as one more replica, sent the same writes. A search that
 * finds the pool idle is answered here, without the message round trip (about a tenth of a full search);
 * if it asks for tracks and other types too, the tracks, most of the work, are searched on a worker
 * meanwhile. Searches that overlap go to the workers, whole.
 */
import type { Worker } from 'node:worker_threads';
import {
  SEARCH_TYPES,
  type SearchDoc,
  type SearchIndex,
  type SearchRequest,
  type SearchResults,
  type SearchType,
} from '../../ports/search-index.js';
import { MemorySearchIndex, type MemorySearchOptions } from './index.js';
import type { PoolReply, PoolRequest } from './pool-worker.js';
import { startModuleWorker } from './worker-boot.js';

interface Waiter {
  resolve: (reply: PoolReply) => void;
  reject: (error: Error) => void;
}

class PoolWorker {
  private nextSeq = 0;
  private readonly waiting = new Map<number, Waiter>();
  searching = 0;
  failed: Error | null = null;

  constructor(private readonly worker: Worker) {
    worker.on('message', (reply: PoolReply) => {
      const waiter = this.waiting.get(reply.seq);
      this.waiting.delete(reply.seq);
      if (this.waiting.size === 0) worker.unref();
      if ('error' in reply) waiter?.reject(new Error(`search worker: ${reply.error}`));
      else waiter?.resolve(reply);
    });
    const fail = (error: Error) => {
      this.failed ??= error;
      for (const waiter of this.waiting.values()) waiter.reject(error);
      this.waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`search worker exited (${code})`)));
    worker.unref();
  }

  send(message: PoolRequest): Promise<PoolReply> {
    if (this.failed) return Promise.reject(this.failed);
    const seq = this.nextSeq++;
    return new Promise((resolve, reject) => {
      this.waiting.set(seq, { resolve, reject });
      this.worker.postMessage({ ...message, seq });
      this.worker.ref();
    });
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

export class SearchWorkerPool implements SearchIndex {
  private readonly workers: PoolWorker[];
  /** The replica on this thread; null until a load, and again if a write failed on it. */
  private here: MemorySearchIndex | null = null;
  private hereFailed: Error | null = null;
  /** Whether this turn of the event loop has already answered a search here. */
  private answeredThisTurn = false;
  private closed = false;
  private counts: number[] = SEARCH_TYPES.map(() => 0);
  private writes: Promise<unknown> = Promise.resolve();
  private turn = 0;

  constructor(
    threads: number,
    private readonly options: MemorySearchOptions = {},
  ) {
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError('a search pool needs at least one thread');
    this.workers = Array.from(
      { length: threads },
      () => new PoolWorker(startModuleWorker(import.meta.url, 'pool-worker', { workerData: options })),
    );
  }

  /**
   * Builds the index once, on this thread, and hands it to every worker: the columns on shared memory
   * are shared by all of them, the rest copied, and each unpacks the dictionary's strings itself.
   */
  load(docs: SearchDoc[]): void {
    const previous = this.here;
    const built = new MemorySearchIndex(this.options);
    built.load(docs);
    this.write({ op: 'adopt', loaded: built.exportLoaded() });
    this.here = built;
    this.hereFailed = null;
    void previous?.close();
  }

  upsert(docs: SearchDoc[]): void {
    this.write({ op: 'upsert', docs });
    this.writeHere((index) => index.upsert(docs));
  }

  remove(type: SearchType, ids: string[]): void {
    this.write({ op: 'remove', type, ids });
    this.writeHere((index) => index.remove(type, ids));
  }

  /** As of the last write sent, or, if this thread's replica failed, the last one every worker applied. */
  count(type: SearchType): number {
    return this.here?.count(type) ?? this.counts[SEARCH_TYPES.indexOf(type)] ?? 0;
  }

  /**
   * Resolves once every worker has applied every write sent so far, and this thread's replica has no merge
   * running; rejects if a write failed on any replica.
   */
  async settled(): Promise<void> {
    await this.writes;
    if (this.hereFailed) throw this.hereFailed;
    await this.here?.settled();
  }

  search(request: SearchRequest): SearchResults | Promise<SearchResults> {
    if (this.closed) return Promise.reject(new Error('the search worker pool is closed'));
    if (this.here !== null && !this.answeredThisTurn && this.workers.every((w) => w.searching === 0)) {
      this.answeredThisTurn = true;
      setImmediate(() => {
        this.answeredThisTurn = false;
      });
      return this.answerIdle(this.here, request);
    }
    return this.searchOnWorker(request);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled(this.workers.map((w) => w.send({ op: 'close' })));
    await Promise.all([...this.workers.map((w) => w.terminate()), this.here?.close()]);
  }

  /**
   * With the pool idle: here, the tracks on a worker at the same time when other types are asked for. A
   * search split so decides for the whole whether to try its fallbacks (`cutShort`: words cut short,
   * partial matches; index.ts), as one index would: only if neither part found anything.
   */
  private answerIdle(here: MemorySearchIndex, request: SearchRequest): SearchResults | Promise<SearchResults> {
    const others = request.types.filter((t) => t !== 'track');
    if (others.length === request.types.length || !others.some((t) => here.count(t) > 0)) return here.search(request);
    const split = request.cutShort !== undefined ? request : { ...request, cutShort: false };
    const tracks = this.searchOnWorker({ ...split, types: ['track'] });
    let rest: SearchResults;
    try {
      rest = here.search({ ...split, types: others });
    } catch (error) {
      tracks.catch(() => undefined);
      throw error;
    }
    return tracks.then((found) => {
      const whole = { ...found, ...rest };
      if (split === request || Object.values(whole).some((r) => r.total > 0)) return whole;
      return this.searchOnWorker({ ...request, cutShort: true });
    });
  }

  private async searchOnWorker(request: SearchRequest): Promise<SearchResults> {
    const worker = this.pick();
    worker.searching++;
    try {
      const reply = await worker.send({ op: 'search', request });
      return 'results' in reply ? reply.results : {};
    } finally {
      worker.searching--;
    }
  }

  /** Applies a write to this thread's replica; one that fails there leaves the searches to the workers. */
  private writeHere(apply: (index: MemorySearchIndex) => void): void {
    if (this.here === null) return;
    try {
      apply(this.here);
    } catch (error) {
      this.hereFailed = error as Error;
      void this.here.close();
      this.here = null;
    }
  }

  /** The live worker with the fewest searches in flight; ties go round the pool. */
  private pick(): PoolWorker {
    let best: PoolWorker | null = null;
    const n = this.workers.length;
    for (let k = 0; k < n; k++) {
      const w = this.workers[(this.turn + k) % n]!;
      if (w.failed === null && (best === null || w.searching < best.searching)) best = w;
    }
    this.turn = (this.turn + 1) % n;
    if (best === null) throw this.workers[0]!.failed ?? new Error('no search worker is running');
    return best;
  }

  /** Sends a write to every worker; their counts follow the first worker's answer. */
  private write(message: PoolRequest): void {
    const replies = this.workers.map((w) =>
      w.send(message).catch((error: Error) => {
        // Its replica no longer matches the others: it answers no more searches.
        w.failed ??= error;
        throw error;
      }),
    );
    const done = Promise.all(replies).then(([first]) => {
      if (first && 'counts' in first) this.counts = first.counts;
    });
    this.writes = this.writes.then(() => done);
    // A failed write shows in settled(); the worker it failed on is left out of searches.
    done.catch(() => undefined);
  }
}

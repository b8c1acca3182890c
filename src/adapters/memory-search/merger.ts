/**
 * Runs merges on a worker thread (merge-worker.ts), so the API thread keeps answering searches while a
 * large merge takes seconds. The worker starts on the first merge and does not keep the process alive.
 */
import type { Worker } from 'node:worker_threads';
import { fromMessage, type MergeSource, type SegmentMessage, unpackInSlices } from './merge.js';
import type { MergeJob } from './merge-worker.js';
import type { Segment } from './segment.js';
import { startModuleWorker } from './worker-boot.js';

type Reply = { job: number; segment: SegmentMessage; error?: undefined } | { job: number; error: string };

export class BackgroundMerger {
  private worker: Worker | null = null;
  private nextJob = 0;
  private readonly pending = new Map<number, { resolve: (s: SegmentMessage) => void; reject: (e: Error) => void }>();

  /** The merged segment; rejects if the worker fails (the caller then merges on its own thread). */
  async merge(sources: MergeSource[], serial: number): Promise<Segment> {
    const worker = this.start();
    const job = this.nextJob++;
    const message = await new Promise<SegmentMessage>((resolve, reject) => {
      this.pending.set(job, { resolve, reject });
      worker.postMessage({ job, serial, sources } satisfies MergeJob);
      worker.ref();
    });
    // Strings are made here, on this thread, a slice at a time.
    return fromMessage(message, await unpackInSlices(message.dictPacked));
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker) await worker.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = startModuleWorker(import.meta.url, 'merge-worker');
    worker.unref();
    worker.on('message', (reply: Reply) => {
      const waiter = this.pending.get(reply.job);
      this.pending.delete(reply.job);
      if (this.pending.size === 0) worker.unref();
      if (reply.error !== undefined) waiter?.reject(new Error(`merge worker: ${reply.error}`));
      else waiter?.resolve(reply.segment);
    });
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = null;
      for (const waiter of this.pending.values()) waiter.reject(error);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`merge worker exited (${code})`)));
    this.worker = worker;
    return worker;
  }
}

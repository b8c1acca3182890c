/**
 * The merge worker's thread: merges the segments it is sent (merge.ts) and sends the result back, its
 * typed arrays transferred. One job at a time, in the order sent.
 */
import { parentPort } from 'node:worker_threads';
import { type MergeSource, mergeSegments, toMessage } from './merge.js';

export interface MergeJob {
  job: number;
  serial: number;
  sources: MergeSource[];
}

parentPort!.on('message', ({ job, serial, sources }: MergeJob) => {
  try {
    const { message, transfer } = toMessage(mergeSegments(sources, serial));
    parentPort!.postMessage({ job, segment: message }, transfer);
  } catch (error) {
    parentPort!.postMessage({ job, error: String((error as Error).stack ?? error) });
  }
});

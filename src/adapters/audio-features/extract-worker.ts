/**
 * The feature extractor's thread. It lowers its own priority first: on Linux a thread's nice value is
 * its own, so the extractor gets only CPU time the API thread and listeners' encoders leave over.
 */
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { extractFeatures } from '../../core/features/extract.js';

export interface ExtractRequest {
  job: number;
  samples: Float32Array;
  sampleRate: number;
}

try {
  setPriority(19);
} catch {
  // Refused: the thread runs at normal priority, still correct.
}

parentPort?.on('message', (request: ExtractRequest) => {
  try {
    parentPort?.postMessage({ job: request.job, features: extractFeatures(request.samples, request.sampleRate) });
  } catch (err) {
    parentPort?.postMessage({ job: request.job, error: (err as Error).message ?? String(err) });
  }
});

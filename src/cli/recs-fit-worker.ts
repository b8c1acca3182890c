/** Fits one recommendation model in a worker thread (recs.ts fitInWorker): the caller's event loop stays free. */
import { parentPort, workerData } from 'node:worker_threads';
import { fitModel } from '../core/recs/model.js';

export type FitRequest = Parameters<typeof fitModel>;

parentPort!.postMessage(fitModel(...(workerData as FitRequest)));

/**
 * Starts a worker thread running a module that sits beside the caller's. Under tsx (TypeScript run
 * directly) the worker registers tsx's loader before importing the module.
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

export function startModuleWorker(callerUrl: string, name: string, options: WorkerOptions = {}): Worker {
  const caller = fileURLToPath(callerUrl);
  const module = new URL(`./${name}${extname(caller)}`, callerUrl).href;
  const boot = caller.endsWith('.ts')
    ? `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(module)}); })`
    : `import(${JSON.stringify(module)})`;
  return new Worker(boot, { ...options, eval: true });
}

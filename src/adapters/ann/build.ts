/**
 * Which vector index a set of vectors gets, and where it is built. Below APPROXIMATE_FROM vectors the
 * exact index: it answers in a millisecond or so and exactly (tests rely on exact answers on small
 * data). From there on USearch, whose graph is built in a child process at low priority: inserting
 * costs far more than searching, and would stall every request the process serves meanwhile. (Not a
 * worker thread: USearch's native loader never returns when started from one, as `startModuleWorker`
 * starts them.)
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { getPriority, setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { VectorIndex, VectorIndexShape } from '../../ports/vector-index.js';
import { ExactVectorIndex } from './exact.js';
import { type UsearchOptions, UsearchVectorIndex } from './usearch.js';

/**
 * Measured at k = 300 (retrieval's pool) over 64 clustered factors, CPU time per query on a shared
 * 2-core machine: exact 1.0 ms at 2,000 vectors, 1.1 ms at 5,000, 1.7 ms at 10,000, 2.8 ms at 20,000
 * and 12 ms at 100,000; USearch (default settings) 0.2, 0.5, 0.4, 0.9 and 1.6 ms, its recall@300
 * 1.00, 0.99, 0.97, 0.91 and 0.71. A radio searches twice (its seed, the listener's taste). From
 * 5,000 vectors the graph is twice as fast or more and still finds 99 % of the exact answer; building
 * it costs 0.6 s of CPU there (2 s at 10,000, 47 s at 100,000), in the child process.
 */
export const APPROXIMATE_FROM = 5_000;

/** Files the builder reads and writes in its folder (build-child.ts). */
export const BUILD_FILES = { ids: 'ids', vectors: 'vectors.f32', graph: 'index.usearch' } as const;

/** Niceness of the builder (at least this process's own): the requests it serves come first. */
const BUILD_NICENESS = 10;

/**
 * An index holding `vectors` (one per id, one after another): exact when small, else USearch. `signal`
 * ends a build under way (the engine stopping); the builder's folder is removed whatever happens.
 */
export async function buildVectorIndex(
  shape: VectorIndexShape,
  ids: readonly string[],
  vectors: Float32Array,
  signal?: AbortSignal,
): Promise<VectorIndex> {
  if (ids.length < APPROXIMATE_FROM) {
    const index = new ExactVectorIndex(shape);
    index.add(ids, vectors);
    return index;
  }
  signal?.throwIfAborted();
  const dir = await mkdtemp(join(tmpdir(), 'cadenza-ann-'));
  // The finally below does not run when this process exits mid-build; this does.
  const removeOnExit = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', removeOnExit);
  try {
    // One insertion thread: the builder must not take the cores the requests are served from.
    const options: UsearchOptions = { ...shape, threads: 1 };
    await writeFile(join(dir, BUILD_FILES.ids), ids.join('\n'));
    await writeFile(
      join(dir, BUILD_FILES.vectors),
      new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength),
    );
    await inChild(dir, options, signal);
    const index = new UsearchVectorIndex(options);
    await index.load(join(dir, BUILD_FILES.graph));
    return index;
  } finally {
    process.off('exit', removeOnExit);
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Runs build-child.ts (under tsx's loader when this runs as TypeScript) on the folder. The child is
 * killed when `signal` aborts or this process exits, so it never outlives its parent's interest.
 */
function inChild(dir: string, options: UsearchOptions, signal?: AbortSignal): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const script = self.replace(/build\.(ts|js)$/, 'build-child.$1');
  const loader = self.endsWith('.ts') ? ['--import', import.meta.resolve('tsx')] : [];
  const child = spawn(process.execPath, [...loader, script, dir, JSON.stringify(options)], {
    stdio: ['ignore', 'ignore', 'inherit'],
    signal,
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const done = new Promise<void>((resolve, reject) => {
    // 'error' also comes for an abort; then 'exit' follows the kill, and the folder waits for it.
    child.once('error', (err) => {
      if (child.pid === undefined) reject(err);
    });
    child.once('exit', (code, exitSignal) => {
      if (code === 0) resolve();
      else if (signal?.aborted) reject(signal.reason);
      else reject(new Error(`the vector index builder stopped with ${exitSignal ?? `code ${code}`}`));
    });
  }).finally(() => process.off('exit', killOnExit));
  try {
    if (child.pid !== undefined) setPriority(child.pid, Math.max(BUILD_NICENESS, getPriority()));
  } catch {
    // The child may be gone already (its 'exit' says why); a build at normal priority is still a build.
  }
  return done;
}

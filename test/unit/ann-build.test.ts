import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { APPROXIMATE_FROM, buildVectorIndex } from '../../src/adapters/ann/build.js';
import { ExactVectorIndex } from '../../src/adapters/ann/exact.js';
import { UsearchVectorIndex } from '../../src/adapters/ann/usearch.js';
import { seededRandom } from '../../src/core/recs/matrix.js';

// The live model's index: exact below APPROXIMATE_FROM vectors, a USearch graph built in a child
// process from there on. Either way the index holds every vector and finds each one as its own nearest;
// a build that fails or is called off leaves no folder behind.

const D = 8;

function vectors(n: number): { ids: string[]; vectors: Float32Array } {
  const next = seededRandom(n);
  return {
    ids: Array.from({ length: n }, (_, i) => `track-${i}`),
    vectors: Float32Array.from({ length: n * D }, () => next() * 2 - 1),
  };
}

for (const n of [APPROXIMATE_FROM - 1, APPROXIMATE_FROM]) {
  test(`${n} vectors: ${n < APPROXIMATE_FROM ? 'the exact index' : 'a USearch graph built in a child process'}, every vector found`, async () => {
    const data = vectors(n);
    const index = await buildVectorIndex({ dimensions: D, metric: 'cosine' }, data.ids, data.vectors);
    assert.ok(index instanceof (n < APPROXIMATE_FROM ? ExactVectorIndex : UsearchVectorIndex));
    assert.equal(index.size, n);
    let found = 0;
    const probes = 200;
    for (let p = 0; p < probes; p++) {
      const at = Math.floor((p * n) / probes);
      const top = index.search(data.vectors.slice(at * D, (at + 1) * D), 1);
      if (top.ids[0] === data.ids[at]) found++;
    }
    // The graph is approximate: nearly every vector, not necessarily all.
    assert.ok(found >= (n < APPROXIMATE_FROM ? probes : probes * 0.95), `${found} of ${probes} found themselves`);
  });
}

/** Runs `fn` with the temporary folder (os.tmpdir()) a fresh one; returns the builder folders left in it. */
async function leftInTmp(fn: () => Promise<void>): Promise<string[]> {
  const previous = process.env.TMPDIR;
  const tmp = await mkdtemp(join(tmpdir(), 'ann-build-test-'));
  process.env.TMPDIR = tmp;
  try {
    await fn();
    // tsx (the child's loader in tests) keeps a cache there too.
    return (await readdir(tmp)).filter((name) => name.startsWith('cadenza-ann-'));
  } finally {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    await rm(tmp, { recursive: true, force: true });
  }
}

test('a build whose child fails rejects and leaves no folder behind', async () => {
  const data = vectors(APPROXIMATE_FROM);
  data.ids[1] = data.ids[0]!; // the child refuses a repeated id
  const left = await leftInTmp(async () => {
    await assert.rejects(
      buildVectorIndex({ dimensions: D, metric: 'cosine' }, data.ids, data.vectors),
      /vector index builder stopped with code 1/,
    );
  });
  assert.deepEqual(left, []);
});

test('a build called off (the engine stopping) ends its child and leaves no folder behind', async () => {
  const data = vectors(APPROXIMATE_FROM);
  const stop = new AbortController();
  const left = await leftInTmp(async () => {
    const build = buildVectorIndex({ dimensions: D, metric: 'cosine' }, data.ids, data.vectors, stop.signal);
    // Called off once the child has its input (the folder holds the vectors).
    const tmp = tmpdir();
    const started = async () => {
      for (const dir of await readdir(tmp))
        if (dir.startsWith('cadenza-ann-') && (await readdir(join(tmp, dir))).includes('vectors.f32')) return true;
      return false;
    };
    while (!(await started())) await sleep(5);
    stop.abort();
    await assert.rejects(build, { name: 'AbortError' });
  });
  assert.deepEqual(left, []);
});

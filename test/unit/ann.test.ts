import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ExactVectorIndex } from '../../src/adapters/ann/exact.js';
import { UsearchVectorIndex } from '../../src/adapters/ann/usearch.js';
import { Invalid } from '../../src/core/errors.js';
import { seededRandom } from '../../src/core/recs/matrix.js';
import type { VectorIndex, VectorIndexShape, VectorMetric } from '../../src/ports/vector-index.js';

// One contract, run against every VectorIndex adapter, then the approximate index measured against the
// exact one on the same data.

const scratch = await mkdtemp(join(tmpdir(), 'cadenza-ann-'));
after(() => rm(scratch, { recursive: true, force: true }));
let files = 0;
const newPath = () => join(scratch, `index-${files++}`);

/** `n` vectors around 20 random centres (as embeddings cluster by genre), plus their ids. */
function clustered(n: number, d: number, seed: number): { ids: string[]; vectors: Float32Array } {
  const next = seededRandom(seed);
  const centres = Array.from({ length: 20 }, () => Array.from({ length: d }, () => next() * 2 - 1));
  const vectors = new Float32Array(n * d);
  for (let row = 0; row < n; row++) {
    const centre = centres[Math.floor(next() * centres.length)] as number[];
    for (let i = 0; i < d; i++) vectors[row * d + i] = (centre[i] as number) + (next() * 2 - 1) * 0.6;
  }
  return { ids: Array.from({ length: n }, (_, row) => `track-${seed}-${row}`), vectors };
}

const row = (vectors: Float32Array, d: number, at: number) => vectors.slice(at * d, (at + 1) * d);

function score(metric: VectorMetric, a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] as number) * (b[i] as number);
    aa += (a[i] as number) ** 2;
    bb += (b[i] as number) ** 2;
  }
  return metric === 'cosine' ? dot / Math.sqrt(aa * bb) : dot;
}

interface Adapter {
  name: string;
  open(shape: VectorIndexShape): VectorIndex;
  /** The metrics it serves; both when absent. */
  metrics?: VectorMetric[];
}

const adapters: Adapter[] = [
  { name: 'exact', open: (shape) => new ExactVectorIndex(shape) },
  // One thread: the same graph every run.
  { name: 'usearch', open: (shape) => new UsearchVectorIndex({ ...shape, threads: 1 }) },
  { name: 'usearch f16', open: (shape) => new UsearchVectorIndex({ ...shape, threads: 1, quantization: 'f16' }) },
  {
    name: 'usearch i8',
    open: (shape) => new UsearchVectorIndex({ ...shape, threads: 1, quantization: 'i8' }),
    metrics: ['cosine'],
  },
  { name: 'usearch, two probes', open: (shape) => new UsearchVectorIndex({ ...shape, threads: 1, probes: 2 }) },
];

for (const adapter of adapters) {
  for (const metric of adapter.metrics ?? (['cosine', 'inner-product'] as const)) {
    describe(`VectorIndex contract: ${adapter.name}, ${metric}`, () => {
      const d = 16;
      const data = clustered(300, d, 7);
      const filled = () => {
        const index = adapter.open({ dimensions: d, metric });
        // In two batches: the ids of a later batch must map back as well as the first's.
        index.add(data.ids.slice(0, 100), data.vectors.subarray(0, 100 * d));
        index.add(data.ids.slice(100), data.vectors.subarray(100 * d));
        return index;
      };

      test('answers the k best ids with their scores, best first', () => {
        const index = filled();
        assert.equal(index.size, 300);
        const query = clustered(1, d, 99).vectors;
        const found = index.search(query, 5);
        assert.equal(found.ids.length, 5);
        const truth = data.ids
          .map((id, at) => ({ id, score: score(metric, query, row(data.vectors, d, at)) }))
          .sort((a, b) => b.score - a.score)
          .slice(0, 5);
        assert.deepEqual(
          found.ids,
          truth.map((t) => t.id),
        );
        found.scores.forEach((s, i) => {
          assert.ok(Math.abs(s - (truth[i]?.score as number)) < 1e-3, `score ${s} vs ${truth[i]?.score}`);
        });
      });

      test('a vector in the index finds its own id', () => {
        const index = filled();
        for (const at of [0, 99, 100, 299]) {
          const found = index.search(row(data.vectors, d, at), 3);
          const own = row(data.vectors, d, at);
          // Under cosine nothing beats a vector's own direction; under inner product a longer vector can,
          // but never scores below it.
          if (metric === 'cosine') assert.equal(found.ids[0], data.ids[at]);
          else assert.ok((found.scores[0] as number) >= score(metric, own, own) - 1e-3);
        }
      });

      test('k larger than the index gives every vector; an empty index gives none', () => {
        const index = adapter.open({ dimensions: d, metric });
        assert.deepEqual(index.search(row(data.vectors, d, 0), 10).ids, []);
        index.add(data.ids.slice(0, 3), data.vectors.subarray(0, 3 * d));
        assert.deepEqual([...index.search(row(data.vectors, d, 0), 10).ids].sort(), data.ids.slice(0, 3).sort());
      });

      test('save then load answers the same', async () => {
        const index = filled();
        const path = newPath();
        await index.save(path);
        const loaded = adapter.open({ dimensions: d, metric });
        await loaded.load(path);
        assert.equal(loaded.size, 300);
        for (let q = 0; q < 20; q++) {
          const query = clustered(1, d, 1000 + q).vectors;
          assert.deepEqual(loaded.search(query, 10).ids, index.search(query, 10).ids);
        }
        // It goes on growing after a load.
        const more = clustered(1, d, 5);
        const far = more.vectors.map((x) => x * 10);
        loaded.add(more.ids, far);
        assert.equal(loaded.size, 301);
        assert.equal(loaded.search(far, 1).ids[0], more.ids[0]);
      });

      test('load refuses an index of another shape', async () => {
        const path = newPath();
        await filled().save(path);
        await assert.rejects(adapter.open({ dimensions: d + 1, metric }).load(path), Invalid);
        const other = metric === 'cosine' ? 'inner-product' : 'cosine';
        if (adapter.metrics?.includes(other) ?? true)
          await assert.rejects(adapter.open({ dimensions: d, metric: other }).load(path), Invalid);
      });

      test('bad input is refused with a clear error', () => {
        const index = filled();
        const query = row(data.vectors, d, 0);
        assert.throws(() => index.search(new Float32Array(d - 1), 5), {
          name: 'Invalid',
          message: /16 numbers, got 15/,
        });
        for (const k of [0, -1, 1.5, Number.NaN])
          assert.throws(() => index.search(query, k), { name: 'Invalid', message: /k must be a positive integer/ });
        assert.throws(() => index.search(new Float32Array(d).fill(Number.NaN), 5), Invalid);
        assert.throws(() => index.add(['a', 'b'], new Float32Array(d)), {
          name: 'Invalid',
          message: /expected 2 vectors/,
        });
        assert.throws(() => index.add([data.ids[0] as string], query), { name: 'Invalid', message: /given twice/ });
        assert.throws(() => index.add(['x', 'x'], new Float32Array(2 * d).fill(1)), {
          name: 'Invalid',
          message: /given twice/,
        });
        assert.throws(() => index.add([''], query), Invalid);
        const infinite = Float32Array.from(query);
        infinite[3] = Number.POSITIVE_INFINITY;
        assert.throws(() => index.add(['inf'], infinite), Invalid);
        if (metric === 'cosine')
          assert.throws(() => index.add(['zero'], new Float32Array(d)), { name: 'Invalid', message: /all zeros/ });
        // Nothing of a refused batch went in.
        assert.equal(index.size, 300);
        assert.throws(() => adapter.open({ dimensions: 0, metric }), Invalid);
      });
    });
  }
}

describe('approximate index against exact search', () => {
  for (const metric of ['cosine', 'inner-product'] as const) {
    test(`${metric}: top-10 agrees with exact search on 2,000 × 32 (recall ≥ 0.99)`, () => {
      const d = 32;
      const data = clustered(2000, d, 11);
      const exact = new ExactVectorIndex({ dimensions: d, metric });
      // One thread builds the same graph every run. 256 candidates keep inner product above 0.99: it is
      // the harder metric for a graph index, as a vector need not be its own best match.
      const approximate = new UsearchVectorIndex({ dimensions: d, metric, expansionSearch: 256, threads: 1 });
      exact.add(data.ids, data.vectors);
      approximate.add(data.ids, data.vectors);
      const queries = clustered(300, d, 12).vectors;
      let hits = 0;
      for (let q = 0; q < 300; q++) {
        const query = row(queries, d, q);
        const truth = new Set(exact.search(query, 10).ids);
        hits += approximate.search(query, 10).ids.filter((id) => truth.has(id)).length;
      }
      const recall = hits / (300 * 10);
      assert.ok(recall >= 0.99, `recall@10 ${recall}`);
    });
  }
});

describe('quantized graph re-scored from full precision', () => {
  const d = 32;
  const data = clustered(2000, d, 21);
  const queries = clustered(300, d, 22).vectors;

  for (const quantization of ['i8', 'f16', 'bf16'] as const) {
    test(`${quantization}: top-10 agrees with exact search on 2,000 × 32, with exact scores`, () => {
      const exact = new ExactVectorIndex({ dimensions: d, metric: 'cosine' });
      const approximate = new UsearchVectorIndex({ dimensions: d, metric: 'cosine', quantization, threads: 1 });
      exact.add(data.ids, data.vectors);
      approximate.add(data.ids, data.vectors);
      let hits = 0;
      for (let q = 0; q < 300; q++) {
        const query = row(queries, d, q);
        const truth = exact.search(query, 10);
        const found = approximate.search(query, 10);
        const wanted = new Set(truth.ids);
        hits += found.ids.filter((id) => wanted.has(id)).length;
        // Whatever it found is scored as exact search scores it: a rank's score is never above the truth's.
        found.ids.forEach((id, i) => {
          const at = data.ids.indexOf(id);
          assert.ok(Math.abs((found.scores[i] as number) - score('cosine', query, row(data.vectors, d, at))) < 1e-5);
          assert.ok((found.scores[i] as number) <= (truth.scores[i] as number) + 1e-5);
        });
      }
      const recall = hits / (300 * 10);
      assert.ok(recall >= 0.99, `recall@10 ${recall}`);
    });
  }

  test('without re-scoring, 8-bit distances put near-ties out of order', () => {
    // The reason the adapter keeps a full-precision copy: asked for exactly k, the 8-bit walk alone
    // answers a visibly different top 10 than the same walk re-scored from 3k candidates.
    const once = new UsearchVectorIndex({
      dimensions: d,
      metric: 'cosine',
      quantization: 'i8',
      oversample: 1,
      threads: 1,
    });
    const thrice = new UsearchVectorIndex({
      dimensions: d,
      metric: 'cosine',
      quantization: 'i8',
      oversample: 3,
      threads: 1,
    });
    const exact = new ExactVectorIndex({ dimensions: d, metric: 'cosine' });
    for (const index of [once, thrice, exact]) index.add(data.ids, data.vectors);
    const recall = (index: VectorIndex) => {
      let hits = 0;
      for (let q = 0; q < 300; q++) {
        const query = row(queries, d, q);
        const wanted = new Set(exact.search(query, 10).ids);
        hits += index.search(query, 10).ids.filter((id) => wanted.has(id)).length;
      }
      return hits / 3000;
    };
    const [single, oversampled] = [recall(once), recall(thrice)];
    assert.ok(oversampled > single, `oversampled ${oversampled}, single ${single}`);
  });

  test('a second probe finds the neighbours of a query between two clusters', () => {
    // A listener's vector, the mean of two tracks from different clusters: one walk settles in one of
    // them, the second (with the first's best answer taken out of the query) reaches the other.
    const shape = { dimensions: d, metric: 'cosine' as const };
    const exact = new ExactVectorIndex(shape);
    const open = (probes: number) =>
      new UsearchVectorIndex({ ...shape, probes, expansionSearch: 16, quantization: 'i8', threads: 1 });
    const [one, two] = [open(1), open(2)];
    for (const index of [exact, one, two]) index.add(data.ids, data.vectors);
    const next = seededRandom(23);
    const recall = { one: 0, two: 0 };
    for (let q = 0; q < 200; q++) {
      const [a, b] = [row(data.vectors, d, Math.floor(next() * 2000)), row(data.vectors, d, Math.floor(next() * 2000))];
      const query = a.map((x, i) => (x + (b[i] as number)) / 2);
      const wanted = new Set(exact.search(query, 10).ids);
      recall.one += one.search(query, 10).ids.filter((id) => wanted.has(id)).length / 2000;
      recall.two += two.search(query, 10).ids.filter((id) => wanted.has(id)).length / 2000;
    }
    assert.ok(recall.two > recall.one, `two probes ${recall.two}, one ${recall.one}`);
    assert.ok(recall.two >= 0.95, `two probes ${recall.two}`);
  });

  test('a quantized graph loads only into an index of the same quantization', async () => {
    const shape = { dimensions: d, metric: 'cosine' as const };
    const index = new UsearchVectorIndex({ ...shape, quantization: 'i8', threads: 1 });
    index.add(data.ids.slice(0, 200), data.vectors.subarray(0, 200 * d));
    const path = newPath();
    await index.save(path);
    await assert.rejects(new UsearchVectorIndex(shape).load(path), {
      name: 'Invalid',
      message: /not written by the usearch vector index/,
    });
    await assert.rejects(new UsearchVectorIndex({ ...shape, quantization: 'f16' }).load(path), Invalid);
  });

  test('options it cannot honour are refused', () => {
    assert.throws(() => new UsearchVectorIndex({ dimensions: d, metric: 'inner-product', quantization: 'i8' }), {
      name: 'Invalid',
      message: /cosine only/,
    });
    for (const probes of [0, 3])
      assert.throws(() => new UsearchVectorIndex({ dimensions: d, metric: 'cosine', probes }), {
        name: 'Invalid',
        message: /probes must be 1 or 2/,
      });
    for (const oversample of [0, 1.5])
      assert.throws(() => new UsearchVectorIndex({ dimensions: d, metric: 'cosine', oversample }), {
        name: 'Invalid',
        message: /oversample/,
      });
    assert.throws(
      () => new UsearchVectorIndex({ dimensions: d, metric: 'cosine', quantization: 'f8' as 'f16' }),
      /quantization must be one of/,
    );
  });
});

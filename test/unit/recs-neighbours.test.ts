import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Csr, interactionsFromRows, seededRandom } from '../../src/core/recs/matrix.js';
import { binaryWalk } from '../../src/core/recs/model.js';
import { fitNeighbours, type NeighbourParams, scoreNeighbours } from '../../src/core/recs/neighbours.js';

/** 60 listeners over 40 items, a few of them holding most of the catalogue. */
function listening(): Csr {
  const random = seededRandom(11);
  const users: string[] = [];
  const items: string[] = [];
  for (let u = 0; u < 60; u++) {
    const held = new Set<number>();
    const size = u % 10 === 0 ? 30 : 3 + Math.floor(random() * 6);
    while (held.size < size) held.add(Math.floor(random() ** 2 * 40));
    for (const i of held) {
      users.push(`u${u}`);
      items.push(`i${i}`);
    }
  }
  return interactionsFromRows(users, items, new Float32Array(users.length).fill(1)).matrix;
}

const rp3: NeighbourParams = { variant: 'rp3', k: 0, shrink: 0, alpha: 0.6, beta: 0.3 };

/** Row i of a fitted model as [item, similarity] pairs. */
function row(similar: Csr, i: number): [number, number][] {
  const out: [number, number][] = [];
  for (let e = similar.indptr[i]!; e < similar.indptr[i + 1]!; e++) out.push([similar.indices[e]!, similar.values[e]!]);
  return out;
}

for (const variant of ['rp3', 'cooc'] as const) {
  // Co-occurrence counts tie often, so its rows show the tie-break.
  test(`${variant} keeps for each item the k most similar of the exact walk, ties to the lower index`, () => {
    const walk = binaryWalk(listening());
    const items = walk.byItem.rows;
    const fitted = fitNeighbours(walk, { ...rp3, variant, k: 5 });
    const exact = fitNeighbours(walk, { ...rp3, variant });
    for (let i = 0; i < items; i++) {
      const scores = new Float32Array(items);
      scoreNeighbours(exact, walk, Int32Array.of(i), Float32Array.of(1), scores);
      const best = Array.from(scores.keys())
        .filter((j) => j !== i && scores[j]! > 0)
        .sort((a, b) => scores[b]! - scores[a]! || a - b)
        .slice(0, 5)
        .sort((a, b) => a - b);
      const kept = row(fitted.similar!, i);
      assert.deepEqual(
        kept.map(([j]) => j),
        best,
        `item ${i}`,
      );
      for (const [j, sim] of kept) assert.ok(Math.abs(sim - scores[j]!) <= 1e-6 * scores[j]!, `sim(${i}, ${j})`);
    }
  });
}

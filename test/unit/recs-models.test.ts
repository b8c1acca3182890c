import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fitEase } from '../../src/core/recs/ease.js';
import { fitIals } from '../../src/core/recs/ials.js';
import {
  columnCounts,
  type Interactions,
  interactionsFromRows,
  seededRandom,
  transpose,
} from '../../src/core/recs/matrix.js';
import { defaultParams, fitModel, MODEL_KINDS, type RecsParams } from '../../src/core/recs/model.js';
import { decodeModel, encodeModel } from '../../src/core/recs/model-file.js';
import { Recommender } from '../../src/core/recs/recommender.js';

/** Two taste groups: users a0..a19 hold 5 of the items a0..a11, users b0..b19 hold 5 of b0..b11. */
function twoGroups(): Interactions {
  const random = seededRandom(3);
  const users: string[] = [];
  const items: string[] = [];
  const weights: number[] = [];
  for (const group of ['a', 'b']) {
    for (let u = 0; u < 20; u++) {
      const held = new Set<number>();
      while (held.size < 5) held.add(Math.floor(random() * 12));
      for (const i of held) {
        users.push(`${group}-user${u}`);
        items.push(`${group}-item${i}`);
        weights.push(1 + Math.floor(random() * 50));
      }
    }
  }
  return interactionsFromRows(users, items, Float32Array.from(weights));
}

const small: RecsParams = {
  ...defaultParams('interactions'),
  'ials.factors': 4,
  'ials.iterations': 10,
  'ials.lambda': 5,
  'ials.alpha': 4,
  'ease.lambda': 50,
  'ease.maxItems': 100,
  'ease.minUsers': 1,
  'itemknn.k': 10,
  'rp3.k': 10,
  'ours.itemknn': 1,
};

for (const kind of MODEL_KINDS.filter((k) => k !== 'popularity')) {
  test(`${kind}: recommends from the user's own taste group and never an item the user has`, () => {
    const data = twoGroups();
    const recommender = new Recommender(fitModel(kind, 'interactions', data, small));
    for (let u = 0; u < data.users.length; u++) {
      const user = data.users[u]!;
      const group = user[0];
      const h = data.matrix;
      const held = new Set(Array.from(h.indices.subarray(h.indptr[u]!, h.indptr[u + 1]!), (i) => data.items[i]));
      const top = recommender.forUser(user, 4);
      assert.equal(top.length, 4);
      for (const item of top) {
        assert.equal(item[0], group, `${kind} gave ${user} the other group's ${item}`);
        assert.ok(!held.has(item), `${kind} gave ${user} ${item}, which it already has`);
      }
    }
  });

  test(`${kind}: continues a playlist never seen in training from its seeds, seeds left out`, () => {
    const recommender = new Recommender(fitModel(kind, 'interactions', twoGroups(), small));
    const seeds = ['b-item0', 'b-item3', 'b-item7', 'not-in-the-model'];
    const next = recommender.forSeeds(seeds, 6);
    assert.equal(next.length, 6);
    for (const item of next) {
      assert.ok(item.startsWith('b-'), `${kind} continued a b playlist with ${item}`);
      assert.ok(!seeds.includes(item));
    }
  });
}

test('popularity: the most held items first, without the ones the user has', () => {
  const data = interactionsFromRows(
    ['u1', 'u2', 'u3', 'u3', 'u2', 'u1'],
    ['x', 'x', 'x', 'y', 'y', 'z'],
    new Float32Array(6).fill(1),
  );
  const recommender = new Recommender(fitModel('popularity', 'interactions', data, small));
  assert.deepEqual(recommender.forUser('u3', 3), ['z']);
  assert.deepEqual(recommender.forUser('nobody', 3), ['x', 'y', 'z']);
});

test('iALS: the training loss goes down sweep after sweep', () => {
  const data = twoGroups();
  const losses: number[] = [];
  fitIals(data.matrix, transpose(data.matrix), { ...paramsOfIals(), iterations: 6 }, (loss) => losses.push(loss));
  assert.equal(losses.length, 6);
  for (let i = 1; i < losses.length; i++)
    assert.ok(losses[i]! <= losses[i - 1]! + 1e-6, `loss rose: ${losses.join(', ')}`);
  assert.ok(losses.at(-1)! < losses[0]! * 0.95, `loss barely moved: ${losses.join(', ')}`);
});

function paramsOfIals() {
  return { factors: 8, alpha: 2, epsilon: 1, lambda: 0.5, iterations: 6, cgSteps: 3, seed: 1 };
}

test('EASE on three users and three items matches the closed form worked by hand', () => {
  // X = [1 1 0; 0 1 1; 1 1 1], λ = 1: XᵀX + I = [3 2 1; 2 4 2; 1 2 3], whose inverse is
  // [.5 −.25 0; −.25 .5 −.25; 0 −.25 .5]; B_ij = −P_ij / P_jj = [0 .5 0; .5 0 .5; 0 .5 0].
  const data = interactionsFromRows(
    ['u1', 'u1', 'u2', 'u2', 'u3', 'u3', 'u3'],
    ['i0', 'i1', 'i1', 'i2', 'i0', 'i1', 'i2'],
    new Float32Array(7).fill(1),
  );
  const model = fitEase(data.matrix, columnCounts(data.matrix), { lambda: 1, maxItems: 10, minUsers: 1 });
  assert.deepEqual(Array.from(model.itemOf), [0, 1, 2]);
  const expected = [0, 0.5, 0, 0.5, 0, 0.5, 0, 0.5, 0];
  for (const [n, w] of model.weights.entries()) assert.ok(Math.abs(w - expected[n]!) < 1e-6, `B[${n}] = ${w}`);
});

test('a model file decodes to the same model, answering the same', () => {
  const model = fitModel('ours', 'interactions', twoGroups(), small);
  const decoded = decodeModel(encodeModel(model));
  assert.deepEqual(decoded, model);
  assert.deepEqual(new Recommender(decoded).forUser('a-user3', 5), new Recommender(model).forUser('a-user3', 5));
  assert.throws(() => decodeModel(Buffer.from('something else')), /not a cadenza recs model file/);
});

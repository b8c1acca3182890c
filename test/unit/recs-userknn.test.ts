import assert from 'node:assert/strict';
import { test } from 'node:test';
import { interactionsFromRows, transpose } from '../../src/core/recs/matrix.js';
import { defaultParams, fitModel, partValue, weightedWalk } from '../../src/core/recs/model.js';
import { Recommender } from '../../src/core/recs/recommender.js';
import { fitUserKnn, scoreUserKnn, type UserKnnParams } from '../../src/core/recs/userknn.js';

// Items a b c d e (0..4); rows u1 {a b}, u2 {a b c}, u3 {d e}, u4 {a d}.
const rows = { u1: 'ab', u2: 'abc', u3: 'de', u4: 'ad' };
const ITEMS = 'abcde';

function matrix(weight = (_user: string, _item: string) => 1) {
  const users: string[] = [];
  const items: string[] = [];
  const weights: number[] = [];
  for (const [user, held] of Object.entries(rows)) {
    for (const item of held) {
      users.push(user);
      items.push(item);
      weights.push(weight(user, item));
    }
  }
  // Every item first seen in the order a..e, so column j is ITEMS[j].
  const data = interactionsFromRows(users, items, Float32Array.from(weights));
  assert.equal(data.items.join(''), ITEMS);
  return data;
}

function scores(params: UserKnnParams, seeds: string, self = -1, weight?: (user: string, item: string) => number) {
  const byUser = matrix(weight).matrix;
  const model = fitUserKnn(byUser, params);
  const out = new Float32Array(ITEMS.length);
  const seedIdx = Int32Array.from(seeds, (s) => ITEMS.indexOf(s));
  scoreUserKnn(model, byUser, transpose(byUser), seedIdx, new Float32Array(seedIdx.length).fill(1), self, 1, out);
  return Array.from(out);
}

function close(actual: number[], expected: number[]): void {
  for (const [j, a] of actual.entries())
    assert.ok(Math.abs(a - expected[j]!) < 1e-5, `item ${ITEMS[j]}: ${a}, expected ${expected[j]}`);
}

test('UserKNN with raw overlap adds each neighbour row weighted by the items it shares with the seeds', () => {
  // Seeds {a b}: overlaps u1 2, u2 2, u4 1, u3 0.
  close(scores({ k: 10, alpha: 0, gamma: 1, idf: 0 }, 'ab'), [5, 4, 2, 1, 0]);
});

test('UserKNN keeps only the k most similar rows (ties to the earlier row)', () => {
  // k 2 keeps u1 and u2; u4's d no longer scores.
  close(scores({ k: 2, alpha: 0, gamma: 1, idf: 0 }, 'ab'), [4, 4, 2, 0, 0]);
  close(scores({ k: 1, alpha: 0, gamma: 1, idf: 0 }, 'ab'), [2, 2, 0, 0, 0]);
});

test('UserKNN cosine divides by the neighbour row norm and γ sharpens the similarities', () => {
  // sim u1 = 2/√2, u2 = 2/√3, u4 = 1/√2; with γ 2: 2, 4/3, 1/2.
  const [s1, s2, s4] = [2 / Math.SQRT2, 2 / Math.sqrt(3), 1 / Math.SQRT2];
  close(scores({ k: 10, alpha: 1, gamma: 1, idf: 0 }, 'ab'), [s1 + s2 + s4, s1 + s2, s2, s4, 0]);
  close(scores({ k: 10, alpha: 1, gamma: 2, idf: 0 }, 'ab'), [2 + 4 / 3 + 0.5, 2 + 4 / 3, 4 / 3, 0.5, 0]);
});

test('UserKNN with idf lets a shared rare item count for more than a shared common one', () => {
  // a is held by 3 of 4 rows, b by 2: idf_a = ln(1 + 4/3), idf_b = ln 3.
  const [ia, ib] = [Math.log1p(4 / 3), Math.log(3)];
  close(scores({ k: 10, alpha: 0, gamma: 1, idf: 1 }, 'ab'), [2 * (ia + ib) + ia, 2 * (ia + ib), ia + ib, ia, 0]);
});

test('UserKNN never counts the query user as their own neighbour', () => {
  // u2 (row 1) asks with its own items; only u1 and u4 are neighbours: overlaps 2 and 1.
  close(scores({ k: 10, alpha: 0, gamma: 1, idf: 0 }, 'abc', 1), [3, 2, 0, 1, 0]);
  // With k 1 the single neighbour is u1, not u2 itself.
  close(scores({ k: 1, alpha: 0, gamma: 1, idf: 0 }, 'abc', 1), [2, 2, 0, 0, 0]);
});

test('UserKNN on log weights: a neighbour who plays an artist a lot passes on more of it', () => {
  // u4 played d 1,000 times, u3 played d and e once each; seeds {a}: u1, u2, u4 share a (weight 1).
  const weight = (user: string, item: string) => (user === 'u4' && item === 'd' ? 1000 : 1);
  const byUser = matrix(weight).matrix;
  const walk = weightedWalk(byUser, 1);
  const model = fitUserKnn(walk.byUser, { k: 10, alpha: 0, gamma: 1, idf: 0 });
  const out = new Float32Array(ITEMS.length);
  scoreUserKnn(model, walk.byUser, walk.byItem, Int32Array.of(0), Float32Array.of(1), -1, 1, out);
  const l1 = Math.log1p(1);
  // The seed weighs 1, so sim = l1 for each of u1, u2, u4; d gets u4's log1p(1000) instead of l1.
  close(Array.from(out), [3 * l1 ** 2, 2 * l1 ** 2, l1 ** 2, l1 * Math.log1p(1000), 0]);
  assert.equal(partValue(1000, 0), 1);
});

test('a userknn model recommends to a training user from their neighbours, never what they hold', () => {
  const params = { 'userknn.k': 10, 'userknn.alpha': 0, 'userknn.gamma': 1, 'userknn.idf': 0, 'userknn.log': 0 };
  const recommender = new Recommender(
    fitModel('userknn', 'interactions', matrix(), { ...defaultParams('interactions'), ...params }),
  );
  // u4 {a d}: neighbours u1, u2 (through a) and u3 (through d); b is held by two of them, c and e by
  // one each (c first: the lower index breaks the tie of equal popularity).
  assert.deepEqual(recommender.forUser('u4', 3), ['b', 'c', 'e']);
  // A new list {d e}: u3 and u4 are its neighbours; only u4 has something else, a.
  assert.deepEqual(recommender.forSeeds(['d', 'e'], 1), ['a']);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemorySearchIndex, type MemorySearchOptions } from '../../src/adapters/memory-search/index.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { DEFAULT_WEIGHTS } from '../../src/core/search/ranking.js';
import type { SearchDoc } from '../../src/ports/search-index.js';
import { ids, NOW, track } from '../helpers/search-docs.js';

const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(NOW - n * DAY).toISOString().slice(0, 10);

function indexOf(docs: SearchDoc[], options: MemorySearchOptions = {}): MemorySearchIndex {
  const index = new MemorySearchIndex(options);
  index.load(docs);
  return index;
}

const released = (doc: SearchDoc, releaseDate: string | null): SearchDoc => ({ ...doc, releaseDate });

test('a release from this week outranks an old one with the same title and popularity', () => {
  // Ids sort the old one first, and it is loaded first: only the release date can put the new one ahead.
  const old = released(track('a-old', 'Harbour', 'Same Band', 50), '2010-01-01');
  const fresh = released(track('z-fresh', 'Harbour', 'Same Band', 50), daysAgo(3));
  assert.deepEqual(ids(indexOf([old, fresh]), 'harbour'), ['z-fresh', 'a-old']);
  const undated = released(track('b-undated', 'Harbour', 'Same Band', 50), null);
  assert.deepEqual(ids(indexOf([undated, old, fresh]), 'harbour')[0], 'z-fresh', 'an unknown date is not new');
});

test('the new-release boost fades: released yesterday beats released two months ago', () => {
  const months = released(track('a-months', 'Lantern', 'Band A', 50), daysAgo(60));
  const yesterday = released(track('z-yesterday', 'Lantern', 'Band B', 50), daysAgo(1));
  assert.deepEqual(ids(indexOf([months, yesterday]), 'lantern'), ['z-yesterday', 'a-months']);
});

test('CADENZA_SEARCH_WEIGHTS: any subset of the four weights, each from 0 to 10', () => {
  assert.deepEqual(loadConfig({}).searchWeights, {});
  assert.deepEqual(loadConfig({ CADENZA_SEARCH_WEIGHTS: 'popularity=0, freshness=2.5' }).searchWeights, {
    popularity: 0,
    freshness: 2.5,
  });
  assert.deepEqual(
    loadConfig({ CADENZA_SEARCH_WEIGHTS: 'text=1,popularity=0.35,affinity=0.5,freshness=10' }).searchWeights,
    { text: 1, popularity: 0.35, affinity: 0.5, freshness: 10 },
  );
});

test('a bad CADENZA_SEARCH_WEIGHTS stops the start with an error naming it and the expected form', () => {
  for (const bad of ['speed=1', 'popularity=lots', 'text=11', 'affinity=-1', 'popularity', 'text=1;freshness=2']) {
    let problems: string[] = [];
    try {
      loadConfig({ CADENZA_SEARCH_WEIGHTS: bad });
      assert.fail(`"${bad}" was accepted`);
    } catch (err) {
      assert.ok(err instanceof ConfigError, `"${bad}" gives a ConfigError`);
      problems = err.problems;
    }
    assert.equal(problems.length, 1, bad);
    assert.match(problems[0]!, /^CADENZA_SEARCH_WEIGHTS must look like text=1,popularity=0\.35/, bad);
  }
});

test('weights from the environment change which of two songs comes first', () => {
  // An old hit and a less popular song released three days ago, equal in text.
  const hit = released(track('hit', 'Northern Lights', 'Big Act', 80), '2012-05-05');
  const newcomer = released(track('newcomer', 'Northern Lights', 'New Act', 60), daysAgo(3));
  // As app.ts builds the index: the configured weights over the defaults.
  const order = (env: Record<string, string>) =>
    ids(
      indexOf([hit, newcomer], { weights: { ...DEFAULT_WEIGHTS, ...loadConfig(env).searchWeights } }),
      'northern lights',
    );
  assert.deepEqual(order({}), ['hit', 'newcomer'], 'by default popularity decides');
  assert.deepEqual(order({ CADENZA_SEARCH_WEIGHTS: 'freshness=1' }), ['newcomer', 'hit'], 'freshness weighed up');
  assert.deepEqual(order({ CADENZA_SEARCH_WEIGHTS: 'popularity=0' }), ['newcomer', 'hit'], 'popularity weighed 0');
});

// Typo limits, counted on the word the listener typed: none below 4 letters, 1 from 4, 2 from 8. (A
// 3-letter word beside other words may take one when nothing else matches: search-typing.test.ts.)
const words = [
  track('w3', 'Owl', 'Quiet Type'),
  track('w4', 'Kite', 'Quiet Type'),
  track('w6', 'Planet', 'Quiet Type'),
  track('w7', 'Sunrise', 'Quiet Type'),
  track('w8', 'Midnight', 'Quiet Type'),
  track('w10', 'Everything', 'Quiet Type'),
];

test('a 3-letter word alone with one wrong letter finds nothing; a 4-letter one does', () => {
  const index = indexOf(words);
  assert.deepEqual(ids(index, 'owl'), ['w3']);
  assert.deepEqual(ids(index, 'oxl'), []);
  assert.deepEqual(ids(index, 'kxte'), ['w4']);
});

test('5 to 7-letter words forgive one wrong letter, not two', () => {
  const index = indexOf(words);
  assert.deepEqual(ids(index, 'plxnet'), ['w6']);
  assert.deepEqual(ids(index, 'plxnxt'), []);
  assert.deepEqual(ids(index, 'sxnrise'), ['w7']);
  assert.deepEqual(ids(index, 'sxnrxse'), []);
  assert.deepEqual(ids(index, 'snurise'), ['w7'], 'two swapped letters are one edit');
  assert.deepEqual(ids(index, 'snurxse'), [], 'a swap and a wrong letter are two');
});

test('8-letter and longer words forgive two wrong letters, not three', () => {
  const index = indexOf(words);
  assert.deepEqual(ids(index, 'mxdnxght'), ['w8']);
  assert.deepEqual(ids(index, 'mxdnxgxt'), []);
  assert.deepEqual(ids(index, 'midngt'), [], 'two letters missing from 8 leave a 6-letter word: one edit only');
  assert.deepEqual(ids(index, 'evxrythxng'), ['w10']);
  assert.deepEqual(ids(index, 'evxrxthxng'), []);
  // In typeahead too, a finished long word takes two edits and no more.
  assert.deepEqual(ids(index, 'mxdnxght', { prefix: true }), ['w8']);
  assert.deepEqual(ids(index, 'mxdnxgxt', { prefix: true }), []);
});

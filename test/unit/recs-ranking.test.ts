import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Candidate, RANKING, type RankingContext, rank } from '../../src/core/recs/ranking.js';
import type { RecsPurpose } from '../../src/ports/recommendations.js';

/** One test per ranking rule (docs/recommendations.md, "Ranking"): each fails if its rule is removed. */

const NOW = Date.parse('2026-12-07T18:00:00Z');
const DAY = 86_400_000;

function context(over: Partial<RankingContext> = {}): RankingContext {
  return {
    purpose: 'home',
    now: NOW,
    exclude: new Set(),
    heard: new Set(),
    unheardOnly: false,
    skipped: new Set(),
    skippedArtists: new Map(),
    skipNeighbours: new Map(),
    lastPlayed: new Map(),
    followed: new Set(),
    hourAffinity: new Map(),
    ...over,
  };
}

/** Tracks t1, t2 … by artists a1, a2 … (one each unless given), scores falling 1, 0.9, 0.8 … */
function candidates(n: number, artistOf: (k: number) => string = (k) => `a${k}`): Candidate[] {
  return Array.from({ length: n }, (_, k) => ({
    trackId: `t${k + 1}`,
    artistIds: [artistOf(k + 1)],
    releaseDate: '2010-01-01',
    markets: null,
    score: 1 - k * 0.1,
  }));
}

const ids = (list: Candidate[]) => list.map((c) => c.trackId);

test('exclude: excluded tracks never come back', () => {
  assert.deepEqual(ids(rank(candidates(3), context({ exclude: new Set(['t1']) }), 10)), ['t2', 't3']);
});

test('unheardOnly: tracks the listener played are left out', () => {
  const heard = new Set(['t2']);
  assert.deepEqual(ids(rank(candidates(3), context({ heard, unheardOnly: true }), 10)), ['t1', 't3']);
  assert.deepEqual(ids(rank(candidates(3), context({ heard }), 10)), ['t1', 't2', 't3'], 'only when asked');
});

test('releasedSince: older and undated releases are left out', () => {
  const list = candidates(3);
  list[1]!.releaseDate = '2026-11-30';
  list[2]!.releaseDate = null;
  assert.deepEqual(ids(rank(list, context({ releasedSince: '2026-11-01' }), 10)), ['t2']);
});

test('market: tracks not sold in the market are left out', () => {
  const list = candidates(3);
  list[0]!.markets = ['SE'];
  assert.deepEqual(ids(rank(list, context({ market: 'US' }), 10)), ['t2', 't3']);
  assert.deepEqual(ids(rank(list, context({ market: 'SE' }), 10)), ['t1', 't2', 't3']);
});

test('skips: left out of radio, pushed to the bottom of home', () => {
  const skipped = new Set(['t1']);
  assert.deepEqual(ids(rank(candidates(3), context({ purpose: 'radio', skipped }), 10)), ['t2', 't3']);
  assert.deepEqual(ids(rank(candidates(3), context({ purpose: 'home', skipped }), 10)), ['t2', 't3', 't1']);
});

test('skipped artist: the artist of a skipped track goes down', () => {
  const skippedArtists = new Map([['a1', 1]]);
  assert.deepEqual(ids(rank(candidates(3), context({ skippedArtists }), 10)), ['t2', 't3', 't1']);
});

test('skip neighbours: a track close to a skipped one goes down', () => {
  const skipNeighbours = new Map([['t1', 1]]);
  assert.deepEqual(ids(rank(candidates(3), context({ skipNeighbours }), 10)), ['t2', 't3', 't1']);
});

test('recently played: pushed down for radio, not for a daily mix', () => {
  const lastPlayed = new Map([['t1', NOW - 3_600_000]]);
  assert.deepEqual(ids(rank(candidates(3), context({ purpose: 'radio', lastPlayed }), 10)), ['t2', 't3', 't1']);
  assert.deepEqual(ids(rank(candidates(3), context({ purpose: 'daily-mix', lastPlayed }), 10)), ['t1', 't2', 't3']);
  const longAgo = new Map([['t1', NOW - 30 * DAY]]);
  assert.deepEqual(ids(rank(candidates(3), context({ purpose: 'radio', lastPlayed: longAgo }), 10)), [
    't1',
    't2',
    't3',
  ]);
});

test('freshness: a new release rises, most of all in Release Radar', () => {
  const list = candidates(3);
  list[2]!.releaseDate = '2026-12-01';
  assert.deepEqual(ids(rank(list, context({ purpose: 'release-radar' }), 10)), ['t3', 't1', 't2']);
  assert.deepEqual(ids(rank(list, context({ purpose: 'continuation' }), 10)), ['t1', 't2', 't3']);
});

test('follows: a followed artist rises', () => {
  assert.deepEqual(ids(rank(candidates(3), context({ followed: new Set(['a2']) }), 10)), ['t2', 't1', 't3']);
});

test('time of day: an artist the listener plays at this hour rises', () => {
  const list = candidates(2);
  list[1]!.score = list[0]!.score - RANKING.hourOfDay / 2;
  assert.deepEqual(ids(rank(list, context({ hourAffinity: new Map([['a2', 1]]) }), 10)), ['t2', 't1']);
});

test('diversity: at most 2 of one artist in any 10, never twice in a row on radio', () => {
  // Six tracks of artist x score best, then ten of others.
  const list = candidates(16, (k) => (k <= 6 ? 'x' : `o${k}`));
  const radio = rank(list, context({ purpose: 'radio' }), 10);
  for (let i = 1; i < radio.length; i++) assert.notEqual(radio[i]!.artistIds[0], radio[i - 1]!.artistIds[0]);
  const home = rank(list, context({ purpose: 'home' }), 10);
  assert.equal(home.filter((c) => c.artistIds[0] === 'x').length, 2, ids(home).join());
  assert.deepEqual(ids(home).slice(0, 2), ['t1', 't2'], 'home may put two in a row');
  // Past the window the artist may come back.
  const long = rank(list, context({ purpose: 'home' }), 16);
  assert.ok(
    long.slice(10, 12).some((c) => c.artistIds[0] === 'x'),
    ids(long).join(),
  );
});

test('diversity: Discover Weekly holds at most 2 per artist in the whole list', () => {
  const list = candidates(30, (k) => (k % 3 === 0 ? 'x' : `o${k}`));
  const weekly = rank(list, context({ purpose: 'discover-weekly' }), 25);
  assert.equal(weekly.filter((c) => c.artistIds[0] === 'x').length, 2);
  assert.equal(weekly.length, 22, 'a shorter list rather than a third track of one artist');
});

test('the caps never empty a list: with one artist everything still comes back', () => {
  const purposes: RecsPurpose[] = ['radio', 'autoplay', 'home'];
  for (const purpose of purposes)
    assert.equal(
      rank(
        candidates(5, () => 'x'),
        context({ purpose }),
        10,
      ).length,
      5,
    );
  assert.equal(
    rank(
      candidates(5, () => 'x'),
      context({ purpose: 'discover-weekly' }),
      10,
    ).length,
    2,
  );
});

test('a lead track comes first and counts toward the caps', () => {
  const list = candidates(4, (k) => (k <= 2 ? 'x' : `o${k}`));
  const lead = { ...list[0]!, trackId: 'seed', score: 0 };
  const out = rank(list, context({ purpose: 'radio' }), 4, lead);
  assert.equal(out[0]!.trackId, 'seed');
  assert.notEqual(out[1]!.artistIds[0], 'x', 'not the lead artist right after it');
});

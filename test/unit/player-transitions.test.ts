import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  base,
  enqueued,
  heldAt,
  movedTo,
  nextIndex,
  previousIndex,
  reported,
} from '../../src/core/player/transitions.js';
import { MAX_QUEUE, progressAt, type StateChange } from '../../src/core/player/types.js';

/** The state changes behind each player command, without a database. */

const playing = (over: Partial<StateChange> = {}): StateChange => ({
  ...base(undefined),
  activeDeviceId: 'dev',
  isPlaying: true,
  trackId: 'b',
  queue: ['a', 'b', 'c'],
  queueIndex: 1,
  durationMs: 10_000,
  progressMs: 2000,
  progressAt: 1_000_000,
  ...over,
});

test('progress moves on while playing, stands while paused, and stops at the end of the track', () => {
  assert.equal(progressAt(playing(), 1_003_000), 5000);
  assert.equal(progressAt(playing({ isPlaying: false }), 1_003_000), 2000);
  assert.equal(progressAt(playing(), 1_100_000), 10_000);
  const paused = heldAt(playing(), 1_001_500, false);
  assert.deepEqual([paused.progressMs, paused.progressAt, paused.isPlaying], [3500, 1_001_500, false]);
  assert.equal(heldAt(playing({ trackId: null }), 1_001_500, true).isPlaying, false, 'nothing to play');
});

test('next ends the queue unless repeating the context; previous restarts a track well under way', () => {
  assert.equal(nextIndex(playing()), 2);
  assert.equal(nextIndex(playing({ queueIndex: 2 })), null);
  assert.equal(nextIndex(playing({ queueIndex: 2, repeat: 'context' })), 0);
  assert.equal(previousIndex(playing(), 1_000_500), 0, 'just started: the track before');
  assert.equal(previousIndex(playing(), 1_002_000), 1, 'four seconds in: from the start');
  assert.equal(previousIndex(playing({ queueIndex: 0, progressMs: 0 }), 1_000_000), 0);
  assert.equal(previousIndex(playing({ queueIndex: 0, progressMs: 0, repeat: 'context' }), 1_000_000), 2);
});

test('tracks added to the queue play after the current one, in the order added, until playback moves past them', () => {
  let s = enqueued(playing(), 'x');
  s = enqueued(s, 'y');
  assert.deepEqual(s.queue, ['a', 'b', 'x', 'y', 'c']);
  s = movedTo(s, 2, 5000, 1_000_000);
  assert.equal(s.trackId, 'x');
  s = enqueued(s, 'z');
  assert.deepEqual(s.queue, ['a', 'b', 'x', 'y', 'z', 'c']);
  s = movedTo(s, 4, 5000, 1_000_000);
  s = enqueued(s, 'w');
  assert.deepEqual(s.queue, ['a', 'b', 'x', 'y', 'z', 'w', 'c'], 'after the current track once the added ones played');
  assert.deepEqual(enqueued(base(undefined), 'solo').queue, ['solo']);
});

test("a device's report replaces the state, and a reordered queue forgets where added tracks go", () => {
  const s = enqueued(playing(), 'x');
  const report = {
    deviceId: 'dev',
    trackId: 'b',
    positionMs: 4000,
    durationMs: 10_000,
    isPlaying: true,
    queue: s.queue,
    queueIndex: 1,
    contextUri: null,
    shuffle: false,
    repeat: 'off' as const,
    volumePercent: 40,
    claim: false,
  };
  assert.equal(reported(s, report, 1_005_000).queueInsertAt, 3);
  const shuffled = reported(s, { ...report, queue: ['c', 'b', 'x', 'a'] }, 1_005_000);
  assert.equal(shuffled.queueInsertAt, null);
  assert.deepEqual([shuffled.progressMs, shuffled.progressAt, shuffled.volumePercent], [4000, 1_005_000, 40]);
});

test('a full queue makes room for an added track by dropping played ones, then the last of the context', () => {
  const ids = Array.from({ length: MAX_QUEUE }, (_, i) => `t${i}`);
  const midway = enqueued(playing({ queue: ids, queueIndex: 500, trackId: 't500' }), 'x');
  assert.equal(midway.queue.length, MAX_QUEUE);
  assert.equal(midway.queue[midway.queueIndex], 't500', 'the current track stays current');
  assert.equal(midway.queue[midway.queueIndex + 1], 'x');
  assert.equal(midway.queue[0], 't1', 'the oldest played track went');
  const more = enqueued(midway, 'y');
  assert.deepEqual(more.queue.slice(more.queueIndex, more.queueIndex + 3), ['t500', 'x', 'y'], 'in the order added');
  const atStart = enqueued(playing({ queue: ids, queueIndex: 0, trackId: 't0' }), 'x');
  assert.deepEqual(
    [atStart.queue.length, atStart.queue[1], atStart.queue.at(-1)],
    [MAX_QUEUE, 'x', `t${MAX_QUEUE - 2}`],
  );
});

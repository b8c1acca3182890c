import assert from 'node:assert/strict';
import { test } from 'node:test';
import { estimateOffset, sampleOffset } from '../../src/core/jam/clock-offset.js';

test('one sample: the server time less the midpoint of the round trip, within half the round trip', () => {
  // The client's clock is 1000 ms behind; the request took 3 ms, the answer 1 ms.
  const sample = { sentMs: 5000, serverMs: 6003, receivedMs: 5004 };
  const { offsetMs, rttMs } = sampleOffset(sample);
  assert.equal(rttMs, 4);
  assert.equal(offsetMs, 1001);
  assert.ok(Math.abs(offsetMs - 1000) <= rttMs / 2);
});

test('the sample with the shortest round trip wins over queued ones', () => {
  const trueOffset = -250;
  // Queued answers (long, lopsided round trips) would pull the average far off.
  const samples = [
    { sentMs: 0, serverMs: 40 + trueOffset, receivedMs: 45 },
    { sentMs: 100, serverMs: 101 + trueOffset, receivedMs: 102 },
    { sentMs: 200, serverMs: 205 + trueOffset, receivedMs: 290 },
  ];
  const best = estimateOffset(samples);
  assert.deepEqual(best, { offsetMs: trueOffset, rttMs: 2 });
  assert.equal(estimateOffset([]), undefined);
  // A sample whose answer seems to arrive before its request left (a clock step) is ignored.
  assert.deepEqual(estimateOffset([{ sentMs: 10, serverMs: 0, receivedMs: 5 }, ...samples]), best);
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClockOffset } from '../../web/src/jam/clock.js';

describe('Jam: the server clock estimated from time probes', () => {
  /** A probe over a link whose delay each way is given, to a server `skew` ms ahead of the page. */
  const probe = (sentMs: number, out: number, back: number, skew: number) => ({
    sentMs,
    serverMs: sentMs + out + skew,
    receivedMs: sentMs + out + back,
  });

  it('takes the offset of the quickest round trip: queueing delay only ever adds', () => {
    const clock = new ClockOffset();
    assert.equal(clock.offsetMs, undefined, 'no estimate before a probe');
    clock.add(probe(1000, 40, 2, 250)); // delayed on the way out: halves the round trip wrongly
    clock.add(probe(2000, 1, 1, 250));
    clock.add(probe(3000, 3, 30, 250)); // delayed on the way back
    assert.equal(clock.offsetMs, 250);
    assert.equal(clock.rttMs, 2);
  });

  it('is off by at most half the round trip when the link is lopsided', () => {
    const clock = new ClockOffset();
    clock.add(probe(0, 3, 1, -80));
    assert.ok(Math.abs(clock.offsetMs! - -80) <= clock.rttMs! / 2);
    assert.equal(clock.offsetMs, -79);
  });

  it('forgets old probes, so a clock that moved is followed', () => {
    const clock = new ClockOffset();
    clock.add(probe(0, 0.5, 0.5, 10)); // the quickest ever, but long ago
    for (let i = 1; i <= 16; i++) clock.add(probe(i * 1000, 2, 2, 35));
    assert.equal(clock.offsetMs, 35);
  });

  it('drops a probe with a negative round trip', () => {
    const clock = new ClockOffset();
    clock.add({ sentMs: 100, serverMs: 50, receivedMs: 90 });
    assert.equal(clock.samples, 0);
  });
});

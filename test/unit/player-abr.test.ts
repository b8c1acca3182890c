import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Abr, HOLD_MS, preferenceKbps } from '../../web/src/player/abr.js';

const RUNGS = [
  { quality: 'vorbis_24', kbps: 24 },
  { quality: 'vorbis_96', kbps: 96 },
  { quality: 'vorbis_160', kbps: 160 },
  { quality: 'vorbis_320', kbps: 320 },
];
const rung = (quality: string) => RUNGS.find((r) => r.quality === quality)!;
/** A 512 KB download that took as long as `kbps` implies. */
const download = (abr: Abr, kbps: number) => abr.sample(512 * 1024, (512 * 1024 * 8) / kbps);

describe('player: adaptive bitrate', () => {
  it('starts at the preference when nothing is measured yet, and within the measured throughput after', () => {
    assert.equal(new Abr(320).initial(RUNGS).quality, 'vorbis_320');
    assert.equal(new Abr(preferenceKbps('normal')).initial(RUNGS).quality, 'vorbis_96');
    const slow = new Abr(320);
    download(slow, 200);
    assert.equal(slow.initial(RUNGS).quality, 'vorbis_96', '160 kbps does not fit in 70 % of 200 kbps');
    const fast = new Abr(320);
    download(fast, 10_000);
    assert.equal(fast.initial(RUNGS).quality, 'vorbis_320');
  });

  it('steps down as soon as the buffer falls under 5 s, to what the throughput carries', () => {
    const abr = new Abr(320);
    download(abr, 10_000);
    assert.equal(
      abr.next(RUNGS, rung('vorbis_320'), { now: 12, peak: 12 }, 0).quality,
      'vorbis_320',
      'a healthy buffer keeps the rung',
    );
    for (let i = 0; i < 6; i++) download(abr, 150);
    assert.equal(abr.next(RUNGS, rung('vorbis_320'), { now: 4, peak: 4 }, 1000).quality, 'vorbis_96');
  });

  it('steps down one rung at least when the buffer fell, even when the throughput looks fine', () => {
    const abr = new Abr(320);
    download(abr, 10_000);
    assert.equal(abr.initial(RUNGS).quality, 'vorbis_320');
    assert.equal(
      abr.next(RUNGS, rung('vorbis_320'), { now: 1, peak: 1 }, 0).quality,
      'vorbis_320',
      'starting up: not a fall',
    );
    assert.equal(abr.next(RUNGS, rung('vorbis_320'), { now: 12, peak: 12 }, 100).quality, 'vorbis_320');
    assert.equal(abr.next(RUNGS, rung('vorbis_320'), { now: 3, peak: 3 }, 200).quality, 'vorbis_160', 'fell under 5 s');
  });

  it('steps up one rung at a time, only with a full buffer, spare throughput and after the hold', () => {
    const abr = new Abr(320);
    download(abr, 10_000);
    abr.next(RUNGS, rung('vorbis_320'), { now: 10, peak: 10 }, 0);
    let current = abr.next(RUNGS, rung('vorbis_320'), { now: 2, peak: 2 }, 0);
    assert.equal(current.quality, 'vorbis_160');
    assert.equal(
      abr.next(RUNGS, current, { now: 40, peak: 40 }, HOLD_MS - 1).quality,
      'vorbis_160',
      'held after a change',
    );
    assert.equal(
      abr.next(RUNGS, current, { now: 20, peak: 29 }, HOLD_MS + 1).quality,
      'vorbis_160',
      'buffer never reached 30 s',
    );
    current = abr.next(RUNGS, current, { now: 30, peak: 30 }, HOLD_MS + 1);
    assert.equal(current.quality, 'vorbis_320');
  });

  it('does not step up when the throughput would not carry the higher rung with margin', () => {
    const abr = new Abr(320);
    for (let i = 0; i < 10; i++) download(abr, 400);
    assert.equal(
      abr.next(RUNGS, rung('vorbis_160'), { now: 60, peak: 60 }, 1e9).quality,
      'vorbis_160',
      '400 < 1.5 x 320',
    );
  });

  it('does not oscillate when the throughput sits between two rungs', () => {
    const abr = new Abr(320);
    let current = rung('vorbis_160');
    const seen: string[] = [];
    let buffer = 30;
    for (let t = 0; t < 600_000; t += 5000) {
      download(abr, 300 + (t % 20_000 === 0 ? 60 : -60));
      current = abr.next(RUNGS, current, { now: buffer, peak: buffer }, t);
      // Playing 160 kbps on ~300 kbps fills the buffer; 320 would drain it.
      buffer = Math.min(60, Math.max(0, buffer + (current.kbps <= 160 ? 2 : -4)));
      seen.push(current.quality);
    }
    const changes = seen.filter((q, i) => i > 0 && q !== seen[i - 1]).length;
    assert.equal(changes, 0, `changed rung ${changes} times: ${seen.join(' ')}`);
  });

  it('steps down before the buffer runs out when the network cannot sustain the rung', () => {
    const abr = new Abr(320);
    download(abr, 10_000);
    assert.equal(abr.next(RUNGS, rung('vorbis_320'), { now: 20, peak: 30 }, 0).quality, 'vorbis_320');
    download(abr, 350);
    assert.equal(abr.next(RUNGS, rung('vorbis_320'), { now: 12, peak: 30 }, 100).quality, 'vorbis_160');
    assert.equal(
      abr.next(RUNGS, rung('vorbis_320'), { now: 45, peak: 45 }, 200).quality,
      'vorbis_320',
      'a full buffer rides out a slow download',
    );
  });

  it('never exceeds the preference cap', () => {
    const abr = new Abr(preferenceKbps('high'));
    download(abr, 100_000);
    assert.equal(abr.initial(RUNGS).quality, 'vorbis_160');
    assert.equal(abr.next(RUNGS, rung('vorbis_160'), { now: 60, peak: 60 }, 1e9).quality, 'vorbis_160');
  });

  it('caps by the rung a file is, not by the bitrate it came out at', () => {
    // Quality-mode encodes land near their rung's bitrate, above it for dense music.
    const measured = [
      { quality: 'vorbis_24', kbps: 28, nominalKbps: 24 },
      { quality: 'vorbis_96', kbps: 101, nominalKbps: 96 },
      { quality: 'vorbis_160', kbps: 163, nominalKbps: 160 },
      { quality: 'vorbis_320', kbps: 331, nominalKbps: 320 },
    ];
    const normal = new Abr(preferenceKbps('normal'));
    assert.equal(normal.initial(measured).quality, 'vorbis_96');
    const high = new Abr(preferenceKbps('high'));
    download(high, 100_000);
    assert.equal(high.initial(measured).quality, 'vorbis_160');
    const current = measured[2]!;
    assert.equal(high.next(measured, current, { now: 60, peak: 60 }, 1e9).quality, 'vorbis_160');
  });
});

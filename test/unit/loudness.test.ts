import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizationGainDb } from '../../src/core/ingest/loudness.js';

test('a quiet track is boosted to the target when its peak allows', () => {
  assert.equal(normalizationGainDb({ integratedLufs: -23, truePeakDbtp: -12 }, -14), 9);
});

test('a loud track is attenuated to the target', () => {
  assert.equal(normalizationGainDb({ integratedLufs: -6.2, truePeakDbtp: 0.4 }, -14), -7.8);
});

test('the boost stops where the true peak would pass -1 dBTP', () => {
  // Wants +12 dB, but the peak at -4 dBTP leaves only 3 dB of headroom.
  assert.equal(normalizationGainDb({ integratedLufs: -26, truePeakDbtp: -4 }, -14), 3);
});

test('a track already peaking above -1 dBTP is turned down even when quieter than the target', () => {
  assert.equal(normalizationGainDb({ integratedLufs: -16, truePeakDbtp: 0.5 }, -14), -1.5);
});

test('a track at the target with headroom gets no gain, as a plain 0', () => {
  const gain = normalizationGainDb({ integratedLufs: -14, truePeakDbtp: -3 }, -14);
  assert.ok(Object.is(gain, 0));
  assert.ok(Object.is(normalizationGainDb({ integratedLufs: -13.999, truePeakDbtp: -3 }, -14), 0));
});

test('gains are rounded to 0.01 dB', () => {
  assert.equal(normalizationGainDb({ integratedLufs: -20.1234, truePeakDbtp: -10 }, -14), 6.12);
  assert.equal(normalizationGainDb({ integratedLufs: -9.876, truePeakDbtp: -0.5 }, -14), -4.12);
});

test('the result never lets the true peak exceed -1 dBTP', () => {
  for (let i = 0; i < 500; i++) {
    const integratedLufs = -70 + ((i * 37) % 700) / 10;
    const truePeakDbtp = Math.min(3, integratedLufs + ((i * 13) % 250) / 10);
    const gain = normalizationGainDb({ integratedLufs, truePeakDbtp }, -14);
    assert.ok(truePeakDbtp + gain <= -1 + 0.005, `${integratedLufs} LUFS, ${truePeakDbtp} dBTP → ${gain} dB`);
    assert.ok(gain <= -14 - integratedLufs + 0.005);
  }
});

test("the -70 LUFS floor gives a finite gain (rejecting silence is quality control's job); no measurement, no gain", () => {
  assert.equal(normalizationGainDb({ integratedLufs: -70, truePeakDbtp: -70 }, -14), 56);
  assert.equal(normalizationGainDb({ integratedLufs: Number.NEGATIVE_INFINITY, truePeakDbtp: -3 }, -14), 0);
  assert.equal(normalizationGainDb({ integratedLufs: -20, truePeakDbtp: Number.NEGATIVE_INFINITY }, -14), 6);
});

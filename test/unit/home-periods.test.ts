import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mixDescription } from '../../src/core/home/made-for-you.js';
import { daysBefore, FRIDAY, MONDAY, utcDay, weekStarting } from '../../src/core/home/periods.js';

const at = (iso: string) => Date.parse(iso);

test('Discover Weekly turns over at Monday 00:00 UTC and is one period all week', () => {
  // 2026-12-07 is a Monday.
  assert.equal(weekStarting(at('2026-12-06T23:59:59Z'), MONDAY), '2026-11-30');
  assert.equal(weekStarting(at('2026-12-07T00:00:00Z'), MONDAY), '2026-12-07');
  assert.equal(weekStarting(at('2026-12-13T23:59:59Z'), MONDAY), '2026-12-07');
  assert.equal(weekStarting(at('2026-12-14T00:00:00Z'), MONDAY), '2026-12-14');
});

test('Release Radar turns over at Friday 00:00 UTC', () => {
  assert.equal(weekStarting(at('2026-12-10T12:00:00Z'), FRIDAY), '2026-12-04');
  assert.equal(weekStarting(at('2026-12-11T00:00:00Z'), FRIDAY), '2026-12-11');
  assert.equal(weekStarting(at('2026-12-17T23:00:00Z'), FRIDAY), '2026-12-11');
});

test('days are UTC days; release windows count back whole days', () => {
  assert.equal(utcDay(at('2026-12-07T23:59:59.999Z')), '2026-12-07');
  assert.equal(daysBefore(at('2026-12-07T10:00:00Z'), 14), '2026-11-23');
  assert.equal(daysBefore(at('2026-03-01T10:00:00Z'), 1), '2026-02-28');
});

test('a Daily Mix is described by its first artists, Spotify-style', () => {
  assert.equal(mixDescription(['Ada', 'Bo', 'Cy', 'Di']), 'Ada, Bo, Cy and more');
  assert.equal(mixDescription(['Ada']), 'Ada and more');
  assert.equal(mixDescription([]), 'Songs you like and more like them');
});

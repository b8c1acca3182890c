import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.js';

const TOKEN = 'a-metrics-token-of-32-characters';

test('CADENZA_METRICS is off unless configured', () => {
  assert.deepEqual(loadConfig({}).metrics, { mode: 'off' });
  assert.deepEqual(loadConfig({ CADENZA_METRICS: 'off', CADENZA_METRICS_TOKEN: TOKEN }).metrics, { mode: 'off' });
  assert.deepEqual(loadConfig({ CADENZA_METRICS: 'open' }).metrics, { mode: 'open' });
});

test('token mode needs a token of at least 16 printable characters', () => {
  assert.deepEqual(loadConfig({ CADENZA_METRICS: 'token', CADENZA_METRICS_TOKEN: TOKEN }).metrics, {
    mode: 'token',
    token: TOKEN,
  });
  for (const token of [undefined, '', 'fifteen-chars-x', 'has a space in it ok', 'tab\there-0123456789']) {
    assert.throws(
      () => loadConfig({ CADENZA_METRICS: 'token', CADENZA_METRICS_TOKEN: token }),
      /CADENZA_METRICS_TOKEN must be 16 to 256 printable characters/,
      JSON.stringify(token),
    );
  }
});

test('port mode listens on loopback unless told otherwise, never on the main port', () => {
  assert.deepEqual(loadConfig({ CADENZA_METRICS: 'port:9464' }).metrics, {
    mode: 'port',
    host: '127.0.0.1',
    port: 9464,
  });
  assert.deepEqual(loadConfig({ CADENZA_METRICS: 'port:9464', CADENZA_METRICS_HOST: '10.0.0.5' }).metrics, {
    mode: 'port',
    host: '10.0.0.5',
    port: 9464,
  });
  assert.throws(() => loadConfig({ CADENZA_METRICS: 'port:4533' }), /needs? a port of their own/);
  for (const bad of ['port:', 'port:65536', 'port:-1', '9464', 'public', 'TOKEN']) {
    assert.throws(
      () => loadConfig({ CADENZA_METRICS: bad }),
      /CADENZA_METRICS must be off, open, token or port:<number>/,
      bad,
    );
  }
});

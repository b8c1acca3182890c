import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';

test('defaults need no environment at all', () => {
  const config = loadConfig({});
  assert.equal(config.port, 4533);
  assert.deepEqual(config.roles, ['api', 'worker', 'edge']);
  assert.equal(config.databaseUrl, undefined);
  assert.equal(config.streamUrlTtlSeconds, 3600);
});

test('every bad variable is listed in one error', () => {
  const env = {
    PORT: '99999',
    CADENZA_ROLES: 'api,dj',
    DATABASE_URL: 'mysql://x',
    CADENZA_SIGNING_KEYS: 'k1:c2hvcnQ=',
    LOG_LEVEL: 'loud',
    CADENZA_DEFAULT_COUNTRY: 'XX',
  };
  const err = (() => {
    try {
      loadConfig(env);
    } catch (e) {
      return e as ConfigError;
    }
    throw new Error('expected a ConfigError');
  })();
  assert.ok(err instanceof ConfigError);
  const named = [
    'PORT',
    'CADENZA_ROLES',
    'DATABASE_URL',
    'CADENZA_SIGNING_KEYS',
    'LOG_LEVEL',
    'CADENZA_DEFAULT_COUNTRY',
  ];
  assert.equal(err.problems.length, named.length);
  for (const name of named)
    assert.ok(
      err.problems.some((p) => p.startsWith(name)),
      `${name} is reported`,
    );
});

test('REDIS_URL: unset keeps the event bus in the process; only redis: and rediss: URLs pass', () => {
  assert.equal(loadConfig({}).redisUrl, undefined);
  assert.equal(loadConfig({ REDIS_URL: '' }).redisUrl, undefined);
  assert.equal(loadConfig({ REDIS_URL: 'redis://cache:6379/2' }).redisUrl, 'redis://cache:6379/2');
  assert.equal(loadConfig({ REDIS_URL: 'rediss://bus:secret@cache:6380' }).redisUrl, 'rediss://bus:secret@cache:6380');
  assert.throws(() => loadConfig({ REDIS_URL: 'http://cache:6379' }), /REDIS_URL must be a redis: or rediss: URL/);
  assert.throws(() => loadConfig({ REDIS_URL: 'cache:6379' }), /REDIS_URL/);
});

test('several signing keys: the named one signs, all of them verify', () => {
  const a = Buffer.alloc(32, 1).toString('base64');
  const b = Buffer.alloc(32, 2).toString('base64');
  const config = loadConfig({ CADENZA_SIGNING_KEYS: `old:${a},new:${b}`, CADENZA_SIGNING_KEY_ID: 'new' });
  assert.deepEqual(
    config.signingKeys.map((k) => k.id),
    ['old', 'new'],
  );
  assert.equal(config.activeSigningKeyId, 'new');
  assert.throws(
    () => loadConfig({ CADENZA_SIGNING_KEYS: `old:${a}`, CADENZA_SIGNING_KEY_ID: 'gone' }),
    /CADENZA_SIGNING_KEY_ID/,
  );
});

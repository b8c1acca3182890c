import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.close());

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

describe('sign-up and log-in', () => {
  test('a listener signs up, logs in with a password, and reads /v1/me', async () => {
    const signup = await server.json('/api/signup', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'ada', password: 'analytical engine', country: 'gb' }),
    });
    assert.equal(signup.status, 201);
    assert.equal(signup.body.user.country, 'GB');
    assert.equal(signup.body.user.product, 'free');

    const token = await server.json(
      '/api/token',
      form({ grant_type: 'password', username: 'ADA', password: 'analytical engine' }),
    );
    assert.equal(token.status, 200);
    assert.equal(token.body.token_type, 'Bearer');
    assert.ok(token.body.expires_in > 0);
    const me = await server.json('/v1/me', { token: token.body.access_token });
    assert.equal(me.status, 200);
    assert.equal(me.body.display_name, 'ada');
    assert.equal(me.body.type, 'user');
    assert.match(me.body.uri, /^cadenza:user:[0-9A-Za-z]{22}$/);
  });

  test('a wrong password and an unknown user get the same 401', async () => {
    const wrong = await server.json(
      '/api/token',
      form({ grant_type: 'password', username: 'ada', password: 'nope nope nope' }),
    );
    const unknown = await server.json(
      '/api/token',
      form({ grant_type: 'password', username: 'nobody', password: 'nope nope nope' }),
    );
    assert.equal(wrong.status, 401);
    assert.deepEqual(wrong.body, unknown.body);
    assert.deepEqual(Object.keys(wrong.body.error).sort(), ['message', 'status']);
  });

  test('the refresh token rotates: it works once, then is refused', async () => {
    const first = await server.json(
      '/api/token',
      form({ grant_type: 'password', username: 'ada', password: 'analytical engine' }),
    );
    const refreshed = await server.json(
      '/api/token',
      form({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token }),
    );
    assert.equal(refreshed.status, 200);
    assert.notEqual(refreshed.body.access_token, first.body.access_token);
    const again = await server.json(
      '/api/token',
      form({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token }),
    );
    assert.equal(again.status, 401);
  });

  test('a revoked access token stops working at once', async () => {
    const { token } = await server.account();
    assert.equal((await server.request('/v1/me', { token })).status, 200);
    const revoke = await server.request('/api/revoke', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token }),
    });
    assert.equal(revoke.status, 204);
    assert.equal((await server.request('/v1/me', { token })).status, 401);
  });

  test('an expired access token is refused', async () => {
    const { username } = await server.account();
    const accounts = server.services.accounts as unknown as { now: () => number };
    const realNow = accounts.now;
    accounts.now = () => Date.now() - 2 * 3600_000; // issued two hours ago, valid for one
    const tokens = await server.services.accounts.logIn(username, 'correct horse battery');
    accounts.now = realNow;
    assert.equal((await server.request('/v1/me', { token: tokens.access_token })).status, 401);
  });
});

describe('bad input names the field', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['short username', { username: 'ab', password: 'long enough pw' }, /username/],
    ['short password', { username: 'validname', password: 'short' }, /password/],
    ['unknown country', { username: 'validname', password: 'long enough pw', country: 'ZZ' }, /country/],
    ['unknown field', { username: 'validname', password: 'long enough pw', admin: true }, /admin/],
    ['admin role by sign-up', { username: 'validname', password: 'long enough pw', role: 'admin' }, /role/],
  ];
  for (const [name, body, field] of cases) {
    test(name, async () => {
      const r = await server.json('/api/signup', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.equal(r.status, 400);
      assert.equal(r.body.error.status, 400);
      assert.match(r.body.error.message, field);
    });
  }

  test('malformed JSON is a 400, not a 500', async () => {
    const r = await server.json('/api/signup', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"username":',
    });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.status, 400);
  });

  test('a taken username is a 409', async () => {
    const body = JSON.stringify({ username: 'Ada', password: 'another password' });
    const r = await server.json('/api/signup', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body,
    });
    assert.equal(r.status, 409);
    assert.match(r.body.error.message, /username/);
  });

  test('an unknown grant type names grant_type', async () => {
    const r = await server.json('/api/token', form({ grant_type: 'client_credentials' }));
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, /grant_type/);
  });

  test('protected routes need a bearer token', async () => {
    const r = await server.json('/v1/me');
    assert.equal(r.status, 401);
    const bad = await server.json('/v1/me', { headers: { Authorization: 'Basic abc' } });
    assert.equal(bad.status, 401);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LiveSocket } from '../helpers/live-client.js';
import { type Account, createPlaylist, jsonInit } from '../helpers/playlists.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * The one input rule (src/http/input.ts): numbers finite and in bounds, text without NUL and
 * well-formed, else a 400 that names the field, and nothing written. Each case here answered 500
 * before the rule (PostgreSQL refused the value after the route had started its work).
 */

let server: TestServer;
let owner: Account;

before(async () => {
  server = await startTestServer();
  owner = await server.account();
});
after(() => server.close());

describe('paging numbers', () => {
  const cases = [
    ['/v1/browse/new-releases?limit=Infinity', 'querystring.limit'],
    ['/v1/browse/new-releases?limit=1e309', 'querystring.limit'],
    ['/v1/browse/new-releases?offset=-Infinity', 'querystring.offset'],
    ['/v1/me/playlists?offset=1e309', 'querystring.offset'],
    ['/v1/me/tracks?limit=-1e309', 'querystring.limit'],
    ['/v1/me/blocks?limit=Infinity', 'querystring.limit'],
    ['/v1/me/player/recently-played?before=Infinity', 'querystring.before'],
    ['/v1/me/player/recently-played?after=9e18', 'querystring.after'],
  ];
  for (const [path, field] of cases) {
    test(`${path} → 400 naming ${field}`, async () => {
      const r = await server.json(path as string, { token: owner.token });
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.match(r.body.error.message, new RegExp(`^${(field as string).replace('.', '\\.')}\\b`));
    });
  }
});

describe('text with NUL or broken surrogates', () => {
  test('a playlist named with a NUL is refused naming body.name, and no playlist is made', async () => {
    const r = await server.json(`/v1/users/${owner.id}/playlists`, jsonInit('POST', { name: 'a\u0000b' }, owner.token));
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, /^body\.name must not contain NUL/);
    const mine = await server.json('/v1/me/playlists', { token: owner.token });
    assert.equal(mine.body.total, 0);
  });

  test('a description with a lone surrogate is refused naming body.description', async () => {
    const id = await createPlaylist(server, owner, { name: 'Kept' });
    const res = await server.request(`/v1/playlists/${id}`, {
      method: 'PUT',
      token: owner.token,
      headers: { 'Content-Type': 'application/json' },
      body: '{"description":"x\\ud800"}',
    });
    assert.equal(res.status, 400);
    assert.match(
      ((await res.json()) as { error: { message: string } }).error.message,
      /^body\.description must be well-formed/,
    );
    const after = await server.json(`/v1/playlists/${id}`, { token: owner.token });
    assert.equal(after.body.name, 'Kept');
  });

  test('sign-up with a NUL in the display name is refused and creates no account', async () => {
    const r = await server.json(
      '/api/signup',
      jsonInit('POST', { username: 'nulname', password: 'correct horse battery', display_name: 'x\u0000' }),
    );
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.match(r.body.error.message, /display_name/);
    const login = await server.request('/api/token', {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'password', username: 'nulname', password: 'correct horse battery' }),
    });
    assert.notEqual(login.status, 200);
  });

  test('a NUL in the token form username is a 400 naming it', async () => {
    const res = await server.request('/api/token', {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'password', username: 'a\u0000', password: 'x' }),
    });
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { error: { message: string } }).error.message, /body\.username/);
  });

  test('an imported playlist file holding a NUL is refused naming body, whatever its content type', async () => {
    for (const type of ['audio/x-mpegurl', 'image/jpeg', 'application/octet-stream']) {
      const res = await server.request('/v1/me/playlists/import?format=m3u8&name=Imported', {
        method: 'POST',
        token: owner.token,
        headers: { 'Content-Type': type },
        body: '#EXTM3U\n#EXTINF:1,Artist - Ti\u0000tle\nsomewhere.mp3\n',
      });
      assert.equal(res.status, 400, `${type}: ${await res.clone().text()}`);
      assert.match(((await res.json()) as { error: { message: string } }).error.message, /^body must not contain NUL/);
    }
    const mine = await server.json('/v1/me/playlists', { token: owner.token });
    assert.ok(!mine.body.items.some((p: { name: string }) => p.name === 'Imported'), 'no playlist was made');
  });

  test('a NUL in a path segment is a 400 naming the parameter', async () => {
    const r = await server.json('/v1/users/ab%00cd', { token: owner.token });
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, /user_id|id/);
  });
});

describe('live frames', () => {
  test('a version of 1e308 or a NUL op id is answered 400 naming the field; the socket stays', async () => {
    const id = await createPlaylist(server, owner, { name: 'Live' });
    const socket = await LiveSocket.open(server.url, owner.token);
    try {
      socket.send(`{"type":"subscribe","playlist_id":"${id}","version":1e308}`);
      const refused = await socket.next((f) => f.type === 'error');
      assert.equal(refused.status, 400);
      assert.match(refused.message, /version/);
      socket.send(
        `{"type":"edit","playlist_id":"${id}","client_op_id":"a\\u0000b","version":0,"edits":[{"type":"replace","trackIds":[]}]}`,
      );
      const nul = await socket.next((f) => f.type === 'error');
      assert.equal(nul.status, 400);
      assert.match(nul.message, /client_op_id/);
      socket.send({ type: 'ping' });
      await socket.next((f) => f.type === 'pong');
    } finally {
      socket.ws.close();
    }
  });
});

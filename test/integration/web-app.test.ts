import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { buildWebApp } from '../helpers/web.js';

describe('the server hosts the web player', () => {
  let server: TestServer;
  before(async () => {
    [server] = await Promise.all([startTestServer(), buildWebApp()]);
  });
  after(() => server?.close());

  it('serves the app at / and its hashed assets with long-lived caching', async () => {
    const page = await server.request('/');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    const html = await page.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(script, 'index.html loads a bundled script');
    const asset = await server.request(script);
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('content-type') ?? '', /javascript/);
    assert.match(asset.headers.get('cache-control') ?? '', /immutable/);
  });

  it('answers a browser navigating to an app route with the app, and API misses with a JSON 404', async () => {
    const page = await server.request('/album/abc', { headers: { Accept: 'text/html' } });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<div id="root">/);
    const api = await server.json('/v1/nothing-here', { headers: { Accept: 'text/html' } });
    assert.equal(api.status, 404);
    assert.match(api.body.error.message, /no route for GET \/v1\/nothing-here/);
    const missing = await server.request('/assets/nope.js');
    assert.equal(missing.status, 404);
    const outside = await server.request('/assets/..%2f..%2fpackage.json');
    assert.equal(outside.status, 404);
  });
});

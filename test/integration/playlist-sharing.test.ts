import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { insertCatalog } from '../helpers/catalog-fixtures.js';
import * as playlists from '../helpers/playlists.js';
import { type Account, jsonInit as json } from '../helpers/playlists.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let owner: Account;
let stranger: Account;
let tracks: Map<string, { track: string }>;

before(async () => {
  server = await startTestServer();
  const account = () => server.account();
  [owner, stranger] = await Promise.all([account(), account()]);
  tracks = await insertCatalog(server.services.database.db, [
    { name: 'Halo', artist: 'Beyoncé', album: 'I Am… Sasha Fierce' },
    { name: 'Jóga', artist: 'Björk', album: 'Homogenic' },
  ]);
});
after(() => server.close());

const id = (name: string) => tracks.get(name)!.track;
const createPlaylist = (as: Account, body?: Record<string, unknown>) => playlists.createPlaylist(server, as, body);
const appendTracks = async (pid: string, by: Account, names: string[]) =>
  assert.equal(await playlists.addTracks(server, pid, by, names.map(id)), 201);
const trackNames = (path: string, token?: string) => playlists.trackNames(server, path, token);

describe('share links', () => {
  test('read logged out while public; private or revoked links answer 404', async () => {
    const pid = await createPlaylist(owner, { name: 'Shared mix' });
    await appendTracks(pid, owner, ['Jóga']);
    assert.equal(
      (await server.json(`/v1/playlists/${pid}/share`, { method: 'POST', token: stranger.token })).status,
      403,
    );
    const share = () => server.json(`/v1/playlists/${pid}/share`, { method: 'POST', token: owner.token });
    // Asked twice at once, the owner gets one link, not two of which one is already dead.
    const [shared, twin] = await Promise.all([share(), share()]);
    assert.equal(shared.status, 200);
    assert.equal(twin.body.token, shared.body.token);
    assert.equal((await share()).body.url, shared.body.url);
    const path = new URL(shared.body.url).pathname;
    const loggedOut = await server.json(path);
    assert.equal(loggedOut.status, 200);
    assert.equal(loggedOut.body.name, 'Shared mix');
    assert.equal(loggedOut.body.tracks.items[0].track.name, 'Jóga');
    assert.deepEqual(await trackNames(`${path}/tracks`), ['Jóga']);

    await server.json(`/v1/playlists/${pid}`, json('PUT', { public: false }, owner.token));
    assert.equal((await server.json(path)).status, 404);
    const privateShare = await server.json(`/v1/playlists/${pid}/share`, { method: 'POST', token: owner.token });
    assert.equal(privateShare.status, 400);
    assert.match(privateShare.body.error.message, /public/);
    await server.json(`/v1/playlists/${pid}`, json('PUT', { public: true }, owner.token));
    assert.equal((await server.json(path)).status, 200);

    assert.equal(
      (await server.request(`/v1/playlists/${pid}/share`, { method: 'DELETE', token: owner.token })).status,
      204,
    );
    assert.equal((await server.json(path)).status, 404);
    assert.equal((await server.json('/v1/shared/playlists/not-a-real-token-at-all')).status, 404);
  });
});

describe('covers', () => {
  const jpeg = (w: number, h: number) =>
    sharp({ create: { width: w, height: h, channels: 3, background: '#cc3300' } })
      .jpeg()
      .toBuffer();

  test('a base64 JPEG body as Spotify sends it, or multipart, becomes three square renditions', async () => {
    const pid = await createPlaylist(owner);
    const put = await server.request(`/v1/playlists/${pid}/images`, {
      method: 'PUT',
      token: owner.token,
      headers: { 'Content-Type': 'image/jpeg' },
      body: (await jpeg(900, 700)).toString('base64'),
    });
    assert.equal(put.status, 202, await put.text());
    const images = await server.json(`/v1/playlists/${pid}/images`, { token: stranger.token });
    assert.deepEqual(
      images.body.map((i: { width: number }) => i.width),
      [640, 300, 64],
    );
    const large = await fetch(images.body[0].url);
    assert.equal(large.headers.get('content-type'), 'image/jpeg');
    const meta = await sharp(Buffer.from(await large.arrayBuffer())).metadata();
    assert.deepEqual([meta.width, meta.height], [640, 640]);
    const playlist = await server.json(`/v1/playlists/${pid}`, { token: owner.token });
    assert.equal(playlist.body.images[0].url, images.body[0].url);

    const form = new FormData();
    form.set(
      'image',
      new Blob([
        await sharp({ create: { width: 100, height: 100, channels: 3, background: '#00f' } })
          .png()
          .toBuffer(),
      ]),
      'c.png',
    );
    assert.equal(
      (await server.request(`/v1/playlists/${pid}/images`, { method: 'PUT', token: owner.token, body: form })).status,
      202,
    );
    const changed = await server.json(`/v1/playlists/${pid}/images`, { token: owner.token });
    assert.notEqual(changed.body[0].url, images.body[0].url);
    // A 100 px source is never enlarged: the 640 slot holds 100 px.
    const small = await sharp(Buffer.from(await (await fetch(changed.body[0].url)).arrayBuffer())).metadata();
    assert.equal(small.width, 100);
  });

  test('not an image → 400; not the owner → 403 or 404', async () => {
    const pid = await createPlaylist(owner);
    const put = (body: string, token = owner.token) =>
      server.json(`/v1/playlists/${pid}/images`, {
        method: 'PUT',
        token,
        headers: { 'Content-Type': 'image/jpeg' },
        body,
      });
    const notImage = await put(Buffer.from('this is not a picture').toString('base64'));
    assert.equal(notImage.status, 400);
    assert.match(notImage.body.error.message, /image/);
    assert.equal((await put('%%% not base64 %%%')).status, 400);
    assert.deepEqual((await server.json(`/v1/playlists/${pid}/images`, { token: owner.token })).body, []);
    const good = (await jpeg(50, 50)).toString('base64');
    assert.equal((await put(`data:image/jpeg;base64,${good}`)).status, 202);
    assert.equal((await server.json(`/v1/playlists/${pid}/images`, { token: owner.token })).body.length, 3);
    assert.equal((await put(good, stranger.token)).status, 403);
    await server.json(`/v1/playlists/${pid}`, json('PUT', { public: false }, owner.token));
    assert.equal((await put(good, stranger.token)).status, 404);
  });
});

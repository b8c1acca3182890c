import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, type TestContext, test } from 'node:test';
import { runImport } from '../../src/cli/import.js';
import { makeTone } from '../helpers/audio.js';
import { type ServeProcess, startServe } from '../helpers/cli.js';
import { eventually, startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Signed audio URLs of a withdrawn track stop working within moments, though the edge never asks the
 * database per request: a track deleted in the studio, an unpublished album, a file gone at re-import,
 * and the same through an edge running in a process of its own.
 */

// A liveness limit, not a latency target: the change normally lands within milliseconds.
const REFUSED_WITHIN_MS = 15_000;

let server: TestServer;
let scratch: string;
let tone: Buffer;
let artist: { token: string };
let listener: { token: string };

before(async () => {
  server = await startTestServer();
  scratch = await mkdtemp(join(tmpdir(), 'cadenza-revocation-'));
  tone = await readFile(await makeTone(join(scratch, 'tone.flac'), { seconds: 2 }));
  artist = await server.account({ role: 'artist' });
  listener = await server.account({ product: 'premium' });
});
after(async () => {
  await server.close();
  await rm(scratch, { recursive: true, force: true });
});

const post = (path: string) => server.json(path, { method: 'POST', token: artist.token });

/** A published album of ready tracks, uploaded through the studio; resolves to the track ids in order. */
async function publishedAlbum(name: string, titles: string[]): Promise<{ albumId: string; tracks: string[] }> {
  const created = await server.json('/v1/studio/albums', {
    method: 'POST',
    token: artist.token,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name, album_type: 'album', release_date: '2026-01-01' }),
  });
  assert.equal(created.status, 201);
  const albumId = created.body.id as string;
  for (const title of titles) {
    const form = new FormData();
    form.set('title', title);
    form.set('file', new Blob([tone]), `${title}.flac`);
    const uploaded = await server.json(`/v1/studio/albums/${albumId}/tracks`, {
      method: 'POST',
      body: form,
      token: artist.token,
    });
    assert.equal(uploaded.status, 202);
  }
  const ready = await eventually(
    async () => {
      const { body } = await server.json(`/v1/studio/albums/${albumId}`, { token: artist.token });
      return body.tracks.every((t: { status: string }) => t.status === 'ready') && body;
    },
    90_000,
    `${name} to be ready`,
  );
  assert.equal((await post(`/v1/studio/albums/${albumId}/publish`)).status, 200);
  return { albumId, tracks: ready.tracks.map((t: { id: string }) => t.id) };
}

/** A fresh signed URL of the track (its lowest rung), absolute against `origin`. */
async function streamUrl(trackId: string, origin = server.url): Promise<string> {
  const { status, body } = await server.json(`/v1/tracks/${trackId}/stream`, { token: listener.token });
  assert.equal(status, 200, `stream info of ${trackId}`);
  return origin + body.files[0].url;
}

/** The status of a 1 KB range request; the body is read so the connection can be reused. */
async function rangeStatus(url: string): Promise<number> {
  const res = await fetch(url, { headers: { Range: 'bytes=0-1023' } });
  await res.arrayBuffer();
  return res.status;
}

/** Polls until the URL is refused; says how long that took. */
async function refused(t: TestContext, url: string, what: string): Promise<void> {
  const began = performance.now();
  await eventually(async () => (await rangeStatus(url)) === 410, REFUSED_WITHIN_MS, `${what} to be refused`);
  t.diagnostic(
    `${what}: refused within ${Math.round(performance.now() - began)} ms of the change (polled every 100 ms)`,
  );
  const res = await fetch(url, { headers: { Range: 'bytes=0-1023' } });
  assert.equal(res.headers.get('cache-control'), 'no-store', 'a refusal is never cached');
  assert.deepEqual(await res.json(), { error: { status: 410, message: 'this track is no longer available' } });
}

describe('withdrawn tracks stop streaming', () => {
  let album: { albumId: string; tracks: string[] };
  let other: { albumId: string; tracks: string[] };

  before(async () => {
    album = await publishedAlbum('Withdrawn Things', ['One', 'Two']);
    other = await publishedAlbum('Still Here', ['Three']);
  });

  test('a track deleted in the studio: its URL is refused, the album’s other track plays on', async (t) => {
    const [one, two] = album.tracks as [string, string];
    const [urlOne, urlTwo] = [await streamUrl(one), await streamUrl(two)];
    assert.equal(await rangeStatus(urlOne), 206);
    assert.equal(await rangeStatus(urlTwo), 206);

    const deleted = await server.json(`/v1/studio/tracks/${one}`, { method: 'DELETE', token: artist.token });
    assert.ok(deleted.status < 300, `delete answered ${deleted.status}`);
    await refused(t, urlOne, 'a deleted track');
    assert.equal(await rangeStatus(urlTwo), 206);
  });

  test('an unpublished album: its URLs are refused, other albums play on; published again, new URLs play', async (t) => {
    const two = album.tracks[1]!;
    const [urlTwo, urlThree] = [await streamUrl(two), await streamUrl(other.tracks[0]!)];
    assert.equal(await rangeStatus(urlTwo), 206);

    assert.equal((await post(`/v1/studio/albums/${album.albumId}/unpublish`)).status, 200);
    await refused(t, urlTwo, 'a track of an unpublished album');
    assert.equal(await rangeStatus(urlThree), 206);
    assert.equal((await server.json(`/v1/tracks/${two}/stream`, { token: listener.token })).status, 404);

    assert.equal((await post(`/v1/studio/albums/${album.albumId}/publish`)).status, 200);
    const fresh = await streamUrl(two);
    await eventually(async () => (await rangeStatus(fresh)) === 206, REFUSED_WITHIN_MS, 'the new URL to play');
  });

  test('a file removed before a re-import: its track is retired and its URL refused', async (t) => {
    const music = join(scratch, 'library');
    await mkdir(music);
    await makeTone(join(music, 'kept.flac'), { seconds: 2, tags: { title: 'Kept', artist: 'Importer', album: 'Lib' } });
    await makeTone(join(music, 'gone.flac'), { seconds: 2, tags: { title: 'Gone', artist: 'Importer', album: 'Lib' } });
    const first = await runImport(server.services, music, { json: true, transcode: 'eager' });
    const id = (title: string) => first.tracks.find((x) => x.title === title)!.id;
    const [urlKept, urlGone] = [await streamUrl(id('Kept')), await streamUrl(id('Gone'))];
    assert.equal(await rangeStatus(urlGone), 206);

    await unlink(join(music, 'gone.flac'));
    await runImport(server.services, music, { json: true, transcode: 'eager' });
    await refused(t, urlGone, 'a track retired by a re-import');
    assert.equal(await rangeStatus(urlKept), 206);
  });
});

describe('an edge in a process of its own (CADENZA_ROLES=edge, only DATABASE_URL shared)', () => {
  let edge: ServeProcess;

  before(async () => {
    // Same database and data folder (media files and the generated signing key) as the API's server.
    edge = await startServe({
      DATABASE_URL: server.services.config.databaseUrl!,
      CADENZA_DATA_DIR: server.dataDir,
      CADENZA_ROLES: 'edge',
    });
  });
  after(async () => {
    edge.child.kill('SIGTERM');
    await edge.done;
  });

  test('refuses a withdrawn track within moments, serves it again once re-published', async (t) => {
    const { albumId, tracks } = await publishedAlbum('Far Away', ['Four']);
    const url = await streamUrl(tracks[0]!, edge.url);
    assert.equal(await rangeStatus(url), 206);

    assert.equal((await post(`/v1/studio/albums/${albumId}/unpublish`)).status, 200);
    await refused(t, url, 'an unpublished track at a separate edge');

    assert.equal((await post(`/v1/studio/albums/${albumId}/publish`)).status, 200);
    const fresh = await streamUrl(tracks[0]!, edge.url);
    await eventually(async () => (await rangeStatus(fresh)) === 206, REFUSED_WITHIN_MS, 'the edge to serve it again');
  });
});

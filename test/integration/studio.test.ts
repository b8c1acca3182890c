import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { makeTone } from '../helpers/audio.js';
import { eventually, startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let scratch: string;
let artist: { token: string; id: string };
let listener: { token: string };
let tone: Buffer;

before(async () => {
  server = await startTestServer({ maxUploadBytes: 2 * 1024 * 1024 });
  scratch = await mkdtemp(join(tmpdir(), 'cadenza-studio-'));
  tone = await readFile(await makeTone(join(scratch, 'tone.flac'), { seconds: 3 }));
  artist = await server.account({ role: 'artist' });
  listener = await server.account({ product: 'premium' });
});
after(async () => {
  await server.close();
  await rm(scratch, { recursive: true, force: true });
});

const jsonBody = (method: string, body: unknown, token: string) => ({
  method,
  token,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});

function upload(
  albumId: string,
  bytes: Buffer,
  fileName: string,
  fields: Record<string, string>,
  token = artist.token,
) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  form.set('file', new Blob([bytes]), fileName);
  return server.json(`/v1/studio/albums/${albumId}/tracks`, { method: 'POST', body: form, token });
}

async function newAlbum(name = 'First Light') {
  const r = await server.json(
    '/v1/studio/albums',
    jsonBody('POST', { name, album_type: 'single', release_date: '2026-11-01' }, artist.token),
  );
  assert.equal(r.status, 201);
  return r.body.id as string;
}

describe('artist studio', () => {
  test('upload, order, artwork, publish: listeners see it only once published and ready', async () => {
    const albumId = await newAlbum();
    assert.equal((await upload(albumId, tone, 'b.flac', { title: 'Second' })).status, 202);
    const first = await upload(albumId, tone, 'a.flac', { title: 'First', position: '0', explicit: 'true' });
    assert.deepEqual(
      first.body.tracks.map((t: { name: string }) => t.name),
      ['First', 'Second'],
    );

    const art = await sharp({ create: { width: 500, height: 500, channels: 3, background: '#123456' } })
      .png()
      .toBuffer();
    const form = new FormData();
    form.set('file', new Blob([art]), 'cover.png');
    const withArt = await server.json(`/v1/studio/albums/${albumId}/image`, {
      method: 'PUT',
      body: form,
      token: artist.token,
    });
    assert.equal(withArt.status, 200);
    assert.equal(withArt.body.images.length, 3);

    const ready = await eventually(
      async () => {
        const { body } = await server.json(`/v1/studio/albums/${albumId}`, { token: artist.token });
        // A track turns ready as its job's last step, just before the job is marked done.
        return (
          body.tracks.every(
            (t: { status: string; job: { state: string } }) => t.status === 'ready' && t.job.state === 'done',
          ) && body
        );
      },
      60_000,
      'tracks to be ready and their jobs done',
    );

    // Still a draft: invisible to listeners.
    assert.equal((await server.json(`/v1/albums/${albumId}`, { token: listener.token })).status, 404);
    const trackId = ready.tracks[0].id;
    assert.equal((await server.json(`/v1/tracks/${trackId}/stream`, { token: listener.token })).status, 404);

    const reordered = await server.json(
      `/v1/studio/albums/${albumId}/tracks`,
      jsonBody('PUT', { track_ids: [ready.tracks[1].id, ready.tracks[0].id] }, artist.token),
    );
    assert.deepEqual(
      reordered.body.tracks.map((t: { name: string }) => t.name),
      ['Second', 'First'],
    );

    assert.equal(
      (await server.json(`/v1/studio/albums/${albumId}/publish`, { method: 'POST', token: artist.token })).status,
      200,
    );
    const album = await server.json(`/v1/albums/${albumId}`, { token: listener.token });
    assert.equal(album.status, 200);
    assert.deepEqual(
      album.body.tracks.items.map((t: { name: string }) => t.name),
      ['Second', 'First'],
    );
    assert.equal(album.body.tracks.items[1].explicit, true);
    assert.equal((await server.json(`/v1/tracks/${trackId}/stream`, { token: listener.token })).status, 200);

    await server.json(`/v1/studio/albums/${albumId}/unpublish`, { method: 'POST', token: artist.token });
    assert.equal((await server.json(`/v1/albums/${albumId}`, { token: listener.token })).status, 404);
  });

  test('another artist cannot see a draft or change a published album; listeners cannot use the studio', async () => {
    const albumId = await newAlbum('Mine');
    const other = await server.account({ role: 'artist' });
    assert.equal((await server.json(`/v1/studio/albums/${albumId}`, { token: other.token })).status, 404);
    assert.equal((await upload(albumId, tone, 'x.flac', {}, other.token)).status, 404);
    await upload(albumId, tone, 'x.flac', { title: 'Mine' });
    await eventually(async () => {
      const { body } = await server.json(`/v1/studio/albums/${albumId}`, { token: artist.token });
      return body.tracks[0].status === 'ready';
    });
    await server.json(`/v1/studio/albums/${albumId}/publish`, { method: 'POST', token: artist.token });
    const edit = await server.json(`/v1/studio/albums/${albumId}`, jsonBody('PATCH', { name: 'Stolen' }, other.token));
    assert.equal(edit.status, 403);
    assert.equal(
      (await server.json(`/v1/studio/albums/${albumId}/unpublish`, { method: 'POST', token: other.token })).status,
      403,
    );
    assert.equal((await server.json('/v1/studio/albums', { token: listener.token })).status, 403);
  });

  test('bad uploads are refused or fail with a reason, and nothing becomes visible', async () => {
    const albumId = await newAlbum('Trouble');
    const empty = await upload(albumId, Buffer.alloc(0), 'empty.flac', {});
    assert.equal(empty.status, 400);
    assert.match(empty.body.error.message, /empty/);
    const text = await upload(albumId, Buffer.from('hello'), 'notes.txt', {});
    assert.equal(text.status, 400);
    assert.match(text.body.error.message, /not a supported audio format/);
    const huge = await upload(albumId, Buffer.alloc(3 * 1024 * 1024, 1), 'huge.flac', {});
    assert.equal(huge.status, 413);
    const unknown = await upload(albumId, tone, 'a.flac', { colour: 'blue' });
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.error.message, /colour/);

    const fake = await upload(albumId, Buffer.from('not audio at all '.repeat(100)), 'fake.mp3', { title: 'Fake' });
    assert.equal(fake.status, 202);
    const failed = await eventually(async () => {
      const { body } = await server.json(`/v1/studio/albums/${albumId}`, { token: artist.token });
      // The track is marked failed just before the job's own failure is recorded.
      return body.tracks[0].status === 'failed' && body.tracks[0].job.state === 'failed' && body.tracks[0];
    });
    assert.match(failed.failure_reason, /not a readable audio file/);
    assert.match(failed.job.last_error, /not a readable audio file/);
    const publish = await server.json(`/v1/studio/albums/${albumId}/publish`, { method: 'POST', token: artist.token });
    assert.equal(publish.status, 400);

    const badJson = await server.json('/v1/studio/albums', {
      method: 'POST',
      token: artist.token,
      headers: { 'Content-Type': 'application/json' },
      body: '{',
    });
    assert.equal(badJson.status, 400);
    const badField = await server.json(
      '/v1/studio/albums',
      jsonBody('POST', { name: 'X', genre: 'rock' }, artist.token),
    );
    assert.equal(badField.status, 400);
    assert.match(badField.body.error.message, /genre/);
    const badDate = await server.json(
      '/v1/studio/albums',
      jsonBody('POST', { name: 'X', release_date: 'yesterday' }, artist.token),
    );
    assert.equal(badDate.status, 400);
    assert.match(badDate.body.error.message, /release_date/);
  });

  test('clears a release date (and label, UPC) with null; leaving a field out keeps it', async () => {
    const albumId = await newAlbum('Undated');
    const path = `/v1/studio/albums/${albumId}`;
    const set = await server.json(path, jsonBody('PATCH', { label: 'Self', upc: '123456789012' }, artist.token));
    assert.equal(set.status, 200);
    const renamed = await server.json(path, jsonBody('PATCH', { name: 'Still Dated' }, artist.token));
    assert.equal(renamed.body.release_date, '2026-11-01', 'a field left out is kept');
    const cleared = await server.json(
      path,
      jsonBody('PATCH', { release_date: null, label: null, upc: null }, artist.token),
    );
    assert.equal(cleared.status, 200, JSON.stringify(cleared.body));
    assert.equal(cleared.body.release_date, null);
    assert.equal(cleared.body.label, null);
    assert.equal(cleared.body.upc, null);
    assert.equal((await server.json(path, { token: artist.token })).body.release_date, null, 'as stored');
    const created = await server.json(
      '/v1/studio/albums',
      jsonBody('POST', { name: 'No Date Yet', release_date: null }, artist.token),
    );
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.release_date, null);
  });
});

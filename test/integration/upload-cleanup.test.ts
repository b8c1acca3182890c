import assert from 'node:assert/strict';
import { access, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeTone } from '../helpers/audio.js';
import { multipartBody, multipartType, type Part } from '../helpers/multipart-body.js';
import { rawRequest } from '../helpers/raw-http.js';
import { eventually, startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Uploaded sources are kept only while they can still become a track: a refused upload leaves nothing
 * under the data folder's sources, a failed ingest removes its source once the failure is final (the
 * reason stays for the studio), and a track that was ingested keeps its source.
 */

let server: TestServer;
let scratch: string;
let artist: { token: string };
let tone: Buffer;

before(async () => {
  server = await startTestServer({ maxUploadBytes: 2 * 1024 * 1024 });
  scratch = await mkdtemp(join(tmpdir(), 'cadenza-cleanup-'));
  tone = await readFile(await makeTone(join(scratch, 'tone.flac'), { seconds: 2 }));
  artist = await server.account({ role: 'artist' });
});
after(async () => {
  await server.close();
  await rm(scratch, { recursive: true, force: true });
});

const sources = () => join(server.dataDir, 'media', 'sources');
const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

async function newAlbum(name: string): Promise<string> {
  const r = await server.json('/v1/studio/albums', {
    method: 'POST',
    token: artist.token,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  assert.equal(r.status, 201);
  return r.body.id;
}

function upload(albumId: string, parts: Part[]) {
  return rawRequest(server.url, {
    method: 'POST',
    path: `/v1/studio/albums/${albumId}/tracks`,
    token: artist.token,
    headers: { 'Content-Type': multipartType() },
    body: multipartBody(parts),
  });
}

/** What is under sources besides the temporary folder, and what is left in that folder. */
async function leftovers(): Promise<string[]> {
  const top = (await readdir(sources()).catch(() => [])).filter((name) => name !== '.incoming');
  const incoming = await readdir(join(sources(), '.incoming')).catch(() => []);
  return [...top, ...incoming.map((name) => `.incoming/${name}`)];
}

async function studioTrack(albumId: string, trackId: string) {
  const { body } = await server.json(`/v1/studio/albums/${albumId}`, { token: artist.token });
  return body.tracks.find((t: { id: string }) => t.id === trackId);
}

describe('upload sources', () => {
  test('an upload refused for its fields leaves no source behind, whether the fields come before or after the file', async () => {
    const albumId = await newAlbum('Refused');
    const file: Part = { name: 'file', value: tone, fileName: 'tone.flac' };
    const bad: [Part, string][] = [
      [{ name: 'title', value: 'Nul\u0000Title' }, 'title'],
      [{ name: 'artists', value: 'Guest\u0000Artist' }, 'artists'],
      [{ name: 'isrc', value: 'XX' }, 'isrc'],
      [{ name: 'position', value: '7' }, 'position'],
      [{ name: 'position', value: 'first' }, 'position'],
      [{ name: 'colour', value: 'blue' }, 'colour'],
    ];
    for (const [field, name] of bad) {
      for (const parts of [
        [field, file],
        [file, field],
      ]) {
        const res = await upload(albumId, parts);
        assert.equal(res.status, 400, `${name}: ${res.text}`);
        assert.match(res.json().error.message, new RegExp(name));
      }
    }
    const nulName = await upload(albumId, [{ ...file, fileName: 'to\u0000ne.flac' }]);
    assert.equal(nulName.status, 400, nulName.text);
    const notAudio = await upload(albumId, [{ ...file, fileName: 'tone.txt' }]);
    assert.equal(notAudio.status, 400, notAudio.text);

    assert.deepEqual(await leftovers(), []);
    const { body } = await server.json(`/v1/studio/albums/${albumId}`, { token: artist.token });
    assert.equal(body.tracks.length, 0, 'no track was created either');
  });

  test('a corrupt upload that fails for good has its source removed, and the studio still shows why', async () => {
    const albumId = await newAlbum('Corrupt');
    const res = await upload(albumId, [
      { name: 'title', value: 'Corrupt' },
      { name: 'file', value: Buffer.from('not audio at all '.repeat(200)), fileName: 'corrupt.mp3' },
    ]);
    assert.equal(res.status, 202, res.text);
    const trackId = res.json().tracks[0].id as string;

    const failed = await eventually(
      async () => {
        const track = await studioTrack(albumId, trackId);
        return track?.job?.state === 'failed' && track;
      },
      60_000,
      'the ingest job to fail',
    );
    assert.equal(failed.status, 'failed');
    assert.match(failed.failure_reason, /not a readable audio file/);
    assert.equal(await exists(join(sources(), trackId)), false, 'the source folder is gone');
  });

  test('a track that was ingested keeps its source', async () => {
    const albumId = await newAlbum('Kept');
    const res = await upload(albumId, [{ name: 'file', value: tone, fileName: 'kept.flac' }]);
    assert.equal(res.status, 202, res.text);
    const trackId = res.json().tracks[0].id as string;
    await eventually(
      async () => {
        const track = await studioTrack(albumId, trackId);
        return track?.status === 'ready' && track.job?.state === 'done';
      },
      60_000,
      'the track to be ready',
    );
    assert.deepEqual(await readdir(join(sources(), trackId)), ['source.flac']);
  });
});

describe('parallel uploads', () => {
  test('uploads to one album while earlier ones finish ingesting are all accepted and all end', async () => {
    const albumId = await newAlbum('Busy');
    const corrupt = Buffer.from('not audio at all '.repeat(200));
    // Corrupt files fail within moments, so their jobs mark tracks failed while later uploads still
    // renumber the album's tracks: the two must not deadlock (each used to lock album and track in
    // the opposite order).
    const statuses: number[] = [];
    for (let wave = 0; wave < 3; wave++) {
      const answers = await Promise.all(
        Array.from({ length: 4 }, (_, i) =>
          upload(albumId, [
            { name: 'file', value: i === 0 ? tone : corrupt, fileName: i === 0 ? 'ok.flac' : 'bad.mp3' },
          ]),
        ),
      );
      statuses.push(...answers.map((a) => a.status));
    }
    assert.deepEqual(statuses, Array(12).fill(202));
    await eventually(
      async () => {
        const { body } = await server.json(`/v1/studio/albums/${albumId}`, { token: artist.token });
        return body.tracks.length === 12 && body.tracks.every((t: { status: string }) => t.status !== 'processing');
      },
      120_000,
      'every upload to be ingested or failed',
    );
  });
});

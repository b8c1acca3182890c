import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runImport } from '../../src/cli/import.js';
import { audioKey } from '../../src/core/ingest/ladder.js';
import type { Quality } from '../../src/ports/transcoder.js';
import { makeTone } from '../helpers/audio.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let music: string;
let flacTrack: string;
let mp3Track: string;

interface Grant {
  track_id: string;
  files: { quality: string; mime_type: string; bitrate: number; url: string; expires_at: string }[];
  normalization_gain_db: number;
}

before(async () => {
  server = await startTestServer();
  music = await mkdtemp(join(tmpdir(), 'cadenza-stream-'));
  await makeTone(join(music, 'lossless.flac'), {
    seconds: 4,
    tags: { title: 'Lossless', artist: 'Grace', album: 'Tiers' },
  });
  await makeTone(join(music, 'lossy.mp3'), { seconds: 4, tags: { title: 'Lossy', artist: 'Grace', album: 'Tiers' } });
  const report = await runImport(server.services, music, { json: true, transcode: 'eager' });
  flacTrack = report.tracks.find((t) => t.title === 'Lossless')!.id;
  mp3Track = report.tracks.find((t) => t.title === 'Lossy')!.id;
});
after(async () => {
  await server.close();
  await rm(music, { recursive: true, force: true });
});

async function grant(token: string, trackId: string) {
  return server.json<Grant>(`/v1/tracks/${trackId}/stream`, { token });
}

describe('entitlements', () => {
  test('free listeners get every quality up to 160 kbps and nothing above', async () => {
    const { token } = await server.account({ product: 'free' });
    const { status, body } = await grant(token, flacTrack);
    assert.equal(status, 200);
    assert.deepEqual(body.files.map((f) => f.quality).sort(), ['aac_128', 'vorbis_160', 'vorbis_24', 'vorbis_96']);
    assert.ok(body.files.every((f) => f.bitrate <= 160_000));
  });

  test('premium listeners get every rung, FLAC only where the source is lossless', async () => {
    const { token } = await server.account({ product: 'premium' });
    const lossless = await grant(token, flacTrack);
    assert.deepEqual(lossless.body.files.map((f) => f.quality).sort(), [
      'aac_128',
      'aac_256',
      'flac',
      'vorbis_160',
      'vorbis_24',
      'vorbis_320',
      'vorbis_96',
    ]);
    const lossy = await grant(token, mp3Track);
    assert.ok(!lossy.body.files.some((f) => f.quality === 'flac'));
    assert.equal(lossy.body.files.length, 6);
    assert.equal(typeof lossy.body.normalization_gain_db, 'number');
    assert.ok(lossy.body.normalization_gain_db !== 0, 'a -6 dBFS sine needs a gain to reach the target');
  });

  test('a URL serves the exact file bytes by range, without an Authorization header', async () => {
    const { token } = await server.account({ product: 'premium' });
    const { body } = await grant(token, flacTrack);
    const file = body.files.find((f) => f.quality === 'vorbis_160')!;
    const version = file.url.split('/')[3]!;
    const onDisk = await readFile(
      join(server.services.paths.audio, audioKey(flacTrack, version, file.quality as Quality)),
    );
    const res = await fetch(server.url + file.url, { headers: { Range: 'bytes=100-1099' } });
    assert.equal(res.status, 206);
    assert.equal(res.headers.get('content-type'), 'audio/ogg');
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), onDisk.subarray(100, 1100));
    assert.ok(Date.parse(file.expires_at) > Date.now() + 3000_000);
  });

  test('a free listener cannot turn a 160 kbps URL into a 320 kbps one', async () => {
    const { token } = await server.account({ product: 'free' });
    const { body } = await grant(token, flacTrack);
    const url = body.files.find((f) => f.quality === 'vorbis_160')!.url.replace('vorbis_160', 'vorbis_320');
    assert.equal((await fetch(server.url + url)).status, 403);
  });

  test('tracks outside the listener’s market are the same 404 as unknown ones', async () => {
    const { token } = await server.account({ product: 'premium', country: 'DE' });
    const db = server.services.database.db;
    const { album_id } = await db
      .selectFrom('tracks')
      .select('album_id')
      .where('id', '=', mp3Track)
      .executeTakeFirstOrThrow();
    await db
      .updateTable('albums')
      .set({ available_markets: ['SE', 'NO'] })
      .where('id', '=', album_id)
      .execute();
    try {
      const blocked = await grant(token, mp3Track);
      const unknown = await grant(token, '0000000000000000000000');
      assert.equal(blocked.status, 404);
      assert.deepEqual(blocked.body, unknown.body);
      const { token: swedish } = await server.account({ product: 'premium', country: 'SE' });
      assert.equal((await grant(swedish, mp3Track)).status, 200);
    } finally {
      await db.updateTable('albums').set({ available_markets: null }).where('id', '=', album_id).execute();
    }
  });

  test('unpublished tracks cannot be streamed or read', async () => {
    const { token } = await server.account({ product: 'premium' });
    const db = server.services.database.db;
    const { album_id } = await db
      .selectFrom('tracks')
      .select('album_id')
      .where('id', '=', flacTrack)
      .executeTakeFirstOrThrow();
    await db.updateTable('albums').set({ status: 'draft' }).where('id', '=', album_id).execute();
    try {
      assert.equal((await grant(token, flacTrack)).status, 404);
      assert.equal((await server.json(`/v1/tracks/${flacTrack}`, { token })).status, 404);
    } finally {
      await db.updateTable('albums').set({ status: 'published' }).where('id', '=', album_id).execute();
    }
  });

  test('the playback request needs a signed-in listener', async () => {
    assert.equal((await server.json(`/v1/tracks/${flacTrack}/stream`)).status, 401);
  });
});

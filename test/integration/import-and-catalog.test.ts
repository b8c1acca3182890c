import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type ImportReport, runImport } from '../../src/cli/import.js';
import { makeTone } from '../helpers/audio.js';
import { makeLibrary } from '../helpers/library.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let music: string;
let report: ImportReport;
let token: string;

const byTitle = (title: string) => report.tracks.find((t) => t.title === title)!;

before(async () => {
  server = await startTestServer();
  music = await mkdtemp(join(tmpdir(), 'cadenza-music-'));
  await makeLibrary(music);
  report = await runImport(server.services, music, { json: true, transcode: 'eager' });
  token = (await server.account({ product: 'premium' })).token;
});
after(async () => {
  await server.close();
  await rm(music, { recursive: true, force: true });
});

describe('cadenza import', () => {
  test('imports every good file and reports each bad one with its reason', () => {
    assert.deepEqual(report.tracks.map((t) => t.title.slice(0, 10)).sort(), [
      'Difference',
      'Long lalal',
      'Night',
      'Opening',
    ]);
    const huge = report.tracks.find((t) => t.title.startsWith('Long'))!;
    assert.equal(huge.title.length, 500, 'an enormous tag is capped, not refused');
    const reasons = Object.fromEntries(report.failed.map((f) => [f.path.split('/').pop(), f.reason]));
    assert.deepEqual(Object.keys(reasons).sort(), ['empty.mp3', 'mislabelled.mp3', 'notes.mp3', 'truncated.flac']);
    assert.match(reasons['empty.mp3']!, /empty/);
    assert.match(reasons['mislabelled.mp3']!, /extension \.mp3 does not match/);
    assert.match(reasons['truncated.flac']!, /truncated|corrupt|not a readable/);
    assert.match(
      reasons['notes.mp3']!,
      /not a readable audio file|tags could not be read|audio header could not be read/,
    );
  });

  test('groups tracks into albums by album artist, in track order, with tags and sidecar artwork', async () => {
    const { body: track } = await server.json(`/v1/tracks/${byTitle('Opening').id}`, { token });
    assert.equal(track.type, 'track');
    assert.equal(track.artists[0].name, 'Ada Lovelace');
    assert.equal(track.album.name, 'Engines');
    assert.equal(track.album.release_date, '2021-05-04');
    assert.equal(track.album.release_date_precision, 'day');
    assert.ok(Math.abs(track.duration_ms - 4000) < 100, `duration ${track.duration_ms}`);
    const { body: album } = await server.json(`/v1/albums/${track.album.id}`, { token });
    assert.deepEqual(
      album.tracks.items.map((t: { name: string }) => t.name),
      ['Opening', 'Difference'],
    );
    assert.equal(album.total_tracks, 2);
    assert.deepEqual(
      album.images.map((i: { width: number }) => i.width),
      [640, 300, 64],
    );
    const image = await fetch(album.images[1].url);
    assert.equal(image.status, 200);
    assert.equal(image.headers.get('content-type'), 'image/jpeg');
  });

  test('a compilation track goes to a Various Artists compilation', async () => {
    const { body } = await server.json(`/v1/tracks/${byTitle('Night').id}`, { token });
    assert.equal(body.album.album_type, 'compilation');
    assert.equal(body.album.artists[0].name, 'Various Artists');
    assert.equal(body.artists[0].name, 'Charles Babbage');
  });

  test('artist reads: the artist, albums with paging, top tracks', async () => {
    const { body: track } = await server.json(`/v1/tracks/${byTitle('Opening').id}`, { token });
    const artistId = track.artists[0].id;
    const { body: artist } = await server.json(`/v1/artists/${artistId}`, { token });
    assert.equal(artist.name, 'Ada Lovelace');
    assert.equal(artist.uri, `cadenza:artist:${artistId}`);
    const { body: albums } = await server.json(`/v1/artists/${artistId}/albums?limit=1`, { token });
    assert.equal(albums.total, 1);
    assert.equal(albums.next, null);
    assert.equal(albums.items[0].name, 'Engines');
    const { body: top } = await server.json(`/v1/artists/${artistId}/top-tracks`, { token });
    assert.deepEqual(top.tracks.map((t: { name: string }) => t.name).sort(), ['Difference', 'Opening']);
  });

  test('several tracks at once keep their order, with null for unknown ids', async () => {
    const ids = [byTitle('Night').id, '0000000000000000000000', byTitle('Opening').id];
    const { body } = await server.json(`/v1/tracks?ids=${ids.join(',')}`, { token });
    assert.deepEqual(
      body.tracks.map((t: { name: string } | null) => t?.name ?? null),
      ['Night', null, 'Opening'],
    );
  });

  test('album tracks page with next and previous links', async () => {
    const { body: track } = await server.json(`/v1/tracks/${byTitle('Opening').id}`, { token });
    const { body: page } = await server.json(`/v1/albums/${track.album.id}/tracks?limit=1&offset=1`, { token });
    assert.equal(page.total, 2);
    assert.equal(page.items[0].name, 'Difference');
    assert.equal(page.next, null);
    assert.match(page.previous, /offset=0&limit=1$/);
  });

  test('bad ids and paging are clear 400s; unknown ids 404', async () => {
    assert.equal((await server.json('/v1/tracks/not-an-id', { token })).status, 400);
    assert.equal((await server.json('/v1/tracks/0000000000000000000000', { token })).status, 404);
    const tooMany = await server.json(`/v1/albums/${'0'.repeat(22)}/tracks?limit=51`, { token });
    assert.equal(tooMany.status, 400);
    assert.match(tooMany.body.error.message, /limit/);
    const negative = await server.json(`/v1/albums/${'0'.repeat(22)}/tracks?offset=-1`, { token });
    assert.equal(negative.status, 400);
    assert.match(negative.body.error.message, /offset/);
  });
});

async function mediaVersion(trackId: string) {
  const db = server.services.database.db;
  return (await db.selectFrom('tracks').select('media_version').where('id', '=', trackId).executeTakeFirstOrThrow())
    .media_version;
}

describe('re-import is incremental', () => {
  test('unchanged files are skipped, a changed file is re-ingested, a removed one retired', async () => {
    const again = await server.services.importer.scan(music);
    assert.equal(again.added + again.changed, 0);
    assert.equal(again.unchanged, 8);

    const opening = byTitle('Opening');
    const before = await mediaVersion(opening.id);
    await makeTone(opening.path, {
      seconds: 5,
      frequency: 880,
      tags: {
        title: 'Opening (Remaster)',
        artist: 'Ada Lovelace',
        album_artist: 'Ada Lovelace',
        album: 'Engines',
        track: '1',
      },
    });
    const later = new Date(Date.now() + 5000);
    await utimes(opening.path, later, later);
    await rm(byTitle('Night').path);

    const second = await runImport(server.services, music, { json: true });
    assert.equal(second.tracks.find((t) => t.path === opening.path)?.id, opening.id, 'same track id after a change');
    const { body } = await server.json(`/v1/tracks/${opening.id}`, { token });
    assert.equal(body.name, 'Opening (Remaster)');
    assert.ok(Math.abs(body.duration_ms - 5000) < 100);
    const after = await mediaVersion(opening.id);
    assert.notEqual(after, before);
    assert.equal((await server.json(`/v1/tracks/${byTitle('Night').id}`, { token })).status, 404);
    const count = await server.services.database.db
      .selectFrom('tracks')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'ready')
      .executeTakeFirstOrThrow();
    assert.equal(Number(count.n), 3);
    assert.ok((await stat(opening.path)).size > 0);
  });
});

describe('paging past the end', () => {
  test('keeps the true total and a previous link', async () => {
    const { body } = await server.json('/v1/browse/new-releases?offset=40&limit=10', { token });
    assert.equal(body.albums.items.length, 0);
    assert.ok(body.albums.total >= 1);
    assert.equal(body.albums.next, null);
    assert.match(body.albums.previous, /offset=30&limit=10$/);
  });
});

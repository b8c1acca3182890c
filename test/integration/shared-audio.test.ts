import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { type ImportReport, runImport } from '../../src/cli/import.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

// Real files in every format from ../shared/data/audio; skipped where that folder is absent.
const SHARED = resolve(import.meta.dirname, '../../../shared/data/audio');
const present = existsSync(SHARED);

let server: TestServer;
let report: ImportReport;
let token: string;

before(async () => {
  if (!present) return;
  server = await startTestServer();
  report = await runImport(server.services, SHARED, { json: true, transcode: 'eager' });
  token = (await server.account({ product: 'premium' })).token;
});
after(async () => {
  if (present) await server.close();
});

const name = (path: string) => path.slice(SHARED.length + 1);

test('every real file imports, or fails with a reason that is true of it', {
  skip: !present && 'no ../shared/data',
}, () => {
  const ok = report.tracks.map((t) => name(t.path)).sort();
  for (const ext of ['aac', 'flac', 'm4a', 'mp3', 'ogg', 'opus', 'wav', 'amr']) {
    assert.ok(
      ok.some((p) => p.startsWith('galway-cc-by/') && p.endsWith(`.${ext}`)),
      `galway .${ext} imported`,
    );
  }
  for (const ext of ['aiff', 'flac', 'm4a', 'mp3', 'ogg', 'opus', 'wav', 'wma', 'wv']) {
    assert.ok(ok.includes(`tagged-fixtures/test.${ext}`), `tagged-fixtures/test.${ext} imported`);
  }
  // The LibriVox audiobook is truncated but its header promises many hours: refused as too long.
  const failures = Object.fromEntries(report.failed.map((f) => [name(f.path), f.reason]));
  for (const [path, reason] of Object.entries(failures)) {
    assert.match(path, /^misc\//, `${path} failed: ${reason}`);
  }
});

test('tags, album grouping and embedded artwork are read', { skip: !present && 'no ../shared/data' }, async () => {
  const flac = report.tracks.find((t) => name(t.path) === 'tagged-fixtures/test.flac')!;
  const { body: track } = await server.json(`/v1/tracks/${flac.id}`, { token });
  assert.equal(track.name, 'Title');
  assert.equal(track.artists[0].name, 'Artist');
  assert.equal(track.track_number, 3);
  assert.equal(track.disc_number, 1);
  assert.equal(track.album.name, 'Album');
  assert.equal(track.album.album_type, 'compilation');
  assert.equal(track.album.artists[0].name, 'Album Artist');
  assert.equal(track.album.release_date, '2014');
  assert.equal(track.album.images.length, 3, 'embedded cover art became album artwork');
  const art = await fetch(track.album.images[2].url);
  assert.equal(art.status, 200);

  // All nine tagged fixtures are one album by one album artist. Eight are one recording in eight
  // formats, so one track (played from the best copy); the MP3 is tagged as another song.
  const { body: album } = await server.json(`/v1/albums/${track.album.id}`, { token });
  const tagged = report.tracks.filter((t) => name(t.path).startsWith('tagged-fixtures/'));
  assert.equal(tagged.length, 9);
  assert.equal(new Set(tagged.map((t) => t.id)).size, 2);
  assert.equal(album.total_tracks, 2);

  const galway = report.tracks.find((t) => name(t.path) === 'galway-cc-by/gs-16b-2c-44100hz.mp3')!;
  const { body: g } = await server.json(`/v1/tracks/${galway.id}`, { token });
  assert.equal(g.name, 'Galway');
  assert.equal(g.artists[0].name, 'Kevin MacLeod');
  assert.ok(Math.abs(g.duration_ms - 16_000) < 1500, `duration ${g.duration_ms}`);
});

test('every imported file streams at its ladder', { skip: !present && 'no ../shared/data' }, async () => {
  for (const t of report.tracks) {
    const { status, body } = await server.json(`/v1/tracks/${t.id}/stream`, { token });
    assert.equal(status, 200, name(t.path));
    assert.ok(body.files.length >= 6, `${name(t.path)} has ${body.files.length} rungs`);
  }
});

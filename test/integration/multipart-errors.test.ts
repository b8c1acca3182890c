import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { BOUNDARY, multipartBody, multipartType, type Part } from '../helpers/multipart-body.js';
import { rawRequest } from '../helpers/raw-http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Every multipart route answers a broken form with 400 (malformed) or 413 (too large, too many parts)
 * in Spotify's error shape, naming the part at fault or `body` — never a 500, never a hang.
 */

const UPLOAD_LIMIT = 256 * 1024;

let server: TestServer;
let artist: { token: string; id: string };
let albumId: string;
let playlistId: string;
let png: Buffer;

interface Route {
  name: string;
  method: string;
  path: () => string;
  /** The name of the route's file part. */
  file: string;
}

const routes: Route[] = [
  { name: 'track upload', method: 'POST', path: () => `/v1/studio/albums/${albumId}/tracks`, file: 'file' },
  { name: 'album artwork', method: 'PUT', path: () => `/v1/studio/albums/${albumId}/image`, file: 'file' },
  { name: 'playlist cover', method: 'PUT', path: () => `/v1/playlists/${playlistId}/images`, file: 'image' },
];
const upload = routes[0]!;

before(async () => {
  server = await startTestServer({ maxUploadBytes: UPLOAD_LIMIT });
  artist = await server.account({ role: 'artist' });
  const json = { 'Content-Type': 'application/json' };
  const album = await server.json('/v1/studio/albums', {
    method: 'POST',
    token: artist.token,
    headers: json,
    body: JSON.stringify({ name: 'Forms' }),
  });
  albumId = album.body.id;
  const playlist = await server.json(`/v1/users/${artist.id}/playlists`, {
    method: 'POST',
    token: artist.token,
    headers: json,
    body: JSON.stringify({ name: 'Covers' }),
  });
  playlistId = playlist.body.id;
  png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#345678' } })
    .png()
    .toBuffer();
});
after(() => server.close());

function send(route: Route, body: Buffer, contentType = multipartType()) {
  return rawRequest(server.url, {
    method: route.method,
    path: route.path(),
    token: artist.token,
    headers: { 'Content-Type': contentType },
    body,
  });
}

/** Refused with `status` in Spotify's shape, the message naming `field`. */
async function assertRefused(route: Route, body: Buffer, status: 400 | 413, field: string, contentType?: string) {
  const res = await send(route, body, contentType);
  assert.equal(res.status, status, `${route.name}: ${res.text}`);
  const { error } = res.json();
  assert.equal(error.status, status);
  assert.match(error.message, new RegExp(`(^|\\W)${field}(\\W|$)`), `${route.name}: "${error.message}" names ${field}`);
}

/** A file the route would take: a (fake) audio file for uploads, a PNG for images. */
function fileOf(route: Route, value?: string | Buffer, fileName?: string): Part {
  const audio = route === upload;
  return {
    name: route.file,
    value: value ?? (audio ? 'not decoded until ingest' : png),
    fileName: fileName ?? (audio ? 'a.flac' : 'cover.png'),
  };
}

describe('malformed multipart bodies on every multipart route', () => {
  for (const route of routes) {
    test(`${route.name}: the form as a whole is at fault → 400 naming body`, async () => {
      const form = multipartBody([fileOf(route)]);
      await assertRefused(route, form, 400, 'body', 'multipart/form-data');
      await assertRefused(route, form, 400, 'body', 'multipart/form-data; boundary=');
      await assertRefused(route, Buffer.from('just some text, no delimiter at all'), 400, 'body');
      await assertRefused(route, Buffer.alloc(0), 400, 'body');
      // Stops inside a part's headers.
      const head = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${route.file}"; filename="a.png"\r\n`;
      await assertRefused(route, Buffer.from(head), 400, 'body');
    });

    test(`${route.name}: a body cut off inside the file → 400 naming the file part`, async () => {
      await assertRefused(route, multipartBody([fileOf(route)], { close: false }), 400, route.file);
      const cut = multipartBody([fileOf(route)]).subarray(0, 200);
      await assertRefused(route, cut, 400, route.file);
    });

    test(`${route.name}: two files → 413 naming body`, async () => {
      await assertRefused(route, multipartBody([fileOf(route), fileOf(route)]), 413, 'body');
    });

    test(`${route.name}: a bad file name or a text part in the file's place → 400 naming the file part`, async () => {
      await assertRefused(route, multipartBody([fileOf(route, undefined, 'cover\u0000.png')]), 400, route.file);
      await assertRefused(route, multipartBody([{ name: route.file, value: 'not a file' }]), 400, route.file);
    });

    test(`${route.name}: a stray text field → 400 naming it`, async () => {
      await assertRefused(route, multipartBody([{ name: 'colour', value: 'blue' }, fileOf(route)]), 400, 'colour');
    });
  }

  test('track upload: complete fields but no closing delimiter → 400 naming body', async () => {
    await assertRefused(upload, multipartBody([{ name: 'title', value: 'x' }], { close: false }), 400, 'body');
  });

  test('track upload: parts the parser itself refuses → 400 naming body', async () => {
    const file = fileOf(upload);
    await assertRefused(upload, multipartBody([{ name: 'constructor', value: 'x' }, file]), 400, 'body');
    const json = { name: 'title', value: '{"a":', contentType: 'application/json' };
    await assertRefused(upload, multipartBody([json, file]), 400, 'body');
    const long = 'b'.repeat(300);
    await assertRefused(upload, multipartBody([file], { boundary: long }), 400, 'body', multipartType(long));
  });

  test('track upload: more fields than the form takes → 413 naming body', async () => {
    const values = { title: 'T', artists: 'A', explicit: 'true', isrc: 'USRC17607839', position: '0' };
    const known = Object.entries(values).map(([name, value]) => ({ name, value }));
    const extra = Array.from({ length: 55 }, (_, i) => ({ name: `extra${i}`, value: 'x' }));
    await assertRefused(upload, multipartBody([...known, ...extra, fileOf(upload, 'abc', 'a.flac')]), 413, 'body');
  });

  test('track upload: bad text fields → 400 naming the field', async () => {
    const file = fileOf(upload, 'abc', 'a.flac');
    const cases: [Part, string][] = [
      [{ name: 'title', value: 'Nul\u0000Title' }, 'title'],
      [{ name: 'artists', value: 'A\u0000B' }, 'artists'],
      // Busboy decodes a part by its declared charset: 0x00 0xD8 in UTF-16LE is a lone surrogate.
      [
        { name: 'title', value: Buffer.from([0x41, 0x00, 0x00, 0xd8]), contentType: 'text/plain; charset=utf-16le' },
        'title',
      ],
      [{ name: 'title', value: '{"a":1}', contentType: 'application/json' }, 'title'],
      [{ name: 'position', value: 'second' }, 'position'],
      [{ name: 'isrc', value: 'nope' }, 'isrc'],
    ];
    for (const [field, name] of cases) {
      await assertRefused(upload, multipartBody([field, file]), 400, name);
      await assertRefused(upload, multipartBody([file, field]), 400, name);
    }
    const twice = multipartBody([{ name: 'title', value: 'a' }, { name: 'title', value: 'b' }, file]);
    await assertRefused(upload, twice, 400, 'title');
    await assertRefused(upload, multipartBody([{ name: 'title', value: 'x', fileName: 'x.txt' }, file]), 400, 'title');
  });

  test('track upload: a file over the upload limit → 413 naming file; not multipart → 400 naming body', async () => {
    const huge = fileOf(upload, Buffer.alloc(UPLOAD_LIMIT + 1024, 7), 'huge.flac');
    await assertRefused(upload, multipartBody([{ name: 'title', value: 'Huge' }, huge]), 413, 'file');
    await assertRefused(upload, Buffer.from('{"title":"x"}'), 400, 'body', 'application/json');
  });

  test('well-formed forms still pass: quoted boundary, an epilogue, fields after the file', async () => {
    const art = multipartBody([fileOf(routes[1]!)], { boundary: 'quoted-b' });
    const withEpilogue = Buffer.concat([art, Buffer.from('an epilogue the parser ignores\r\n')]);
    const res = await send(routes[1]!, withEpilogue, 'multipart/form-data; boundary="quoted-b"');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json().images.length, 3);

    const form = multipartBody([fileOf(upload, 'abc', 'late.flac'), { name: 'title', value: 'Late Title' }]);
    const uploaded = await send(upload, form);
    assert.equal(uploaded.status, 202, uploaded.text);
    assert.ok(uploaded.json().tracks.some((t: { name: string }) => t.name === 'Late Title'));
  });

  test('after all that the server is healthy and no upload is left half-stored', async () => {
    assert.equal((await server.request('/healthz')).status, 200);
    const incoming = join(server.dataDir, 'media', 'sources', '.incoming');
    assert.deepEqual(await readdir(incoming).catch(() => []), []);
  });
});

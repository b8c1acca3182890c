import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { multipartBody, multipartType } from '../helpers/multipart-body.js';
import { RawConnection } from '../helpers/raw-http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * A request body the server refuses (over the 1 MiB JSON limit, or a form refused on its first field)
 * is answered, never reset: the client finishes writing and reads the refusal, and the connection can
 * carry the next request. The clients here write the whole request before reading the answer, as
 * Python's http.client or curl do; when the server closed early their write failed with EPIPE.
 */

const ROUNDS = 5;

let server: TestServer;
let artist: { token: string; id: string };

before(async () => {
  server = await startTestServer();
  artist = await server.account({ role: 'artist' });
});
after(() => server.close());

const bigJson = () => Buffer.from(JSON.stringify({ name: 'x'.repeat(5 * 1024 * 1024) }));

function head(method: string, path: string, headers: Record<string, string>): Buffer {
  const lines = [
    `${method} ${path} HTTP/1.1`,
    'Host: localhost',
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}

/** The body in chunked transfer coding, 64 KiB a chunk. */
function chunked(body: Buffer): Buffer {
  const pieces: Buffer[] = [];
  for (let i = 0; i < body.length; i += 64 * 1024) {
    const piece = body.subarray(i, i + 64 * 1024);
    pieces.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
  }
  pieces.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(pieces);
}

/** Sends the whole request, reads the answer, then checks the same connection still answers. */
async function refusedThenReused(request: Buffer, status: number): Promise<{ message: string }> {
  const connection = new RawConnection(server.url);
  try {
    await connection.write(request);
    const res = await connection.response();
    assert.equal(res.status, status, res.text);
    const { error } = res.json();
    assert.equal(error.status, status);
    await connection.write(head('GET', '/healthz', {}));
    assert.equal((await connection.response()).status, 200, 'the connection carries the next request');
    return error;
  } finally {
    connection.close();
  }
}

describe('refused request bodies are answered, not reset', () => {
  const jsonRoutes = () => ['/v1/studio/albums', `/v1/users/${artist.id}/playlists`];

  test('a 5 MB JSON body with Content-Length → 413, every time', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      for (const path of jsonRoutes()) {
        const body = bigJson();
        const headers = {
          Authorization: `Bearer ${artist.token}`,
          'Content-Type': 'application/json',
          'Content-Length': String(body.length),
        };
        await refusedThenReused(Buffer.concat([head('POST', path, headers), body]), 413);
      }
    }
  });

  test('a 5 MB chunked JSON body → 413, every time', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      for (const path of jsonRoutes()) {
        const headers = {
          Authorization: `Bearer ${artist.token}`,
          'Content-Type': 'application/json',
          'Transfer-Encoding': 'chunked',
        };
        await refusedThenReused(Buffer.concat([head('POST', path, headers), chunked(bigJson())]), 413);
      }
    }
  });

  test('fetch reads the 413 too', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const res = await server.json('/v1/studio/albums', {
        method: 'POST',
        token: artist.token,
        headers: { 'Content-Type': 'application/json' },
        body: bigJson(),
      });
      assert.equal(res.status, 413);
      assert.equal(res.body.error.status, 413);
    }
  });

  test('an upload refused on its first field, or before its form is read, is answered', async () => {
    const album = await server.json('/v1/studio/albums', {
      method: 'POST',
      token: artist.token,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'Refused uploads' }),
    });
    const path = `/v1/studio/albums/${album.body.id}/tracks`;
    const form = multipartBody([
      { name: 'colour', value: 'blue' },
      { name: 'file', value: Buffer.alloc(5 * 1024 * 1024, 3), fileName: 'big.flac' },
    ]);
    const headers = { 'Content-Type': multipartType(), 'Content-Length': String(form.length) };
    for (let round = 0; round < ROUNDS; round++) {
      const badField = Buffer.concat([
        head('POST', path, { ...headers, Authorization: `Bearer ${artist.token}` }),
        form,
      ]);
      assert.match((await refusedThenReused(badField, 400)).message, /colour/);
      await refusedThenReused(Buffer.concat([head('POST', path, headers), form]), 401);
    }
  });
});

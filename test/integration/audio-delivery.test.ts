import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { newId } from '../../src/core/ids.js';
import { audioKey } from '../../src/core/ingest/ladder.js';
import { type AudioGrant, UrlSigner } from '../../src/core/streaming/signer.js';
import { type AudioHandlerOptions, createAudioHandler, type ServedInfo } from '../../src/http/audio.js';
import { makeTone } from '../helpers/audio.js';

const keyA = { id: 'a', secret: randomBytes(32) };
const keyB = { id: 'b', secret: randomBytes(32) };
const clock = { now: Date.now() };
const signer = new UrlSigner({ keys: [keyA], ttlSeconds: 300, now: () => clock.now });
const listener = newId();
const big: AudioGrant = { trackId: newId(), version: 'v1', quality: 'vorbis_160', userId: listener };
const aac: AudioGrant = { trackId: newId(), version: 'r2', quality: 'aac_128', userId: listener };
const flac: AudioGrant = { trackId: newId(), version: 'r2', quality: 'flac', userId: listener };
const contents = new Map<AudioGrant, Buffer>();
const served: ServedInfo[] = [];
const servers: { close(): void }[] = [];
let root = '';
let origin = '';

async function startServer(options: Omit<AudioHandlerOptions, 'audioRoot'>): Promise<string> {
  const handler = createAudioHandler({ audioRoot: root, ...options });
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push({
    close() {
      handler.close();
      server.closeAllConnections();
      server.close();
    },
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function get(url: string, headers: Record<string, string> = {}, method = 'GET') {
  const res = await fetch(url, { method, headers });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

const url = (grant: AudioGrant, s: UrlSigner = signer, at = origin) => at + s.sign(grant).path;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'cadenza-audio-'));
  const bigPath = join(root, audioKey(big.trackId, big.version, big.quality));
  await mkdir(dirname(bigPath), { recursive: true });
  await writeFile(bigPath, randomBytes(3 * 1024 * 1024 + 17));
  for (const grant of [aac, flac]) {
    const path = join(root, audioKey(grant.trackId, grant.version, grant.quality));
    await mkdir(dirname(path), { recursive: true });
    await makeTone(path, { seconds: 2 });
  }
  for (const grant of [big, aac, flac]) {
    contents.set(grant, await readFile(join(root, audioKey(grant.trackId, grant.version, grant.quality))));
  }
  origin = await startServer({ signer, onServed: (info) => served.push(info) });
});

after(async () => {
  for (const s of servers) s.close();
  await rm(root, { recursive: true, force: true });
});

test('the whole file without Range, with the immutable-object headers', async () => {
  const file = contents.get(big)!;
  const res = await get(url(big));
  assert.equal(res.status, 200);
  assert.ok(res.body.equals(file));
  assert.equal(res.headers.get('content-length'), String(file.length));
  assert.equal(res.headers.get('content-type'), 'audio/ogg');
  assert.equal(res.headers.get('accept-ranges'), 'bytes');
  assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  assert.equal(res.headers.get('etag'), `"${big.trackId}.v1.vorbis_160"`);
  assert.equal(res.headers.get('content-range'), null);
});

test('content type and bytes follow the quality for real audio files', async () => {
  for (const [grant, mime] of [
    [aac, 'audio/mp4'],
    [flac, 'audio/flac'],
  ] as const) {
    const file = contents.get(grant)!;
    assert.ok(file.length > 1000);
    const res = await get(url(grant), { range: 'bytes=0-' });
    assert.equal(res.status, 206);
    assert.equal(res.headers.get('content-type'), mime);
    assert.ok(res.body.equals(file));
    assert.notEqual(res.headers.get('etag'), `"${big.trackId}.v1.vorbis_160"`);
  }
});

test('50 random ranges come back byte-exact', async () => {
  const file = contents.get(big)!;
  for (let i = 0; i < 50; i++) {
    const start = randomInt(file.length);
    const end = Math.min(file.length - 1, start + randomInt(i % 5 === 0 ? 2_000_000 : 600_000));
    const res = await get(url(big), { range: `bytes=${start}-${end}` });
    assert.equal(res.status, 206);
    assert.equal(res.headers.get('content-range'), `bytes ${start}-${end}/${file.length}`);
    assert.equal(res.headers.get('content-length'), String(end - start + 1));
    assert.ok(res.body.equals(file.subarray(start, end + 1)), `bytes=${start}-${end}`);
  }
});

test('suffix, open-ended, first-byte, last-byte and overlong ranges', async () => {
  const file = contents.get(big)!;
  const size = file.length;
  const cases: [string, number, number][] = [
    ['bytes=-1', size - 1, size - 1],
    ['bytes=-500000', size - 500_000, size - 1],
    [`bytes=-${size * 2}`, 0, size - 1],
    ['bytes=123456-', 123_456, size - 1],
    ['bytes=0-0', 0, 0],
    [`bytes=${size - 1}-${size - 1}`, size - 1, size - 1],
    [`bytes=${size - 10}-${size + 1000}`, size - 10, size - 1],
  ];
  for (const [range, start, end] of cases) {
    const res = await get(url(big), { range });
    assert.equal(res.status, 206, range);
    assert.equal(res.headers.get('content-range'), `bytes ${start}-${end}/${size}`, range);
    assert.ok(res.body.equals(file.subarray(start, end + 1)), range);
  }
});

test('unsatisfiable ranges answer 416 with the size', async () => {
  const size = contents.get(big)!.length;
  for (const range of [`bytes=${size}-`, `bytes=${size + 5}-${size + 10}`, 'bytes=-0']) {
    const res = await get(url(big), { range });
    assert.equal(res.status, 416, range);
    assert.equal(res.headers.get('content-range'), `bytes */${size}`);
  }
});

test('malformed or multiple ranges are ignored and the whole file is sent', async () => {
  const file = contents.get(big)!;
  for (const range of ['bytes=5-2', 'bytes=abc', 'items=0-10', 'bytes=-', 'bytes=0-1,4-5']) {
    const res = await get(url(big), { range });
    assert.equal(res.status, 200, range);
    assert.ok(res.body.equals(file), range);
  }
});

test('HEAD sends the same headers and no body', async () => {
  const size = contents.get(big)!.length;
  const whole = await get(url(big), {}, 'HEAD');
  assert.equal(whole.status, 200);
  assert.equal(whole.body.length, 0);
  assert.equal(whole.headers.get('content-length'), String(size));
  assert.equal(whole.headers.get('content-type'), 'audio/ogg');
  const part = await get(url(big), { range: 'bytes=10-19' }, 'HEAD');
  assert.equal(part.status, 206);
  assert.equal(part.body.length, 0);
  assert.equal(part.headers.get('content-length'), '10');
  assert.equal(part.headers.get('content-range'), `bytes 10-19/${size}`);
});

test('conditional requests: If-None-Match gives 304, a stale If-Range gives the whole file', async () => {
  const file = contents.get(big)!;
  const etag = `"${big.trackId}.v1.vorbis_160"`;
  for (const inm of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
    const res = await get(url(big), { 'if-none-match': inm });
    assert.equal(res.status, 304, inm);
    assert.equal(res.body.length, 0);
    assert.equal(res.headers.get('etag'), etag);
  }
  assert.equal((await get(url(big), { 'if-none-match': '"other"' })).status, 200);

  const honoured = await get(url(big), { range: 'bytes=0-99', 'if-range': etag });
  assert.equal(honoured.status, 206);
  assert.ok(honoured.body.equals(file.subarray(0, 100)));
  for (const ifRange of ['"stale"', `W/${etag}`, 'Tue, 01 Jan 2030 00:00:00 GMT']) {
    const res = await get(url(big), { range: 'bytes=0-99', 'if-range': ifRange });
    assert.equal(res.status, 200, ifRange);
    assert.ok(res.body.equals(file));
  }
});

async function assertRefused(target: string, status: number, message: RegExp): Promise<void> {
  const res = await get(target);
  assert.equal(res.status, status, target);
  assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
  const body = JSON.parse(res.body.toString('utf8'));
  assert.equal(body.error.status, status);
  assert.match(body.error.message, message);
}

test('tampered, borrowed, expired and foreign-key URLs are refused with a reason', async () => {
  const good = url(big);
  const s = new URL(good).searchParams.get('s')!;
  const badSig = good.replace(`s=${s}`, `s=${s[0] === 'A' ? 'B' : 'A'}${s.slice(1)}`);
  await assertRefused(badSig, 403, /signature is invalid/);
  const borrowed = good.replace(`u=${listener}`, `u=${newId()}`);
  await assertRefused(borrowed, 403, /signature is invalid/);
  await assertRefused(good.replace('/vorbis_160?', '/flac?'), 403, /signature is invalid/);
  await assertRefused(good.replace('/vorbis_160?', '/mp3?'), 403, /malformed/);
  await assertRefused(`${origin}/audio/${big.trackId}/v1/vorbis_160`, 403, /malformed/);
  await assertRefused(url(big, new UrlSigner({ keys: [keyB], ttlSeconds: 300 })), 403, /unknown key/);

  const expiring = url(big);
  clock.now += 301_000;
  try {
    await assertRefused(expiring, 403, /expired/);
  } finally {
    clock.now -= 301_000;
  }
  assert.equal((await get(expiring, { range: 'bytes=0-0' })).status, 206);
});

test('key rotation through the handler', async () => {
  const oldOnly = new UrlSigner({ keys: [keyA], ttlSeconds: 300 });
  const rotating = new UrlSigner({ keys: [keyA, keyB], activeKeyId: 'b', ttlSeconds: 300 });
  const newOnly = new UrlSigner({ keys: [keyB], ttlSeconds: 300 });
  const [before, during, afterwards] = await Promise.all(
    [oldOnly, rotating, newOnly].map((s) => startServer({ signer: s })),
  );
  const oldPath = oldOnly.sign(big).path;
  const newPath = rotating.sign(big).path;
  assert.match(newPath, /&k=b&/);
  assert.equal((await get(before + oldPath)).status, 200);
  assert.equal((await get(during + oldPath)).status, 200);
  assert.equal((await get(during + newPath)).status, 200);
  await assertRefused(before + newPath, 403, /unknown key/);
  await assertRefused(afterwards + oldPath, 403, /unknown key/);
  assert.equal((await get(afterwards + newPath)).status, 200);
});

test('a signed URL for an object that does not exist is 404; other methods are 405', async () => {
  await assertRefused(url({ ...big, trackId: newId() }), 404, /not found/);
  await assertRefused(url({ ...big, version: 'v2' }), 404, /not found/);
  const post = await fetch(url(big), { method: 'POST', body: 'x' });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get('allow'), 'GET, HEAD');
  await post.arrayBuffer();
});

test('every successful response is reported to onServed', async () => {
  served.length = 0;
  await get(url(big), { range: 'bytes=100-199' });
  await get(url(big), { 'if-none-match': `"${big.trackId}.v1.vorbis_160"` });
  await get(url(big, signer).replace('&s=', '&s=x'));
  assert.deepEqual(
    served.map((s) => [s.trackId, s.userId, s.status, s.bytes, s.size]),
    [
      [big.trackId, listener, 206, 100, contents.get(big)!.length],
      [big.trackId, listener, 304, 0, contents.get(big)!.length],
    ],
  );
});

test('with a one-descriptor cache, concurrent requests over several files stay byte-exact', async () => {
  const tight = await startServer({ signer, maxOpenFiles: 1 });
  const grants = [big, aac, flac];
  const results = await Promise.all(
    Array.from({ length: 60 }, async (_, i) => {
      const grant = grants[i % 3]!;
      const file = contents.get(grant)!;
      const start = randomInt(file.length);
      const end = Math.min(file.length - 1, start + randomInt(i % 2 ? 300_000 : 1_500_000));
      const res = await get(url(grant, signer, tight), { range: `bytes=${start}-${end}` });
      return res.status === 206 && res.body.equals(file.subarray(start, end + 1));
    }),
  );
  assert.deepEqual(results, Array(60).fill(true));
});

test('a listener hanging up mid-body does not disturb the next one', async () => {
  const abort = new AbortController();
  const res = await fetch(url(big), { signal: abort.signal });
  const reader = res.body!.getReader();
  await reader.read();
  abort.abort();
  await reader.read().catch(() => undefined);
  const again = await get(url(big), { range: 'bytes=1000000-2999999' });
  assert.equal(again.status, 206);
  assert.ok(again.body.equals(contents.get(big)!.subarray(1_000_000, 3_000_000)));
});

for (const [name, options] of [
  ['from the block cache', {}],
  ['from pooled read buffers (no block cache)', { cacheBytes: 0 }],
  ['from a block cache smaller than the file', { cacheBytes: 1024 * 1024 }],
] as const) {
  test(`random ranges are byte-exact when served ${name}`, async () => {
    const at = await startServer({ signer, ...options });
    const file = contents.get(big)!;
    const results = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const start = randomInt(file.length);
        const end = Math.min(file.length - 1, start + randomInt(i % 4 ? 1_048_575 : 2_500_000));
        const res = await get(url(big, signer, at), { range: `bytes=${start}-${end}` });
        return res.status === 206 && res.body.equals(file.subarray(start, end + 1));
      }),
    );
    assert.deepEqual(results, Array(40).fill(true));
  });

  test(`a slow reader gets its own bytes while other requests go on, served ${name}`, async () => {
    await slowReaderCheck(await startServer({ signer, ...options }));
  });
}

async function slowReaderCheck(at: string) {
  const file = contents.get(big)!;
  const target = new URL(url(big, signer, at));
  const MiB = 1_048_576;
  // One-buffer ranges (≤ 1 MiB) and streamed ones (> 1 MiB, 512 KiB chunks) both hold pool buffers.
  const ranges = Array.from({ length: 12 }, (_, i) => ({ start: i * 60_000, length: i % 3 ? MiB : 2 * MiB + 300_000 }));
  // Pipelined requests on a socket nobody reads: the kernel takes a few MB, the server keeps the rest
  // queued, still pointing into its read buffers, while other listeners' requests go on.
  const slow = connect(Number(target.port), '127.0.0.1');
  slow.pause();
  await once(slow, 'connect');
  const ask = ({ start, length }: { start: number; length: number }) =>
    `GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: x\r\nRange: bytes=${start}-${start + length - 1}\r\n\r\n`;
  slow.write(ranges.map(ask).join(''));
  await sleep(100);
  for (let i = 0; i < 6; i++) {
    const [start, length] = [2 * MiB - i * 100_000, i % 2 ? MiB : 400_000];
    const res = await get(url(big, signer, at), { range: `bytes=${start}-${start + length - 1}` });
    assert.ok(res.body.equals(file.subarray(start, start + length)));
  }
  const chunks: Buffer[] = [];
  slow.on('data', (c: Buffer) => chunks.push(c));
  slow.resume();
  const expected = ranges.reduce((n, r) => n + r.length, 0);
  for (let i = 0; i < 200 && Buffer.concat(chunks).length < expected + ranges.length * 100; i++) await sleep(20);
  slow.destroy();
  let raw = Buffer.concat(chunks);
  for (const { start, length } of ranges) {
    const headEnd = raw.indexOf('\r\n\r\n') + 4;
    assert.match(raw.subarray(0, headEnd).toString('latin1'), new RegExp(`^HTTP/1.1 206[^]*bytes ${start}-`));
    const body = raw.subarray(headEnd, headEnd + length);
    assert.ok(body.equals(file.subarray(start, start + length)), `range at ${start}`);
    raw = raw.subarray(headEnd + length);
  }
}

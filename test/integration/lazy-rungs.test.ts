import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { FfmpegTranscoder } from '../../src/adapters/ffmpeg.js';
import { findFfmpeg } from '../../src/adapters/ffmpeg-binaries.js';
import { newId } from '../../src/core/ids.js';
import { audioKey, rungFor } from '../../src/core/ingest/ladder.js';
import { sourceFingerprint, writeSourcePointer } from '../../src/core/ingest/lazy.js';
import { RungBuilds } from '../../src/core/streaming/rung-builds.js';
import { UrlSigner } from '../../src/core/streaming/signer.js';
import { createAudioHandler } from '../../src/http/audio.js';
import type { Quality, Rung, TranscodeOptions } from '../../src/ports/transcoder.js';

/**
 * The edge makes a lazy library's rung on its first request and serves it while the encoder runs
 * (src/core/streaming/rung-builds.ts, src/http/audio-builds.ts). What a listener must be able to rely
 * on: the first bytes come before the object is complete, and every byte served under a URL is the
 * byte the finished object holds there — also across a crash of the edge in the middle.
 */

const exec = promisify(execFile);
const secret = randomBytes(32);
const signer = new UrlSigner({ keys: [{ id: 'k', secret }], ttlSeconds: 3600 });
const listener = newId();
let dir = '';
let root = '';
let source = '';
let origin = '';
let server: Server;
const encodes: { quality: string; urgent: boolean }[] = [];
const reference = new Map<Quality, Buffer>();

/** A dense two-minute stereo FLAC (noise under a chord): slow enough to encode that a build takes a while. */
async function makeSource(path: string, seconds: number): Promise<void> {
  const graph =
    `sine=f=220:d=${seconds}[a];sine=f=330:d=${seconds}[b];anoisesrc=d=${seconds}:c=pink:a=0.2:seed=7[n];` +
    '[a][b][n]amix=inputs=3,aformat=channel_layouts=stereo';
  await exec(findFfmpeg().ffmpeg, ['-v', 'error', '-y', '-filter_complex', graph, '-ar', '44100', path]);
}

/** A track published lazily: its version's pointer names the source, and no rung exists. */
async function lazyTrack(path = source): Promise<{ trackId: string; version: string }> {
  const info = await stat(path);
  const trackId = newId();
  const version = await sourceFingerprint(path, info.size);
  await writeSourcePointer(root, trackId, version, { path, size: info.size, mtimeMs: info.mtimeMs, lossless: true });
  return { trackId, version };
}

const url = (track: { trackId: string; version: string }, quality: Quality, at = origin) =>
  at + signer.sign({ ...track, quality, userId: listener }).path;

async function get(target: string, headers: Record<string, string> = {}) {
  const res = await fetch(target, { headers });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

/** Waits until the object exists under its name (the encoder renamed it), within a deadline. */
async function completed(track: { trackId: string; version: string }, quality: Quality): Promise<Buffer> {
  const path = join(root, audioKey(track.trackId, track.version, quality));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const bytes = await readFile(path).catch(() => undefined);
    if (bytes) return bytes;
    if (Date.now() > deadline) throw new Error(`${quality} was never completed`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cadenza-lazy-'));
  root = join(dir, 'audio');
  await mkdir(root);
  source = join(dir, 'library', 'song.flac');
  await mkdir(join(dir, 'library'));
  await makeSource(source, 120);
  const media = new FfmpegTranscoder({ concurrency: 2 });
  // The reference objects: the same rungs made the eager way, by the same transcoder, elsewhere.
  for (const quality of ['vorbis_96', 'vorbis_160', 'aac_128'] as const) {
    const out = join(dir, 'reference', `${quality}.${rungFor(quality)!.extension}`);
    await mkdir(join(dir, 'reference'), { recursive: true });
    await media.transcode(source, rungFor(quality)!, out);
    reference.set(quality, await readFile(out));
  }
  const counting = Object.create(media) as FfmpegTranscoder;
  counting.transcode = (input: string, rung: Rung, output: string, options?: TranscodeOptions) => {
    encodes.push({ quality: rung.quality, urgent: options?.urgent === true });
    return media.transcode(input, rung, output, options);
  };
  const builds = new RungBuilds({ media: counting, audioRoot: root });
  server = createServer(createAudioHandler({ signer, audioRoot: root, builds }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server?.closeAllConnections();
  server?.close();
  // Encoders orphaned by the killed edge would otherwise go on writing into the folder.
  await exec('pkill', ['-KILL', '-f', dir]).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

describe('a lazy rung made on its first request', () => {
  test('answers the first range before the object is complete, with the bytes the finished object holds', async () => {
    const track = await lazyTrack();
    const res = await get(url(track, 'vorbis_160'), { Range: 'bytes=0-65535' });
    const objectExists = await stat(join(root, audioKey(track.trackId, track.version, 'vorbis_160'))).then(
      () => true,
      () => false,
    );
    assert.equal(res.status, 206);
    assert.equal(objectExists, false, 'the range was answered while the encoder was still running');
    assert.equal(res.headers.get('content-range'), 'bytes 0-65535/*', 'the size is not known yet');
    // The wait for the encoder is told apart from network time, for the player's throughput estimate.
    assert.match(res.headers.get('server-timing') ?? '', /^build;dur=\d+(\.\d)?$/);
    assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    const whole = await completed(track, 'vorbis_160');
    assert.deepEqual(res.body, whole.subarray(0, 65536));
    assert.deepEqual(whole, reference.get('vorbis_160'), 'the same bytes as the rung made eagerly');

    const later = await get(url(track, 'vorbis_160'), { Range: 'bytes=65536-131071' });
    assert.equal(later.headers.get('content-range'), `bytes 65536-131071/${whole.length}`);
    assert.equal(later.headers.get('server-timing'), null, 'a made object is served without waiting');
    assert.deepEqual(later.body, whole.subarray(65536, 131072));
  });

  test('streams the whole object while it is made, byte-identical to the finished one', async () => {
    const track = await lazyTrack();
    const res = await get(url(track, 'vorbis_96'));
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, reference.get('vorbis_96'));
    assert.deepEqual(await completed(track, 'vorbis_96'), reference.get('vorbis_96'));
  });

  test('serves an MP4 rung only once complete (its header is written last)', async () => {
    const track = await lazyTrack();
    const res = await get(url(track, 'aac_128'), { Range: 'bytes=0-1023' });
    assert.equal(res.status, 206);
    const whole = reference.get('aac_128')!;
    assert.equal(res.headers.get('content-range'), `bytes 0-1023/${whole.length}`);
    assert.deepEqual(res.body, whole.subarray(0, 1024));
  });

  test('makes one object once however many listeners ask for it at the same moment', async () => {
    const track = await lazyTrack();
    const before = encodes.length;
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        get(url(track, 'vorbis_96'), { Range: `bytes=${i * 4096}-${i * 4096 + 4095}` }),
      ),
    );
    for (const [i, res] of answers.entries()) {
      assert.equal(res.status, 206);
      assert.deepEqual(res.body, reference.get('vorbis_96')!.subarray(i * 4096, i * 4096 + 4096));
    }
    await completed(track, 'vorbis_96');
    assert.deepEqual(encodes.slice(before), [{ quality: 'vorbis_96', urgent: true }]);
  });

  test('is a 404 when the version has no source, or its source changed since it was fingerprinted', async () => {
    const unknown = { trackId: newId(), version: 'abcdef0123456789' };
    assert.equal((await get(url(unknown, 'vorbis_96'), { Range: 'bytes=0-99' })).status, 404);

    const copy = join(dir, 'library', 'changed.flac');
    await exec('cp', [source, copy]);
    const track = await lazyTrack(copy);
    await utimes(copy, new Date(), new Date(Date.now() + 5000));
    const res = await get(url(track, 'vorbis_96'), { Range: 'bytes=0-99' });
    assert.equal(res.status, 404, 'a new version must be published for the changed file');
  });
});

describe('an edge killed while it makes a rung', () => {
  function startEdge(): Promise<{ child: ChildProcess; origin: string }> {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../helpers/lazy-edge.ts')], {
      env: { ...process.env, AUDIO_ROOT: root, SIGNING_KEY: secret.toString('hex') },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    return new Promise((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`edge exited with ${code}`)));
      child.stdout!.once('data', (line: Buffer) => resolve({ child, origin: line.toString().trim() }));
    });
  }

  test('leaves no partial object servable, and the next edge serves the whole object', async () => {
    const track = await lazyTrack();
    const first = await startEdge();
    const early = await get(url(track, 'vorbis_160', first.origin), { Range: 'bytes=0-32767' });
    assert.equal(early.status, 206);
    assert.equal(early.headers.get('content-range'), 'bytes 0-32767/*');
    first.child.kill('SIGKILL');
    await once(first.child, 'exit');

    const folder = join(root, track.trackId, track.version);
    const names = await readdir(folder);
    assert.ok(!names.includes('vorbis_160.ogg'), `nothing under the object's name: ${names.join(', ')}`);

    const second = await startEdge();
    try {
      const whole = await get(url(track, 'vorbis_160', second.origin));
      assert.equal(whole.status, 200);
      assert.deepEqual(whole.body, reference.get('vorbis_160'), 'the whole object, made afresh');
      assert.deepEqual(early.body, whole.body.subarray(0, 32768), 'what was served before the crash still holds');
    } finally {
      second.child.kill('SIGKILL');
    }
  });
});

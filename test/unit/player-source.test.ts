import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { headerLength, readPages } from '../../web/src/player/ogg.js';
import { type Chunk, FIRST_DECODE_BYTES, FIRST_FETCH_BYTES, TrackSource } from '../../web/src/player/track-source.js';
import {
  encodeTrack,
  ffmpegDecoder,
  RATE,
  type RungName,
  sampleExactSkip,
  startRangeServer,
} from '../helpers/player.js';

const SECONDS = 75;

describe('player: Ogg chunks decoded sample-exactly from byte ranges', () => {
  let dir: string;
  let files: Record<RungName, Uint8Array>;
  let server: Awaited<ReturnType<typeof startRangeServer>>;
  let whole: Float32Array;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cadenza-player-'));
    files = await encodeTrack(dir, 'a', SECONDS);
    const map = new Map(Object.entries(files).map(([rung, bytes]) => [`a/${rung}`, bytes]));
    server = await startRangeServer(map);
    whole = (await ffmpegDecoder.decode(files.vorbis_160)).channels[0]!;
  });
  after(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const source = () =>
    new TrackSource('a', SECONDS * RATE, {
      api: server.api,
      network: server.network,
      decoder: ffmpegDecoder,
      sampleRate: RATE,
      sleep: async () => undefined,
      clock: () => Date.now(),
    });

  /** Largest difference between a chunk's left channel and the whole file's decode at the same frames. */
  const deviation = (chunk: Chunk, reference = whole) => {
    let worst = 0;
    const left = chunk.channels[0]!;
    for (let i = 0; i < left.length; i++) worst = Math.max(worst, Math.abs(left[i]! - reference[chunk.start + i]!));
    return worst;
  };

  it('finds the same pages from any byte offset as from the start (capture pattern plus checksum)', () => {
    const bytes = files.vorbis_160;
    const all = readPages(bytes);
    assert.equal(all.at(-1)!.offset + all.at(-1)!.length, bytes.length, 'pages tile the whole file');
    assert.ok(all.at(-1)!.eos);
    assert.equal(all.at(-1)!.granule, SECONDS * RATE, 'the last granule is the track length');
    assert.ok(headerLength(all)! > 0);
    for (const offset of [1, 777, 100_003, 500_000, bytes.length - 9000]) {
      const tail = readPages(bytes.subarray(offset), offset);
      const expected = all.filter((p) => p.offset >= offset);
      assert.deepEqual(tail, expected.slice(0, tail.length), `from ${offset}`);
      assert.ok(tail.length >= expected.length - 1, `from ${offset}: at most the cut-off last page is missing`);
    }
  });

  it('reads a whole track chunk by chunk with no sample missing, repeated or altered', {
    skip: sampleExactSkip,
  }, async () => {
    const track = source();
    let at = 0;
    let hint: number | undefined;
    let chunks = 0;
    for (;;) {
      const chunk = await track.read('vorbis_160', at, hint);
      assert.equal(chunk.start, at, `chunk ${chunks} starts where the last one ended`);
      assert.equal(chunk.channels[0]!.length, chunk.end - chunk.start);
      assert.equal(deviation(chunk), 0, `chunk ${chunks} is bit-identical to the whole decode`);
      chunks++;
      at = chunk.end;
      hint = chunk.next;
      if (chunk.final) break;
    }
    assert.equal(at, SECONDS * RATE, 'ends exactly at the last sample');
    assert.ok(chunks >= 3, `the track took ${chunks} chunks of 512 KB`);
    const requested = server.log.requests.filter((r) => r.path === 'a/vorbis_160');
    const fetched = requested.reduce((n, r) => n + (r.end - r.start), 0);
    assert.ok(
      fetched <= files.vorbis_160.length,
      `fetched ${fetched} bytes for a ${files.vorbis_160.length}-byte file`,
    );
  });

  it('starts exactly at any position (a seek) and switches rungs without a gap', {
    skip: sampleExactSkip,
  }, async () => {
    const track = source();
    for (const seconds of [0.5, 17.25, 41, 74]) {
      const from = Math.round(seconds * RATE);
      const chunk = await track.read('vorbis_160', from);
      assert.equal(chunk.start, from);
      assert.equal(deviation(chunk), 0, `seek to ${seconds} s`);
    }
    const first = await track.read('vorbis_96', 0);
    const second = await track.read('vorbis_320', first.end);
    assert.equal(second.start, first.end, 'the higher rung continues on the next frame');
    const low = await track.read('vorbis_24', second.end);
    assert.equal(low.start, second.end, 'the 22.05 kHz mono rung continues on the next frame too');
    assert.ok(low.end > low.start);
  });

  it('decodes a short first chunk for a start, from prefetched bytes, and continues sample-exactly', async () => {
    const track = source();
    await track.prefetch('vorbis_160', FIRST_FETCH_BYTES);
    const fetchedBefore = server.log.requests.length;
    for (const seconds of [0, 30]) {
      const from = Math.round(seconds * RATE);
      const first = await track.read('vorbis_160', from, undefined, {
        bytes: from === 0 ? FIRST_DECODE_BYTES : undefined,
        frames: RATE,
      });
      if (from === 0) assert.equal(server.log.requests.length, fetchedBefore, 'a prepared start fetches nothing');
      const length = (first.end - first.start) / RATE;
      // At least the second asked for, plus what the last page holds (FFmpeg writes pages of up to 1 s).
      assert.ok(length >= 1 && length < 2.5, `the first chunk of a start at ${seconds} s holds ${length} s`);
      assert.equal(deviation(first), 0);
      const second = await track.read('vorbis_160', first.end, first.next);
      assert.equal(second.start, first.end, 'the next chunk continues on the next frame');
      assert.equal(deviation(second), 0);
    }
  });

  it('retries a failed range and renews URLs whose signature expired', async () => {
    const track = source();
    const first = await track.read('vorbis_96', 0);
    server.log.faults.push(503, 502);
    server.expire('a');
    const callsBefore = server.api.calls.length;
    const second = await track.read('vorbis_96', first.end, first.next);
    assert.equal(second.start, first.end);
    assert.ok(server.api.calls.length > callsBefore, 'fresh URLs were asked for');
    const statuses = server.log.requests.slice(-4).map((r) => r.status);
    assert.deepEqual(statuses, [503, 502, 403, 206]);
  });

  it('gives up with the status when the file is gone', async () => {
    const map = new Map([['b/vorbis_96', files.vorbis_96]]);
    const other = await startRangeServer(map);
    try {
      const track = new TrackSource('b', SECONDS * RATE, {
        api: other.api,
        network: other.network,
        decoder: ffmpegDecoder,
        sampleRate: RATE,
        sleep: async () => undefined,
        clock: () => Date.now(),
      });
      other.log.faults.push(404);
      await assert.rejects(track.read('vorbis_96', 0), /404/);
    } finally {
      await other.close();
    }
  });

  it('does not count the time the edge waited for its encoder as network time', async () => {
    const samples: { bytes: number; ms: number }[] = [];
    let now = 0;
    const track = new TrackSource('a', SECONDS * RATE, {
      api: server.api,
      // Each range takes 900 ms, of which the server says 850 ms went on making the rung.
      network: {
        async range(url, start, end) {
          const result = await server.network.range(url, start, end);
          now += 900;
          return { ...result, serverWaitMs: 850 };
        },
      },
      decoder: ffmpegDecoder,
      sampleRate: RATE,
      sleep: async () => undefined,
      clock: () => now,
      onFetch: (bytes, ms) => samples.push({ bytes, ms }),
    });
    await track.read('vorbis_160', 0);
    assert.ok(samples.length > 0);
    for (const sample of samples) assert.equal(sample.ms, 50);
  });
});

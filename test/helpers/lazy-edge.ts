/**
 * A bare edge in its own process, for tests that kill it: serves `/audio/*` from AUDIO_ROOT with rungs
 * made on first request, signed with the key in SIGNING_KEY (hex). Prints its origin on stdout.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FfmpegTranscoder } from '../../src/adapters/ffmpeg.js';
import { RungBuilds } from '../../src/core/streaming/rung-builds.js';
import { UrlSigner } from '../../src/core/streaming/signer.js';
import { createAudioHandler } from '../../src/http/audio.js';

const audioRoot = process.env.AUDIO_ROOT!;
const signer = new UrlSigner({
  keys: [{ id: 'k', secret: Buffer.from(process.env.SIGNING_KEY!, 'hex') }],
  ttlSeconds: 3600,
});
const builds = new RungBuilds({ media: new FfmpegTranscoder({ concurrency: 2 }), audioRoot });
const server = createServer(createAudioHandler({ signer, audioRoot, builds }));
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});

/**
 * bench:click — click-to-audio for a lazy library's track whose rungs do not exist yet (cold), against
 * the same track once its rung is made (warm), and against the bare encoder in the same run.
 *
 * "Click-to-audio" is what the web player waits for before it can decode its first sound: the playback
 * request (`GET /v1/tracks/{id}/stream`) and the first 64 KB range of the rung it starts on (the
 * player's FIRST_FETCH_BYTES). Decoding in the browser comes after and is the same either way.
 * The baseline is FFmpeg alone: the same command from spawn to its first 64 KB written, for the same
 * source — the least any on-demand encoder could wait.
 *
 *   npm run bench:click [-- --tracks 60 --seconds 180 --quality vorbis_160]
 * Uses DATABASE_URL when set, otherwise an embedded PostgreSQL in a temporary folder. The server runs
 * with the api and edge roles only, so no background ladder job makes a rung before it is asked for.
 */
import { execFile, spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { VORBIS_QUALITY } from '../src/adapters/ffmpeg.js';
import { findFfmpeg } from '../src/adapters/ffmpeg-binaries.js';
import type { Quality } from '../src/ports/transcoder.js';
import { runCadenza, startCadenzaServe } from './lib/child.js';
import { pct } from './lib/stats.js';

const exec = promisify(execFile);
const { values } = parseArgs({
  options: {
    tracks: { type: 'string', default: '60' },
    seconds: { type: 'string', default: '180' },
    quality: { type: 'string', default: 'vorbis_160' },
  },
});
const TRACKS = Number(values.tracks);
const SECONDS = Number(values.seconds);
const QUALITY = values.quality;
const FIRST_BYTES = 64 * 1024;
/** Cold clicks start this far apart: about as fast as a person skips through tracks, and hears them. */
const CLICK_EVERY_MS = 1000;
const { ffmpeg } = findFfmpeg();

/** A time from start to the end of the body of a GET (the whole range must be there to decode it). */
function timedGet(agent: Agent, url: URL, headers: Record<string, string>): Promise<{ ms: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request(url, { agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if ((res.statusCode ?? 0) >= 300) reject(new Error(`${url.pathname} answered ${res.statusCode}`));
        else resolve({ ms: performance.now() - t0, body: Buffer.concat(chunks) });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** FFmpeg alone: spawn to its first 64 KB on stdout, for the same rung's command. */
function bareFirstBytes(source: string): Promise<number> {
  const quality = VORBIS_QUALITY[QUALITY as Quality];
  const args = ['-nostdin', '-v', 'error', '-i', source, '-map', '0:a:0', '-map_metadata', '-1'];
  const encode = ['-ar', '44100', '-ac', '2', '-q:a', String(quality), '-c:a', 'libvorbis', '-f', 'ogg', 'pipe:1'];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(ffmpeg, [...args, ...encode], { stdio: ['ignore', 'pipe', 'ignore'] });
    let got = 0;
    child.stdout.on('data', (d: Buffer) => {
      got += d.length;
      if (got >= FIRST_BYTES && child.exitCode === null) {
        resolve(performance.now() - t0);
        child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('close', () => reject(new Error('ffmpeg ended before 64 KB')));
  });
}

const scratch = await mkdtemp(join(tmpdir(), 'cadenza-bench-click-'));
await chmod(scratch, 0o755);
try {
  const music = join(scratch, 'music');
  await mkdir(music);
  const base = join(scratch, 'base.flac');
  const graph =
    `sine=f=196:d=${SECONDS}[a];sine=f=247:d=${SECONDS}[b];sine=f=294:d=${SECONDS}[c];` +
    `anoisesrc=d=${SECONDS}:c=pink:a=0.08:seed=3[n];[a][b][c][n]amix=inputs=4,aformat=channel_layouts=stereo`;
  await exec(ffmpeg, ['-v', 'error', '-filter_complex', graph, '-ar', '44100', base]);
  // Copies that differ in their tags: each is its own track and version, so each first play is cold.
  for (let i = 0; i < TRACKS; i++) {
    const tags = ['-metadata', `title=Click ${i}`, '-metadata', 'artist=Bench', '-metadata', 'album=Cold'];
    await exec(ffmpeg, ['-v', 'error', '-i', base, '-c', 'copy', ...tags, join(music, `${i}.flac`)]);
  }

  const env = {
    ...process.env,
    CADENZA_DATA_DIR: join(scratch, 'data'),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    CADENZA_ROLES: 'api,edge',
  };
  await runCadenza(['user', 'add', '--username', 'bench', '--password', 'bench-password', '--product', 'premium'], env);
  const imported = JSON.parse(await runCadenza(['import', music, '--transcode', 'lazy', '--json'], env)) as {
    tracks: { id: string }[];
  };
  const trackIds = imported.tracks.map((t) => t.id);
  if (trackIds.length !== TRACKS) throw new Error(`imported ${trackIds.length} of ${TRACKS} tracks`);

  const { base: origin, stop } = await startCadenzaServe(env);
  try {
    const token = (await (
      await fetch(`${origin}/api/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=password&username=bench&password=bench-password',
      })
    ).json()) as { access_token: string };
    const auth = { Authorization: `Bearer ${token.access_token}` };
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });

    /** One click: the playback request, then the first range of the rung the player starts on. */
    const click = async (trackId: string) => {
      const grant = await timedGet(agent, new URL(`${origin}/v1/tracks/${trackId}/stream`), auth);
      const files = JSON.parse(grant.body.toString()).files as { quality: string; url: string }[];
      const file = files.find((f) => f.quality === QUALITY);
      if (!file) throw new Error(`no ${QUALITY} for this listener`);
      const first = await timedGet(agent, new URL(file.url, origin), { Range: `bytes=0-${FIRST_BYTES - 1}` });
      if (first.body.length !== FIRST_BYTES) throw new Error(`first range held ${first.body.length} bytes`);
      parts.push([grant.ms, first.ms]);
      return grant.ms + first.ms;
    };
    /** Each click's playback request and first range, in that order. */
    const parts: [number, number][] = [];

    // Plays a second apart, each on a new track (a listener skipping through new music). The bare
    // encoder runs between them, so both see the same machine: the same load from elsewhere, the same
    // earlier rungs still being finished.
    const cold: number[] = [];
    const bare: number[] = [];
    for (const [i, id] of trackIds.entries()) {
      const clickedAt = performance.now();
      cold.push(await click(id));
      if (i < 30) bare.push(await bareFirstBytes(join(music, `${i}.flac`)));
      // A listener skipping through new tracks, one a second: each earlier rung still being made.
      await new Promise((r) => setTimeout(r, Math.max(0, clickedAt + CLICK_EVERY_MS - performance.now())));
    }
    // Let the rungs started by the cold plays finish, then play each again.
    await new Promise((r) => setTimeout(r, 2000));
    const warm: number[] = [];
    for (const id of trackIds) warm.push(await click(id));
    // The background ladder at work: a worker process making every remaining rung at niceness 19, while
    // the same plays are measured again. The API and the edge should hardly notice.
    const worker = await startCadenzaServe({ ...env, CADENZA_ROLES: 'worker' });
    const busy: number[] = [];
    try {
      await new Promise((r) => setTimeout(r, 1000));
      for (const id of trackIds) busy.push(await click(id));
    } finally {
      await worker.stop();
    }
    agent.destroy();

    const row = (name: string, xs: number[]) =>
      `| ${name} | ${xs.length} | ${pct(xs, 0.5).toFixed(1)} ms | ${pct(xs, 0.99).toFixed(1)} ms |`;
    console.log(
      [
        '',
        `click-to-audio, ${QUALITY}, ${SECONDS} s FLAC sources, premium listener, api+edge roles:`,
        '| measure | n | p50 | p99 |',
        '| --- | --- | --- | --- |',
        row('cold: no rung yet (target p99 < 500 ms)', cold),
        row('warm: rung made', warm),
        row('warm, while a worker builds the remaining ladder at niceness 19', busy),
        row('bare FFmpeg: spawn to first 64 KB', bare),
        '',
        `cold / bare FFmpeg: ×${(pct(cold, 0.5) / pct(bare, 0.5)).toFixed(2)} at p50, ×${(pct(cold, 0.99) / pct(bare, 0.99)).toFixed(2)} at p99`,
        (() => {
          const i = cold.indexOf(Math.max(...cold));
          const [grant, range] = parts[i]!.map((ms) => ms.toFixed(1));
          return `slowest cold click: #${i + 1} of ${cold.length}, ${cold[i]!.toFixed(1)} ms (playback request ${grant} ms, first range ${range} ms)`;
        })(),
        `cold / warm: ×${(pct(cold, 0.5) / pct(warm, 0.5)).toFixed(1)} at p50`,
        `warm during background ladder / warm idle: ×${(pct(busy, 0.5) / pct(warm, 0.5)).toFixed(2)} at p50, ×${(pct(busy, 0.99) / pct(warm, 0.99)).toFixed(2)} at p99`,
      ].join('\n'),
    );
  } finally {
    await stop();
  }
} finally {
  await rm(scratch, { recursive: true, force: true });
}

import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTone } from '../test/helpers/audio.js';
import { runCadenza, startCadenzaServe } from './lib/child.js';
import { pct } from './lib/stats.js';

const SAMPLES = Number(process.env.BENCH_STREAM_START_SAMPLES ?? 500);

/** Time to the first byte of a GET; the rest of the body is drained and discarded. */
function firstByte(agent: Agent, url: URL, headers: Record<string, string>): Promise<{ ms: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request(url, { agent, headers }, (res) => {
      let first = 0;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        if (!first) first = performance.now();
        chunks.push(c);
      });
      res.on('end', () => resolve({ ms: first - t0, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

export async function measureStreamStart(): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'cadenza-bench-start-'));
  await chmod(dir, 0o755);
  const env = { ...process.env, CADENZA_DATA_DIR: join(dir, 'data'), HOST: '127.0.0.1', LOG_LEVEL: 'info' };
  await mkdir(join(dir, 'music'));
  await makeTone(join(dir, 'music', 'start.flac'), { seconds: 30, tags: { title: 'Start', artist: 'Bench' } });
  await runCadenza(['user', 'add', '--username', 'bench', '--password', 'bench-password', '--product', 'premium'], env);
  const imported = JSON.parse(await runCadenza(['import', join(dir, 'music'), '--transcode', 'eager', '--json'], env));
  const trackId: string = imported.tracks[0].id;

  const { base, stop } = await startCadenzaServe(env);
  try {
    const token = (await (
      await fetch(`${base}/api/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=password&username=bench&password=bench-password',
      })
    ).json()) as { access_token: string };
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const grantUrl = new URL(`${base}/v1/tracks/${trackId}/stream`);
    const auth = { Authorization: `Bearer ${token.access_token}` };
    const grants: number[] = [];
    const firsts: number[] = [];
    const totals: number[] = [];
    for (let i = 0; i < SAMPLES + 50; i++) {
      const t0 = performance.now();
      const grant = await firstByte(agent, grantUrl, auth);
      const t1 = performance.now();
      const files = JSON.parse(grant.body.toString()).files as { quality: string; url: string }[];
      const url = new URL(files.find((f) => f.quality === 'vorbis_160')!.url, base);
      const chunk = await firstByte(agent, url, { Range: 'bytes=0-524287' });
      if (i < 50) continue; // warm-up
      grants.push(t1 - t0);
      firsts.push(chunk.ms);
      totals.push(t1 - t0 + chunk.ms);
    }
    agent.destroy();
    const row = (name: string, xs: number[]) =>
      `| ${name} | ${pct(xs, 0.5).toFixed(2)} ms | ${pct(xs, 0.99).toFixed(2)} ms |`;
    return [
      '',
      `stream start over ${SAMPLES} sequential plays on one keep-alive connection (cadenza serve, premium listener):`,
      '| leg | p50 | p99 |',
      '| --- | --- | --- |',
      row('playback request (GET /v1/tracks/{id}/stream)', grants),
      row('signed URL → first byte of the first 512 KB chunk', firsts),
      row('stream start, request to first audio byte (target p99 < 10 ms)', totals),
    ];
  } finally {
    await stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const line of await measureStreamStart()) console.log(line);
}

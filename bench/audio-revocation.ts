/**
 * The cost of refusing withdrawn tracks on the audio path: Cadenza's edge handler with the revocation
 * list (10,000 withdrawn tracks, none of them the ones requested) against the same handler without it,
 * each in its own process on 127.0.0.1, driven by one keep-alive load generator in a third. Small ranges
 * (16 KB, from the edge's block cache) make the per-request work as large a share as it gets.
 * Before that, the check alone against the signature check it follows, in this process.
 *
 *   node --import tsx bench/audio-revocation.ts          (npm run bench:revocation)
 *   BENCH_SECONDS=10 BENCH_CONCURRENCY=32 BENCH_REVOKED=100000 npm run bench:revocation
 *
 * This file is also its own child processes: `audio-revocation.ts <serve|load> <json>`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { newId } from '../src/core/ids.js';
import { RevocationList } from '../src/core/streaming/revocations.js';
import { UrlSigner } from '../src/core/streaming/signer.js';
import { createAudioHandler } from '../src/http/audio.js';
import { nextJsonLine } from './lib/child.js';
import { writeSignedAudio } from './lib/signed-audio.js';
import { cpuMs, median } from './lib/stats.js';

const HOST = '127.0.0.1';
const SECONDS = Math.max(2, Math.round(Number(process.env.BENCH_SECONDS ?? 8)));
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const REVOKED = Number(process.env.BENCH_REVOKED ?? 10_000);
const FILES = 16;
const FILE_BYTES = 2 * 1024 * 1024;
const RANGE_BYTES = 16 * 1024;
const SELF = fileURLToPath(import.meta.url);

interface ServeArg {
  root: string;
  keyId: string;
  secret: string;
  /** How many withdrawn tracks the list holds (random ids); null: no list at all. */
  revoked: number | null;
}
interface LoadJob {
  port: number;
  paths: string[];
  seconds: number;
}
interface Target {
  name: string;
  port: number;
  pid: number | undefined;
  rounds: { requests: number; cpuMs: number }[];
}
interface RoundResult {
  requests: number;
  errors: number;
}

// ---- child: the edge handler, mounted as `cadenza serve` mounts it, with or without the list ----
async function serve(arg: ServeArg): Promise<void> {
  const signer = new UrlSigner({
    keys: [{ id: arg.keyId, secret: Buffer.from(arg.secret, 'base64') }],
    ttlSeconds: 3600,
  });
  let revoked: RevocationList | undefined;
  if (arg.revoked !== null) {
    const ids = Array.from({ length: arg.revoked }, () => newId());
    revoked = new RevocationList({ revoked: async () => ids, subscribe: async () => async () => {} });
    await revoked.start();
  }
  const server = createServer(createAudioHandler({ signer, audioRoot: arg.root, revoked }));
  server.listen(0, HOST, () => console.log(JSON.stringify({ port: (server.address() as AddressInfo).port })));
}

// ---- child: a closed-loop keep-alive load generator; one job per stdin line ----
async function load(): Promise<void> {
  for await (const line of createInterface({ input: process.stdin })) {
    const job = JSON.parse(line) as LoadJob;
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const out: RoundResult = { requests: 0, errors: 0 };
    const end = performance.now() + job.seconds * 1000;
    const one = () =>
      new Promise<void>((resolve) => {
        const offset = randomInt(FILE_BYTES - RANGE_BYTES);
        const headers = { range: `bytes=${offset}-${offset + RANGE_BYTES - 1}` };
        const path = job.paths[randomInt(job.paths.length)]!;
        const req = request({ host: HOST, port: job.port, path, agent, headers }, (res) => {
          res.resume();
          res.on('end', () => {
            if (performance.now() <= end) res.statusCode === 206 ? out.requests++ : out.errors++;
            resolve();
          });
        });
        req.on('error', () => resolve(void out.errors++));
        req.end();
      });
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (performance.now() < end) await one();
      }),
    );
    agent.destroy();
    console.log(JSON.stringify(out));
  }
}

// ---- orchestration ----
function child(mode: string, arg: unknown = null): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', SELF, mode, JSON.stringify(arg)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
}

/** ns per call of `fn` over `n` calls, best of 5 runs (the least disturbed by neighbours). */
function nsPerCall(n: number, fn: (i: number) => unknown): number {
  let best = Number.POSITIVE_INFINITY;
  let sink = 0;
  for (let run = 0; run < 5; run++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) if (fn(i)) sink++;
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / n);
  }
  if (sink < 0) console.log(sink);
  return best;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'cadenza-bench-revocation-'));
  const procs: ChildProcess[] = [];
  try {
    const audio = await writeSignedAudio(dir, FILES, FILE_BYTES);
    const { signer, signed: paths } = audio;
    const revoked = Array.from({ length: REVOKED }, () => newId());

    // 1. The check alone, next to the signature check every request already pays.
    const list = new RevocationList({ revoked: async () => revoked, subscribe: async () => async () => {} });
    await list.start();
    const queries = paths.map((p) => new URLSearchParams(p.split('?')[1]));
    const pathnames = paths.map((p) => p.split('?')[0]!);
    const trackIds = pathnames.map((p) => p.split('/')[2]!);
    // A fresh string per lookup, as each request's id is (its hash is not cached yet): sliced from the path.
    const probes = [...pathnames, ...revoked.slice(0, FILES).map((id) => `/audio/${id}/v1/vorbis_160`)];
    const verifyNs = nsPerCall(100_000, (i) => signer.verify(pathnames[i % FILES]!, queries[i % FILES]!).ok);
    const hasNs = nsPerCall(1_000_000, (i) => list.has(probes[i % probes.length]!.slice(7, 29)));
    if (!list.has(revoked[0]!) || list.has(trackIds[0]!)) throw new Error('the list does not hold what it should');
    await list.stop();
    console.log(
      `bench:revocation — ${REVOKED.toLocaleString('en')} withdrawn tracks in the list, Node ${process.version}`,
    );
    console.log(`\n1. per call, in this process (best of 5)`);
    console.log(`   signature check (HMAC-SHA256)    ${verifyNs.toFixed(0).padStart(6)} ns`);
    console.log(
      `   revocation check (Set lookup)    ${hasNs.toFixed(1).padStart(6)} ns   (${((100 * hasNs) / verifyNs).toFixed(2)} % of the signature check)`,
    );

    // 2. Whole requests over HTTP, the two servers measured in alternating 1 s rounds.
    const base = { root: dir, keyId: audio.keyId, secret: audio.secret };
    // A second server without the list is the control: how far apart two identical servers measure here.
    const targets: Target[] = [];
    for (const [name, list] of [
      ['without', null],
      ['with', REVOKED],
      ['control', null],
    ] as const) {
      const proc = child('serve', { ...base, revoked: list });
      procs.push(proc);
      const { port } = await nextJsonLine<{ port: number }>(proc, 30_000);
      targets.push({ name, port, pid: proc.pid, rounds: [] });
    }
    const loader = child('load');
    procs.push(loader);
    const round = async (target: Target, seconds: number) => {
      const answer = nextJsonLine<RoundResult>(loader, (seconds + 30) * 1000);
      loader.stdin!.write(`${JSON.stringify({ port: target.port, paths, seconds } satisfies LoadJob)}\n`);
      const result = await answer;
      if (result.errors > 0) throw new Error(`${target.name}: ${result.errors} requests failed`);
      return result;
    };
    for (const target of targets) await round(target, 1); // warm-up: JIT, block cache
    for (let r = 0; r < SECONDS; r++) {
      for (let i = 0; i < targets.length; i++) {
        const target = targets[(i + r) % targets.length]!;
        const before = cpuMs(target.pid);
        const { requests } = await round(target, 1);
        target.rounds.push({ requests, cpuMs: cpuMs(target.pid) - before });
      }
    }
    console.log(
      `\n2. ${RANGE_BYTES >> 10} KB ranges over HTTP, ${CONCURRENCY} keep-alive connections, ${SECONDS} × 1 s rounds each`,
    );
    console.log('   server       req/s   server cpu µs/req');
    const total = (t: Target, k: 'requests' | 'cpuMs') => t.rounds.reduce((n, r) => n + r[k], 0);
    for (const t of targets) {
      const cpu = ((total(t, 'cpuMs') * 1000) / total(t, 'requests')).toFixed(1);
      console.log(
        `   ${t.name.padEnd(8)} ${(total(t, 'requests') / SECONDS).toFixed(0).padStart(8)}   ${cpu.padStart(17)}`,
      );
    }
    // Round r of each server ran back to back, so their ratio sees the same neighbours; the median of the
    // rounds' ratios is what a passing spike moves least.
    const ratio = (a: Target, b: Target, k: 'requests' | 'cpu') =>
      median(
        a.rounds.map((ra, r) => {
          const rb = b.rounds[r]!;
          return k === 'requests' ? ra.requests / rb.requests : ra.cpuMs / ra.requests / (rb.cpuMs / rb.requests);
        }),
      ).toFixed(3);
    const [without, withList, control] = targets as [Target, Target, Target];
    console.log('\nmedian of the rounds’ ratios (target: within 5 %)');
    console.log(
      `   with ÷ without      req/s ${ratio(withList, without, 'requests')}   cpu per request ${ratio(withList, without, 'cpu')}`,
    );
    console.log(
      `   control ÷ without   req/s ${ratio(control, without, 'requests')}   cpu per request ${ratio(control, without, 'cpu')}   (noise)`,
    );
  } finally {
    for (const p of procs) p.kill();
    await rm(dir, { recursive: true, force: true });
  }
}

const [mode, arg] = process.argv.slice(2);
if (mode === 'serve') await serve(JSON.parse(arg!) as ServeArg);
else if (mode === 'load') await load();
else await main();

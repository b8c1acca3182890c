/**
 * Range-delivery benchmark: 512 KB range requests at random offsets against Cadenza's audio handler,
 * nginx (sendfile) and a bare Node static server, each in its own process on 127.0.0.1, all driven by
 * the same load generator in a process of its own (wrk when installed, else a Node keep-alive client).
 *
 *   node --import tsx bench/stream.ts        (npm run bench:stream)
 *   BENCH_SECONDS=10 BENCH_CONCURRENCY=1,64 BENCH_TARGETS=cadenza,nginx BENCH_LOADGEN=node npm run bench:stream
 *
 * This file is also its own child processes: `stream.ts <serve-cadenza|serve-node|load> <json>`.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { UrlSigner } from '../src/core/streaming/signer.js';
import { createAudioHandler } from '../src/http/audio.js';
import { nextJsonLine } from './lib/child.js';
import { writeSignedAudio } from './lib/signed-audio.js';
import { cpuMs, median } from './lib/stats.js';
import { measureStreamStart } from './stream-start.js';

const HOST = '127.0.0.1';
const RANGE_BYTES = 512 * 1024;
const FILE_BYTES = 8 * 1024 * 1024;
const FILES = Number(process.env.BENCH_FILES ?? 8);
const SECONDS = Math.max(1, Math.round(Number(process.env.BENCH_SECONDS ?? 5)));
// Each measurement is split into 1-second rounds that rotate over the targets, so a noisy neighbour
// on a shared machine slows every target alike instead of whichever happened to run at the time.
const ROUNDS = SECONDS;
const CONCURRENCIES = (process.env.BENCH_CONCURRENCY ?? '1,64,256').split(',').map(Number);
const ONLY = process.env.BENCH_TARGETS?.split(',');
const SELF = fileURLToPath(import.meta.url);
const NGINX = '/usr/sbin/nginx';
const WRK =
  process.env.BENCH_LOADGEN !== 'node' && spawnSync('sh', ['-c', 'command -v wrk']).status === 0 ? 'wrk' : undefined;

interface Target {
  name: string;
  port: number;
  pid: number | undefined;
  paths: string[];
  stop(): void;
}
interface LoadJob {
  port: number;
  paths: string[];
  concurrency: number;
  seconds: number;
}
/** One round's result; latencies in ms. */
interface RoundResult {
  requests: number;
  errors: number;
  p50: number;
  p99: number;
}
type LoadGenerator = (target: Target, concurrency: number, seconds: number) => Promise<RoundResult>;

// ---- child: Cadenza's edge handler, mounted the way the server mounts it ----
function serveCadenza(arg: { root: string; keyId: string; secret: string }): void {
  const keys = [{ id: arg.keyId, secret: Buffer.from(arg.secret, 'base64') }];
  const handler = createAudioHandler({ signer: new UrlSigner({ keys, ttlSeconds: 3600 }), audioRoot: arg.root });
  const server = createServer(handler);
  server.listen(0, HOST, () => console.log(JSON.stringify({ port: (server.address() as AddressInfo).port })));
}

// ---- child: the obvious Node static server (stat + createReadStream per request) ----
function serveNode(arg: { root: string }): void {
  const server = createServer((req, res) => {
    const path = normalize(join(arg.root, (req.url ?? '').split('?')[0]!.replace(/^\/audio\//, '')));
    if (!path.startsWith(arg.root)) return void res.writeHead(404).end();
    stat(path).then(
      ({ size }) => {
        const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
        const start = m ? Number(m[1]) : 0;
        const end = m?.[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
        if (start >= size) return void res.writeHead(416, { 'Content-Range': `bytes */${size}` }).end();
        const range = m ? { 'Content-Range': `bytes ${start}-${end}/${size}` } : {};
        res.writeHead(m ? 206 : 200, { 'Content-Type': 'audio/ogg', 'Content-Length': end - start + 1, ...range });
        createReadStream(path, { start, end }).pipe(res);
      },
      () => res.writeHead(404).end(),
    );
  });
  server.listen(0, HOST, () => console.log(JSON.stringify({ port: (server.address() as AddressInfo).port })));
}

// ---- child: the Node load generator (used when wrk is missing); one job per stdin line ----
async function runRound(job: LoadJob): Promise<RoundResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: job.concurrency, maxFreeSockets: job.concurrency });
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + job.seconds * 1000;
  const one = () =>
    new Promise<void>((resolve) => {
      const offset = randomInt(FILE_BYTES - RANGE_BYTES);
      const headers = { range: `bytes=${offset}-${offset + RANGE_BYTES - 1}` };
      const started = performance.now();
      const path = job.paths[randomInt(job.paths.length)]!;
      const req = request({ host: HOST, port: job.port, path, agent, headers }, (res) => {
        let got = 0;
        res.on('data', (chunk: Buffer) => {
          got += chunk.length;
        });
        res.on('end', () => {
          const done = performance.now();
          if (done > end) return resolve();
          if (res.statusCode === 206 && got === RANGE_BYTES) latencies.push(done - started);
          else errors++;
          resolve();
        });
      });
      req.on('error', () => resolve(void errors++));
      req.end();
    });
  const worker = async () => {
    while (performance.now() < end) await one();
  };
  await Promise.all(Array.from({ length: job.concurrency }, worker));
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pick = (q: number) => latencies[Math.floor(q * (latencies.length - 1))] ?? Number.NaN;
  return { requests: latencies.length, errors, p50: pick(0.5), p99: pick(0.99) };
}

async function runNodeLoadGenerator(): Promise<void> {
  for await (const line of createInterface({ input: process.stdin })) {
    console.log(JSON.stringify(await runRound(JSON.parse(line) as LoadJob)));
  }
}

// ---- orchestration ----
function child(mode: string, arg: unknown = null): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', SELF, mode, JSON.stringify(arg)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
}

async function startNodeTarget(name: string, mode: string, arg: unknown, paths: string[]): Promise<Target> {
  const proc = child(mode, arg);
  const { port } = await nextJsonLine<{ port: number }>(proc, 20_000);
  return { name, port, pid: proc.pid, paths, stop: () => proc.kill() };
}

/** wrk with a Lua script per target that picks a random file and offset for every request. */
async function wrkGenerator(dir: string): Promise<LoadGenerator> {
  const scripts = new Map<string, string>();
  const run = promisify(execFile);
  return async (target, concurrency, seconds) => {
    let script = scripts.get(target.name);
    if (script === undefined) {
      script = join(dir, `wrk-${target.name}.lua`);
      await writeFile(script, wrkScript(target.paths));
      scripts.set(target.name, script);
    }
    const url = `http://${HOST}:${target.port}/`;
    const args = ['-t1', `-c${concurrency}`, `-d${seconds}s`, '--timeout', '10s', '-s', script, url];
    const { stdout } = await run('wrk', args, { timeout: (seconds + 30) * 1000 });
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as RoundResult;
  };
}

function wrkScript(paths: string[]): string {
  return `local paths = { ${paths.map((p) => JSON.stringify(p)).join(', ')} }
request = function()
  local offset = math.random(0, ${FILE_BYTES - RANGE_BYTES})
  local range = "bytes=" .. offset .. "-" .. (offset + ${RANGE_BYTES - 1})
  return wrk.format("GET", paths[math.random(#paths)], { Range = range })
end
done = function(summary, latency)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  io.write(string.format('\\n{"requests":%d,"errors":%d,"p50":%.3f,"p99":%.3f}\\n', summary.requests, errors,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
`;
}

function nodeGenerator(load: ChildProcess): LoadGenerator {
  return (target, concurrency, seconds) => {
    const pending = nextJsonLine<RoundResult>(load, (seconds + 30) * 1000);
    const job: LoadJob = { port: target.port, paths: target.paths, concurrency, seconds };
    load.stdin!.write(`${JSON.stringify(job)}\n`);
    return pending;
  };
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, HOST, resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** nginx in the foreground, one process, sendfile on, no access log; undefined when not installed. */
async function startNginx(dir: string, root: string, paths: string[]): Promise<Target | undefined> {
  if (!(await stat(NGINX).catch(() => undefined))) return undefined;
  const port = await freePort();
  const temps = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'];
  await Promise.all(temps.map((t) => mkdir(join(dir, `nginx-${t}`))));
  const conf = join(dir, 'nginx.conf');
  const log = join(dir, 'nginx-error.log');
  await writeFile(
    conf,
    `daemon off; master_process off; worker_processes 1; pid ${dir}/nginx.pid; error_log ${log} warn;
events { worker_connections 4096; }
http {
  access_log off; sendfile on; tcp_nopush on; keepalive_requests 1000000; types { audio/ogg ogg; }
  ${temps.map((t) => `${t}_temp_path ${dir}/nginx-${t};`).join(' ')}
  server { listen ${HOST}:${port}; location /audio/ { alias ${root}/; } }
}
`,
  );
  const proc = spawn(NGINX, ['-p', dir, '-c', conf, '-e', log], { stdio: 'ignore' });
  const target = { name: 'nginx', port, pid: proc.pid, paths, stop: () => proc.kill() };
  for (let i = 0; i < 100; i++) {
    const status = await new Promise<number>((resolve) => {
      const req = request({ host: HOST, port, path: paths[0], method: 'HEAD' }, (res) => resolve(res.statusCode ?? 0));
      req.on('error', () => resolve(0));
      req.end();
    });
    if (status === 200) return target;
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill();
  throw new Error(`nginx did not start: ${readFileSync(log, 'utf8')}`);
}

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'cadenza-bench-'));
  await chmod(dir, 0o755); // nginx may read as another user
  const root = join(dir, 'audio');
  const stoppers: (() => void)[] = [];
  const cleanup = () => {
    for (const stop of stoppers.splice(0)) stop();
  };
  process.once('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  try {
    const audio = await writeSignedAudio(root, FILES, FILE_BYTES);
    const { signed, plain } = audio;
    const targets: Target[] = [];
    const started = (t: Target | undefined): boolean => {
      if (t === undefined) return false;
      targets.push(t);
      stoppers.push(t.stop);
      return true;
    };
    const cadenzaArg = { root, keyId: audio.keyId, secret: audio.secret };
    started(await startNodeTarget('cadenza', 'serve-cadenza', cadenzaArg, signed));
    if (!started(await startNginx(dir, root, plain))) console.log(`(no nginx at ${NGINX}: skipped)`);
    started(await startNodeTarget('bare-node', 'serve-node', { root }, plain));
    const measured = targets.filter((t) => !ONLY || ONLY.includes(t.name));

    let generate: LoadGenerator;
    if (WRK) generate = await wrkGenerator(dir);
    else {
      const load = child('load');
      stoppers.push(() => load.kill());
      generate = nodeGenerator(load);
    }
    console.log(
      `${FILES} files × ${FILE_BYTES >> 20} MB; ${RANGE_BYTES >> 10} KB ranges at random offsets; ` +
        `load generator: ${WRK ? 'wrk -t1' : 'node (keep-alive agent)'}; ` +
        `${SECONDS} s per target and concurrency, in ${ROUNDS} rotating 1 s rounds; ` +
        `Cadenza's edge block cache is 128 MB (BENCH_FILES=48 makes the working set larger than it)`,
    );
    // Warm every server up (JIT, page cache) before anything counts.
    for (const target of measured) await generate(target, 64, 1);

    const header = ['target', 'conc', 'req/s', 'MB/s', 'p50 ms', 'p99 ms', 'cpu µs/req', 'errors'];
    console.log(`\n${header.map((h) => h.padStart(11)).join('')}`);
    const rates = new Map<string, number>();
    for (const concurrency of CONCURRENCIES) {
      const rounds = new Map<Target, RoundResult[]>(measured.map((t) => [t, []]));
      const cpu = new Map<Target, number>(measured.map((t) => [t, 0]));
      for (let round = 0; round < ROUNDS; round++) {
        for (let i = 0; i < measured.length; i++) {
          // Rotate the order too, so no target always runs right after the same neighbour.
          const target = measured[(i + round) % measured.length]!;
          const before = cpuMs(target.pid);
          rounds.get(target)!.push(await generate(target, concurrency, 1));
          cpu.set(target, cpu.get(target)! + cpuMs(target.pid) - before);
        }
      }
      for (const target of measured) {
        const rs = rounds.get(target)!;
        const requests = rs.reduce((n, r) => n + r.requests, 0);
        const errors = rs.reduce((n, r) => n + r.errors, 0);
        const rate = requests / SECONDS;
        rates.set(`${target.name}@${concurrency}`, rate);
        const p50 = median(rs.map((r) => r.p50));
        const p99 = Math.max(...rs.map((r) => r.p99));
        const cpuPerRequest = (cpu.get(target)! * 1000) / requests;
        const cells = [target.name, concurrency, fmt(rate, 0), fmt((rate * RANGE_BYTES) / 1e6), fmt(p50, 2)];
        console.log([...cells, fmt(p99, 2), fmt(cpuPerRequest, 0), errors].map((c) => String(c).padStart(11)).join(''));
      }
    }
    console.log('\np50 = median of the rounds’ p50; p99 = worst round’s p99; cpu = server process time per request');
    console.log('ratio of requests/s (Cadenza ÷ baseline; target ≥ 0.90 against nginx)');
    for (const concurrency of CONCURRENCIES) {
      const rate = (name: string) => rates.get(`${name}@${concurrency}`) ?? Number.NaN;
      const c = rate('cadenza');
      const line = `vs nginx ${fmt(c / rate('nginx'), 2)}   vs bare-node ${fmt(c / rate('bare-node'), 2)}`;
      console.log(`  c=${String(concurrency).padEnd(4)} ${line}`);
    }
    for (const line of await measureStreamStart()) console.log(line);
  } finally {
    cleanup();
    await rm(dir, { recursive: true, force: true });
  }
}

const [mode, arg] = process.argv.slice(2);
if (mode === 'serve-cadenza') serveCadenza(JSON.parse(arg!));
else if (mode === 'serve-node') serveNode(JSON.parse(arg!));
else if (mode === 'load') await runNodeLoadGenerator();
else await main();

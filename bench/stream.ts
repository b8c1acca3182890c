/**
 * Range-delivery benchmark: 512 KB range requests at random offsets against Cadenza's audio handler,
 * nginx (sendfile) and a bare Node static server, each in its own process on 127.0.0.1, driven by one
 * load generator that runs in its own process too. Prints a table and the ratios Cadenza/baseline.
 *
 *   node --import tsx bench/stream.ts              (npm run bench:stream)
 *   BENCH_SECONDS=10 BENCH_FILES=16 BENCH_CONCURRENCY=1,64 BENCH_TARGETS=cadenza,nginx npm run bench:stream
 *
 * The same file is also the child processes: `stream.ts <serve-cadenza|serve-node|load> <json>`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { newId } from '../src/core/ids.js';
import { audioKey } from '../src/core/ingest/ladder.js';
import { UrlSigner } from '../src/core/streaming/signer.js';
import { createAudioHandler } from '../src/http/audio.js';

const HOST = '127.0.0.1';
const RANGE_BYTES = 512 * 1024;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
// Each measurement is split into rounds that rotate over the targets, so a noisy neighbour on a
// shared machine slows every target alike instead of whichever happened to run at the time.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ROUND_WARMUP_MS = 300;
const FILES = Number(process.env.BENCH_FILES ?? 8);
const FILE_BYTES = 8 * 1024 * 1024;
const CONCURRENCIES = (process.env.BENCH_CONCURRENCY ?? '1,64,256').split(',').map(Number);
const NGINX = '/usr/sbin/nginx';
const ONLY = process.env.BENCH_TARGETS?.split(',');
const SELF = fileURLToPath(import.meta.url);

interface LoadJob {
  port: number;
  paths: string[];
  concurrency: number;
  fileBytes: number;
  warmupMs: number;
  measureMs: number;
}
interface SliceResult {
  requests: number;
  bytes: number;
  errors: number;
  /** Milliseconds, one per counted request. */
  latencies: number[];
}
interface Target {
  name: string;
  port: number;
  pid: number | undefined;
  paths: string[];
  stop(): void;
}

// ---- child: Cadenza's edge handler, exactly as the server will mount it ----
function serveCadenza(arg: { root: string; keyId: string; secret: string }): void {
  const signer = new UrlSigner({
    keys: [{ id: arg.keyId, secret: Buffer.from(arg.secret, 'base64') }],
    ttlSeconds: 3600,
  });
  const server = createServer(createAudioHandler({ signer, audioRoot: arg.root }));
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
        res.writeHead(m ? 206 : 200, {
          'Content-Type': 'audio/ogg',
          'Content-Length': end - start + 1,
          'Accept-Ranges': 'bytes',
          ...(m ? { 'Content-Range': `bytes ${start}-${end}/${size}` } : {}),
        });
        createReadStream(path, { start, end }).pipe(res);
      },
      () => res.writeHead(404).end(),
    );
  });
  server.listen(0, HOST, () => console.log(JSON.stringify({ port: (server.address() as AddressInfo).port })));
}

// ---- child: the load generator, identical for every target; takes one job per stdin line ----
function runSlice(job: LoadJob): Promise<SliceResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: job.concurrency, maxFreeSockets: job.concurrency });
  const result: SliceResult = { requests: 0, bytes: 0, errors: 0, latencies: [] };
  const warmEnd = performance.now() + job.warmupMs;
  const end = warmEnd + job.measureMs;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const offset = randomInt(job.fileBytes - RANGE_BYTES);
      const path = job.paths[randomInt(job.paths.length)]!;
      const range = `bytes=${offset}-${offset + RANGE_BYTES - 1}`;
      const started = performance.now();
      const req = request({ host: HOST, port: job.port, path, agent, headers: { range } }, (res) => {
        let got = 0;
        res.on('data', (chunk: Buffer) => {
          got += chunk.length;
        });
        res.on('end', () => {
          const done = performance.now();
          if (done < warmEnd || done > end) return resolve();
          if (res.statusCode === 206 && got === RANGE_BYTES) {
            result.requests++;
            result.bytes += got;
            result.latencies.push(Math.round((done - started) * 1000) / 1000);
          } else result.errors++;
          resolve();
        });
      });
      req.on('error', () => {
        result.errors++;
        resolve();
      });
      req.end();
    });
  const worker = async (): Promise<void> => {
    while (performance.now() < end) await one();
  };
  return Promise.all(Array.from({ length: job.concurrency }, worker)).then(() => {
    agent.destroy();
    return result;
  });
}

async function runLoadGenerator(): Promise<void> {
  for await (const line of createInterface({ input: process.stdin })) {
    console.log(JSON.stringify(await runSlice(JSON.parse(line) as LoadJob)));
  }
}

// ---- orchestration ----
function child(mode: string, arg: unknown = null): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', SELF, mode, JSON.stringify(arg)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
}

/** The next JSON line a child prints (its port, or a result), bounded in time. */
function nextJsonLine<T>(proc: ChildProcess, timeoutMs: number): Promise<T> {
  const lines = createInterface({ input: proc.stdout! });
  let onExit = (_code: number | null): void => {};
  let timer: NodeJS.Timeout | undefined;
  return new Promise<T>((resolve, reject) => {
    timer = setTimeout(() => reject(new Error('child did not answer in time')), timeoutMs);
    onExit = (code) => reject(new Error(`child exited with ${code}`));
    proc.once('exit', onExit);
    lines.once('line', (line) => resolve(JSON.parse(line) as T));
  }).finally(() => {
    clearTimeout(timer);
    proc.off('exit', onExit);
    lines.close();
  });
}

/** Server CPU time (user + system) from /proc, in ms; NaN where /proc is missing. */
function cpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime are fields 14 and 15 of stat, in USER_HZ ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

async function startNodeTarget(name: string, mode: string, arg: unknown, paths: string[]): Promise<Target> {
  const proc = child(mode, arg);
  const { port } = await nextJsonLine<{ port: number }>(proc, 20_000);
  return { name, port, pid: proc.pid, paths, stop: () => proc.kill() };
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, HOST, resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function startNginx(dir: string, root: string, paths: string[]): Promise<Target | undefined> {
  try {
    await stat(NGINX);
  } catch {
    console.log(`(nginx not found at ${NGINX}: skipped)`);
    return undefined;
  }
  const port = await freePort();
  const temps = ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'];
  await Promise.all(temps.map((t) => mkdir(join(dir, `nginx-${t}`), { recursive: true })));
  const conf = join(dir, 'nginx.conf');
  await writeFile(
    conf,
    `daemon off; master_process off; worker_processes 1;
pid ${dir}/nginx.pid; error_log ${dir}/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off; sendfile on; tcp_nopush on; keepalive_requests 1000000;
  ${temps.map((t) => `${t === 'body' ? 'client_body' : t}_temp_path ${dir}/nginx-${t};`).join(' ')}
  types { audio/ogg ogg; }
  server { listen ${HOST}:${port}; location /audio/ { alias ${root}/; } }
}
`,
  );
  const proc = spawn(NGINX, ['-p', dir, '-c', conf, '-e', join(dir, 'nginx-error.log')], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const req = request({ host: HOST, port, path: paths[0], method: 'HEAD' }, (res) =>
        resolve(res.statusCode === 200),
      );
      req.on('error', () => resolve(false));
      req.end();
    });
    if (up) return { name: 'nginx', port, pid: proc.pid, paths, stop: () => proc.kill() };
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill();
  throw new Error(`nginx did not start: ${readFileSync(join(dir, 'nginx-error.log'), 'utf8')}`);
}

interface Totals {
  requests: number;
  bytes: number;
  errors: number;
  cpuMs: number;
  latencies: number[];
}

/** One round of one target at one concurrency, added into `totals`. */
async function measureSlice(load: ChildProcess, target: Target, concurrency: number, totals: Totals): Promise<void> {
  const measureMs = (SECONDS * 1000) / ROUNDS;
  const job: LoadJob = {
    port: target.port,
    paths: target.paths,
    concurrency,
    fileBytes: FILE_BYTES,
    warmupMs: ROUND_WARMUP_MS,
    measureMs,
  };
  const pending = nextJsonLine<SliceResult>(load, measureMs + ROUND_WARMUP_MS + 30_000);
  load.stdin!.write(`${JSON.stringify(job)}\n`);
  // CPU is sampled over the whole slice (warm-up included), so per-request figures are a slight overestimate.
  const cpuBefore = cpuMs(target.pid);
  const r = await pending;
  totals.cpuMs += cpuMs(target.pid) - cpuBefore;
  totals.requests += r.requests;
  totals.bytes += r.bytes;
  totals.errors += r.errors;
  for (const l of r.latencies) totals.latencies.push(l);
}

/**
 * HOOK — "stream start" (playback request → first audio byte through the full API server: auth,
 * track lookup, URL signing, then the edge). Needs the API server; the integrator adds it here and
 * returns rows shaped like the range table's. Nothing is measured until then.
 */
async function measureStreamStart(_context: { root: string; secret: Buffer }): Promise<string[]> {
  return [];
}

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'cadenza-bench-'));
  await chmod(dir, 0o755);
  const root = join(dir, 'audio');
  const targets: Target[] = [];
  const children: ChildProcess[] = [];
  const cleanup = () => {
    for (const t of targets) t.stop();
    for (const c of children) c.kill();
  };
  process.on('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  try {
    const secret = randomBytes(32);
    const signer = new UrlSigner({ keys: [{ id: 'bench', secret }], ttlSeconds: 3600 });
    const userId = newId();
    const signed: string[] = [];
    const plain: string[] = [];
    for (let i = 0; i < FILES; i++) {
      const key = audioKey(newId(), 'v1', 'vorbis_160');
      await mkdir(dirname(join(root, key)), { recursive: true });
      await writeFile(join(root, key), randomBytes(FILE_BYTES));
      const [trackId = ''] = key.split('/');
      signed.push(signer.sign({ trackId, version: 'v1', quality: 'vorbis_160', userId }).path);
      plain.push(`/audio/${key}`);
    }
    console.log(
      `${FILES} files × ${FILE_BYTES >> 20} MB, ${RANGE_BYTES >> 10} KB ranges at random offsets, ` +
        `${SECONDS} s per target and concurrency in ${ROUNDS} interleaved rounds`,
    );
    targets.push(
      await startNodeTarget(
        'cadenza',
        'serve-cadenza',
        { root, keyId: 'bench', secret: secret.toString('base64') },
        signed,
      ),
    );
    const nginx = await startNginx(dir, root, plain);
    if (nginx) targets.push(nginx);
    targets.push(await startNodeTarget('bare-node', 'serve-node', { root }, plain));

    const load = child('load');
    children.push(load);
    const measured = targets.filter((t) => !ONLY || ONLY.includes(t.name));
    const header = ['target', 'conc', 'req/s', 'MB/s', 'p50 ms', 'p99 ms', 'cpu µs/req', 'errors'];
    console.log(`\n${header.map((h) => h.padStart(11)).join('')}`);
    const rates = new Map<string, number>();
    for (const concurrency of CONCURRENCIES) {
      const totals = new Map<Target, Totals>(
        measured.map((t) => [t, { requests: 0, bytes: 0, errors: 0, cpuMs: 0, latencies: [] }]),
      );
      for (let round = 0; round < ROUNDS; round++) {
        // Rotate the order too, so no target always runs right after the same neighbour.
        for (let i = 0; i < measured.length; i++) {
          const target = measured[(i + round) % measured.length]!;
          await measureSlice(load, target, concurrency, totals.get(target)!);
        }
      }
      for (const [target, t] of totals) {
        t.latencies.sort((a, b) => a - b);
        const pick = (q: number) => t.latencies[Math.min(t.latencies.length - 1, Math.floor(q * t.latencies.length))];
        rates.set(`${target.name}@${concurrency}`, t.requests / SECONDS);
        const cells = [target.name, concurrency, fmt(t.requests / SECONDS, 0), fmt(t.bytes / SECONDS / 1e6)];
        const cpuPerRequest = (t.cpuMs * 1000) / t.requests;
        const more = [
          fmt(pick(0.5) ?? Number.NaN, 2),
          fmt(pick(0.99) ?? Number.NaN, 2),
          fmt(cpuPerRequest, 0),
          t.errors,
        ];
        console.log([...cells, ...more].map((c) => String(c).padStart(11)).join(''));
      }
    }
    console.log('\nratio of requests/s (Cadenza ÷ baseline; target ≥ 0.90 against nginx)');
    for (const concurrency of CONCURRENCIES) {
      const rate = (name: string) => rates.get(`${name}@${concurrency}`) ?? Number.NaN;
      const c = rate('cadenza');
      const vsNginx = fmt(c / rate('nginx'), 2);
      console.log(
        `  c=${String(concurrency).padEnd(4)} vs nginx ${vsNginx}   vs bare-node ${fmt(c / rate('bare-node'), 2)}`,
      );
    }
    for (const line of await measureStreamStart({ root, secret })) console.log(line);
  } finally {
    cleanup();
    await rm(dir, { recursive: true, force: true });
  }
}

const [mode, arg] = process.argv.slice(2);
if (mode === 'serve-cadenza') serveCadenza(JSON.parse(arg!));
else if (mode === 'serve-node') serveNode(JSON.parse(arg!));
else if (mode === 'load') await runLoadGenerator();
else await main();

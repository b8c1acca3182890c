/**
 * bench:idle — resident memory of an idle `cadenza serve` (every role, embedded PostgreSQL excluded),
 * sampled after start-up and again after a settling period. Baseline in the same run: a bare Node
 * HTTP server, so the ratio shows what Cadenza adds over the runtime itself.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SETTLE_MS = 30_000;

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

function waitFor(child: ReturnType<typeof spawn>, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (d: Buffer) => {
      seen += d;
      const m = pattern.exec(seen);
      if (m) resolve(m[1] ?? m[0]);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('close', () => reject(new Error(`exited before ${pattern}: ${seen.slice(-500)}`)));
  });
}

const data = await mkdtemp(join(tmpdir(), 'cadenza-bench-idle-'));
await chmod(data, 0o755);
const cadenza = spawn(process.execPath, ['bin/cadenza.js', 'serve', '--port', '0', '--data', data], {
  env: { ...process.env, DATABASE_URL: '', HOST: '127.0.0.1', LOG_LEVEL: 'info' },
  stdio: ['ignore', 'pipe', 'pipe'],
});
const url = await waitFor(cadenza, /"url":"(http:[^"]+)"/);
await fetch(`${url}/readyz`);
const started = await rssMb(cadenza.pid!);
await new Promise((r) => setTimeout(r, SETTLE_MS));
const settled = await rssMb(cadenza.pid!);

const bare = spawn(
  process.execPath,
  [
    '-e',
    "require('http').createServer((q,s)=>s.end('ok')).listen(0,'127.0.0.1',function(){console.log('up '+this.address().port)})",
  ],
  { stdio: ['ignore', 'pipe', 'pipe'] },
);
await waitFor(bare, /up (\d+)/);
await new Promise((r) => setTimeout(r, 2000));
const baseline = await rssMb(bare.pid!);

cadenza.kill('SIGTERM');
bare.kill('SIGTERM');
await new Promise((r) => cadenza.on('close', r));
await rm(data, { recursive: true, force: true });

console.log('| process | RSS |');
console.log('| --- | --- |');
console.log(`| cadenza serve, just started | ${started.toFixed(0)} MB |`);
console.log(`| cadenza serve, idle after ${SETTLE_MS / 1000} s (target < 150 MB) | ${settled.toFixed(0)} MB |`);
console.log(`| bare Node HTTP server | ${baseline.toFixed(0)} MB |`);
console.log(`| ratio idle / bare | ${(settled / baseline).toFixed(2)} |`);

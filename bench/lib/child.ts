import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** Helpers shared by the benchmarks that run their targets as child processes. */

/** The next JSON line a child prints (its port, or a result), bounded in time. */
export function nextJsonLine<T>(proc: ChildProcess, timeoutMs: number): Promise<T> {
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

const BIN = fileURLToPath(new URL('../../bin/cadenza.js', import.meta.url));

/** Runs a `cadenza` command to completion and returns what it printed on stdout. */
export function runCadenza(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`cadenza ${args[0]} exited ${code}`))));
  });
}

/**
 * Starts `cadenza serve` on a free port; resolves with its base URL (read from its start-up log line).
 * The server's warnings and errors are passed through, so a failing run says why; BENCH_SERVER_ARGS
 * adds node options (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
 */
export async function startCadenzaServe(
  env: NodeJS.ProcessEnv,
): Promise<{ base: string; pid: number; stop(): Promise<void> }> {
  const nodeArgs = (process.env.BENCH_SERVER_ARGS ?? '').split(' ').filter(Boolean);
  const server = spawn(process.execPath, [...nodeArgs, BIN, 'serve', '--port', '0'], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stop = async () => {
    if (server.exitCode !== null) return;
    server.kill('SIGTERM');
    await new Promise((r) => server.on('close', r));
  };
  try {
    const base = await new Promise<string>((resolve, reject) => {
      let seen = '';
      server.stderr!.on('data', (d: Buffer) => {
        if (seen.length < 100_000) seen += d;
        const m = /"url":"(http:[^"]+)"/.exec(seen);
        if (m) resolve(m[1]!);
        for (const line of d.toString().split('\n')) {
          if (/"level":(40|50|60)/.test(line)) console.error(line.slice(0, 400));
        }
      });
      server.on('close', () => reject(new Error(`cadenza serve exited: ${seen.slice(-2000)}`)));
    });
    return { base, pid: server.pid!, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

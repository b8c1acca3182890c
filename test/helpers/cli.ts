import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { eventually } from './server.js';

export const CADENZA_BIN = fileURLToPath(new URL('../../bin/cadenza.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `cadenza ARGS` as a real child process. */
export function cadenza(
  args: string[],
  env: Record<string, string>,
): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [CADENZA_BIN, ...args], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => {
    stdout += d;
  });
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const done = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

export interface ServeProcess {
  child: ChildProcess;
  done: Promise<CliResult>;
  /** The base URL it logged once listening. */
  url: string;
  /** What it has logged so far (pino JSON lines). */
  stderr(): string;
}

/** `cadenza serve --port 0` on 127.0.0.1 as a real process, once it listens. */
export async function startServe(env: Record<string, string>, timeoutMs = 120_000): Promise<ServeProcess> {
  const run = cadenza(['serve', '--port', '0'], { HOST: '127.0.0.1', ...env });
  let stderr = '';
  run.child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const url = await eventually(async () => /"url":"(http:[^"]+)"/.exec(stderr)?.[1], timeoutMs, 'the server to listen');
  return { ...run, url, stderr: () => stderr };
}

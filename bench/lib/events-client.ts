/** What bench/events.ts needs to drive `cadenza serve`: a kept-alive HTTP client, a fresh database, NATS probing. */
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createDatabaseOn } from '../../test/helpers/db.js';
import { serviceAnswers } from '../../test/helpers/services.js';

const agent = new Agent({ keepAlive: true, maxSockets: 200 });
/** One request; retried once when a kept-alive socket was closed by the server meanwhile (intake is idempotent). */
export async function http(
  base: string,
  method: string,
  path: string,
  token?: string,
  body?: string,
): Promise<[number, string]> {
  try {
    return await once(base, method, path, token, body);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET') throw err;
    return once(base, method, path, token, body);
  }
}

function once(base: string, method: string, path: string, token?: string, body?: string): Promise<[number, string]> {
  const u = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = request(
      u,
      {
        method,
        agent,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve([res.statusCode ?? 0, Buffer.concat(chunks).toString()]));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A new database for one run on the server at `adminUrl`. */
export function freshDatabase(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  return createDatabaseOn(adminUrl, 'cadenza_bench_events');
}

/** Whether a NATS server answers at `url`. */
export function natsAnswers(url: string): Promise<boolean> {
  return serviceAnswers(url, 4222);
}

/** `cadenza serve` with its warnings and errors passed through, so a failing run says why. */
export async function serveWithWarnings(env: NodeJS.ProcessEnv): Promise<{ base: string; stop(): Promise<void> }> {
  const bin = fileURLToPath(new URL('../../bin/cadenza.js', import.meta.url));
  const args = (process.env.BENCH_EVENTS_SERVER_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...args, bin, 'serve', '--port', '0'], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let seen = '';
  const base = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      seen += d;
      const m = /"url":"(http:[^"]+)"/.exec(seen);
      if (m) resolve(m[1]!);
      for (const line of d.toString().split('\n'))
        if (/"level":(40|50|60)/.test(line)) console.error(line.slice(0, 400));
    });
    child.once('close', () => reject(new Error(`cadenza serve exited: ${seen.slice(-2000)}`)));
  });
  return {
    base,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('close', r));
    },
  };
}

export function closeHttp(): void {
  agent.destroy();
}

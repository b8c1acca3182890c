import { Agent, request } from 'node:http';
import { createDatabaseOn } from '../../test/helpers/db.js';
import { serviceAnswers } from '../../test/helpers/services.js';
import { cpuMs } from './stats.js';

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

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); 0 where it is missing. */
export async function cpuSeconds(pid: number): Promise<number> {
  const ms = cpuMs(pid);
  return Number.isNaN(ms) ? 0 : ms / 1000;
}

/** A new database for one run on the server at `adminUrl`. */
export function freshDatabase(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  return createDatabaseOn(adminUrl, 'cadenza_bench_events');
}

/** Whether a NATS server answers at `url`. */
export function natsAnswers(url: string): Promise<boolean> {
  return serviceAnswers(url, 4222);
}

export function closeHttp(): void {
  agent.destroy();
}

import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, createServices, type Services } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config.js';
import { createAudioHandler } from '../../src/http/audio.js';
import { buildHttp } from '../../src/http/server.js';
import { createTestDatabase } from './db.js';

export interface TestServer {
  url: string;
  services: Services;
  dataDir: string;
  /** fetch against the server with an optional bearer token. */
  request(path: string, init?: RequestInit & { token?: string }): Promise<Response>;
  // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies field by field
  json<T = any>(path: string, init?: RequestInit & { token?: string }): Promise<{ status: number; body: T }>;
  /** Creates an account through the CLI's service and returns its access token. */
  account(options?: {
    role?: 'listener' | 'artist' | 'admin';
    product?: 'free' | 'premium';
    country?: string;
  }): Promise<{
    token: string;
    id: string;
    username: string;
  }>;
  close(): Promise<void>;
}

let counter = 0;

/** A real server on 127.0.0.1 with its own database and data folder; every role in one process. */
export async function startTestServer(overrides: Partial<Config> = {}): Promise<TestServer> {
  const database = await createTestDatabase();
  const dataDir = await mkdtemp(join(tmpdir(), 'cadenza-data-'));
  await chmod(dataDir, 0o755);
  const config = loadConfig(
    {
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      CADENZA_WORKER_CONCURRENCY: '2',
      CADENZA_TRANSCODE_CONCURRENCY: '2',
    },
    { databaseUrl: database.url, dataDir, host: '127.0.0.1', port: 0, ...overrides },
  );
  const logger = createLogger(config);
  const services = await createServices(config, logger);
  await services.revocations.start();
  const http = await buildHttp({
    services,
    logger,
    api: true,
    audioHandler: createAudioHandler({
      signer: services.signer,
      audioRoot: services.paths.audio,
      revoked: services.revocations,
      builds: services.rungBuilds,
    }),
    bodyLimit: config.maxUploadBytes,
  });
  await services.search.start();
  services.worker.start();
  const url = await http.listen({ host: '127.0.0.1', port: 0 });

  const request = (path: string, init: RequestInit & { token?: string } = {}) => {
    const headers = new Headers(init.headers);
    if (init.token) headers.set('Authorization', `Bearer ${init.token}`);
    return fetch(url + path, { ...init, headers });
  };
  return {
    url,
    services,
    dataDir,
    request,
    async json(path, init) {
      const res = await request(path, init);
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    async account(options = {}) {
      const username = `user${++counter}_${Math.random().toString(36).slice(2, 8)}`;
      const user = await services.accounts.signUp({ username, password: 'correct horse battery', ...options });
      const tokens = await services.accounts.logIn(username, 'correct horse battery');
      return { token: tokens.access_token, id: user.id, username };
    },
    async close() {
      await http.close();
      await services.close();
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns a truthy value or the time runs out. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { MetricsAccess } from '../../src/config.js';
import { buildHttp } from '../../src/http/server.js';
import { type ServeProcess, startServe } from '../helpers/cli.js';
import { createTestDatabase } from '../helpers/db.js';
import { eventually, startTestServer, type TestServer } from '../helpers/server.js';

/** CADENZA_METRICS over real HTTP: off (the default), open, token, and a listener of its own. */

const TOKEN = 'scrape-me-0123456789abcdef';
let server: TestServer;
const closers: (() => Promise<void>)[] = [];

before(async () => {
  server = await startTestServer();
});
after(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await server.close();
});

/** Another HTTP front on the same services, with only the metrics setting changed. */
async function frontWith(metrics: MetricsAccess): Promise<string> {
  const { services } = server;
  const http = await buildHttp({
    services: { ...services, config: { ...services.config, metrics } },
    logger: services.logger,
    api: false,
    bodyLimit: services.config.maxUploadBytes,
  });
  closers.push(() => http.close());
  return http.listen({ host: '127.0.0.1', port: 0 });
}

describe('/metrics on the main port', () => {
  test('off by default: 404', async () => {
    assert.equal(server.services.config.metrics.mode, 'off');
    const res = await server.request('/metrics');
    assert.equal(res.status, 404);
    assert.doesNotMatch(await res.text(), /process_/);
  });

  test('open: anyone reads it', async () => {
    const url = await frontWith({ mode: 'open' });
    const res = await fetch(`${url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /process_resident_memory_bytes/);
  });

  test('token: only "Bearer <CADENZA_METRICS_TOKEN>" reads it, anything else is 401', async () => {
    const url = await frontWith({ mode: 'token', token: TOKEN });
    const listener = await server.account();
    const attempts: Record<string, string | undefined> = {
      'no header': undefined,
      'same length, wrong': `Bearer ${TOKEN.replace(/.$/, 'X')}`,
      'a prefix': `Bearer ${TOKEN.slice(0, -1)}`,
      longer: `Bearer ${TOKEN}0`,
      'not bearer': `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`,
      "a listener's access token": `Bearer ${listener.token}`,
    };
    for (const [what, authorization] of Object.entries(attempts)) {
      const res = await fetch(`${url}/metrics`, { headers: authorization ? { Authorization: authorization } : {} });
      assert.equal(res.status, 401, what);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/, what);
      const body = (await res.json()) as { error: { status: number; message: string } };
      assert.equal(body.error.status, 401, what);
      assert.doesNotMatch(JSON.stringify(body), /process_/, what);
    }
    const ok = await fetch(`${url}/metrics`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /process_resident_memory_bytes/);
  });
});

describe('/metrics on a port of its own (cadenza serve)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let data: string;
  let run: ServeProcess;

  before(async () => {
    database = await createTestDatabase();
    data = await mkdtemp(join(tmpdir(), 'cadenza-metrics-'));
    await chmod(data, 0o755);
    run = await startServe({ DATABASE_URL: database.url, CADENZA_DATA_DIR: data, CADENZA_METRICS: 'port:0' });
  });
  after(async () => {
    if (run.child.exitCode === null) run.child.kill('SIGKILL');
    await run.done;
    await database.drop();
    await rm(data, { recursive: true, force: true });
  });

  test('served on loopback only there, 404 on the main port, and closed on SIGTERM', { timeout: 120_000 }, async () => {
    const main = run.url;
    const metrics = await eventually(async () => /"metrics":"(http:[^"]+)"/.exec(run.stderr())?.[1], 30_000, 'metrics');
    assert.match(metrics, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    assert.notEqual(new URL(metrics).port, new URL(main).port);

    const scraped = await fetch(metrics);
    assert.equal(scraped.status, 200);
    assert.match(await scraped.text(), /process_resident_memory_bytes/);
    assert.equal((await fetch(`${main}/metrics`)).status, 404);
    assert.equal((await fetch(`${main}/healthz`)).status, 200);
    assert.equal((await fetch(new URL('/healthz', metrics))).status, 404, 'the metrics port serves nothing else');

    // A scraper's keep-alive connection is open (fetch keeps it): shutdown still ends.
    run.child.kill('SIGTERM');
    const result = await run.done;
    assert.equal(result.code, 0, result.stderr.slice(-2000));
  });
});

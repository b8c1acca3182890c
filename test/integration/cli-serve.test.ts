import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeTone } from '../helpers/audio.js';
import { cadenza, type ServeProcess, startServe } from '../helpers/cli.js';

// The README's path: no DATABASE_URL, so the server runs its own embedded PostgreSQL in the data folder.
let data: string;
let music: string;
let server: ServeProcess;
let url: string;

before(async () => {
  data = await mkdtemp(join(tmpdir(), 'cadenza-embedded-'));
  await chmod(data, 0o755);
  music = await mkdtemp(join(tmpdir(), 'cadenza-embedded-music-'));
  await makeTone(join(music, 'hello.mp3'), { seconds: 2, tags: { title: 'Hello', artist: 'Embedded' } });
  // Metrics are off unless configured (test/integration/metrics-access.test.ts covers every mode).
  server = await startServe({ DATABASE_URL: '', CADENZA_DATA_DIR: data, CADENZA_METRICS: 'open' });
  url = server.url;
});
after(async () => {
  server.child.kill('SIGKILL');
  await rm(data, { recursive: true, force: true });
  await rm(music, { recursive: true, force: true });
});

test('serve answers health, readiness, metrics and its OpenAPI document', async () => {
  assert.deepEqual(await (await fetch(`${url}/healthz`)).json(), { status: 'ok' });
  const ready = await fetch(`${url}/readyz`);
  assert.equal(ready.status, 200);
  const metrics = await (await fetch(`${url}/metrics`)).text();
  assert.match(metrics, /process_resident_memory_bytes/);
  assert.match(metrics, /cadenza_http_request_duration_seconds_count\{method="GET",route="\/readyz",status="200"\} 1/);
  const openapi = (await (await fetch(`${url}/openapi.json`)).json()) as {
    openapi: string;
    paths: Record<string, unknown>;
  };
  assert.equal(openapi.openapi.startsWith('3.'), true);
  assert.ok(openapi.paths['/v1/tracks/{id}/stream']);
});

test('user add and import run beside the server on the same embedded database', { timeout: 180_000 }, async () => {
  const env = { DATABASE_URL: '', CADENZA_DATA_DIR: data };
  const add = await cadenza(
    ['user', 'add', '--username', 'grace', '--password', 'hopper-cobol', '--product', 'premium'],
    env,
  ).done;
  assert.equal(add.code, 0, add.stderr);
  const imported = await cadenza(['import', music, '--json'], env).done;
  assert.equal(imported.code, 0, imported.stderr);
  const report = JSON.parse(imported.stdout);
  assert.equal(report.tracks[0].title, 'Hello');

  // The server still works after the import process exited, and sees what it imported.
  const token = await fetch(`${url}/api/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=password&username=grace&password=hopper-cobol',
  }).then((r) => r.json() as Promise<{ access_token: string }>);
  const track = await fetch(`${url}/v1/tracks/${report.tracks[0].id}`, {
    headers: { Authorization: `Bearer ${token.access_token}` },
  });
  assert.equal(track.status, 200);
  const list = await cadenza(['user', 'list', '--json'], env).done;
  assert.equal(JSON.parse(list.stdout)[0].username, 'grace');
});

test('SIGTERM shuts down cleanly and stops the embedded PostgreSQL', { timeout: 60_000 }, async () => {
  server.child.kill('SIGTERM');
  const result = await server.done;
  assert.equal(result.code, 0);
  assert.equal(existsSync(join(data, 'postgres', 'postmaster.pid')), false);
});

test('a bad environment is refused with every problem listed', async () => {
  const r = await cadenza(['serve'], { PORT: 'eighty', CADENZA_ROLES: 'api,chef', CADENZA_DATA_DIR: data }).done;
  assert.equal(r.code, 2);
  assert.match(r.stderr, /PORT must be/);
  assert.match(r.stderr, /CADENZA_ROLES must list/);
});

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type ServeProcess, startServe } from '../helpers/cli.js';
import { createTestDatabase } from '../helpers/db.js';
import { LiveSocket } from '../helpers/live-client.js';
import { eventually } from '../helpers/server.js';

/**
 * SIGTERM ends `cadenza serve` in bounded time however its clients behave: live sockets are closed
 * with 1001, a request in flight may finish, and sockets that never answer or never finish are cut
 * once the grace period is over.
 */

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let data: string;
let server: ServeProcess;
let url: URL;
const raw: Socket[] = [];

before(async () => {
  database = await createTestDatabase();
  data = await mkdtemp(join(tmpdir(), 'cadenza-shutdown-'));
  await chmod(data, 0o755);
  server = await startServe({
    DATABASE_URL: database.url,
    CADENZA_DATA_DIR: data,
    CADENZA_SHUTDOWN_GRACE_MS: '5000',
    CADENZA_WORKER_CONCURRENCY: '1',
    CADENZA_TRANSCODE_CONCURRENCY: '1',
  });
  url = new URL(server.url);
});
after(async () => {
  server.child.kill('SIGKILL');
  for (const socket of raw) socket.destroy();
  await database.drop();
  await rm(data, { recursive: true, force: true });
});

/** A TCP connection to the server that sends `head` and resolves once `until` appears in the answer. */
async function rawConnection(head: string, until?: RegExp): Promise<{ socket: Socket; received: () => string }> {
  const socket = connect(Number(url.port), url.hostname);
  raw.push(socket);
  let received = '';
  socket.on('data', (d) => {
    received += d.toString('latin1');
  });
  socket.on('error', () => {});
  await once(socket, 'connect');
  socket.write(head);
  if (until) await eventually(async () => until.test(received), 10_000, `${until} from the server`);
  return { socket, received: () => received };
}

/** A WebSocket upgraded by hand, so the test decides when it stops reading or answering. */
function rawWebSocket(token: string) {
  const key = randomBytes(16).toString('base64');
  return rawConnection(
    `GET /v1/live?access_token=${token} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\n` +
      `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    /^HTTP\/1\.1 101 /,
  );
}

/**
 * A token request whose body has not all been sent: the server is waiting for the rest. Its
 * "100 Continue" says the server has read the headers and is handling the request.
 */
function partialRequest(body: string, sent: number) {
  return rawConnection(
    `POST /api/token HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/x-www-form-urlencoded\r\n` +
      `Expect: 100-continue\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, sent)}`,
    /^HTTP\/1\.1 100 /,
  );
}

test('SIGTERM with live sessions, silent sockets and a request that never ends: exit 0, live clients get 1001', async () => {
  const signUp = await fetch(new URL('/api/signup', url), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'stayer', password: 'correct horse battery' }),
  });
  assert.equal(signUp.status, 201, server.stderr().slice(-3000));
  const { access_token: token } = (await signUp.json()) as { access_token: string };

  const live = await Promise.all([LiveSocket.open(url.origin, token), LiveSocket.open(url.origin, token)]);
  // Upgraded, then never reads again (so never answers a ping or the close).
  (await rawWebSocket(token)).socket.pause();
  // Upgraded, then half-closed its side and stopped reading.
  const halfClosed = (await rawWebSocket(token)).socket;
  halfClosed.pause();
  halfClosed.end();
  // A body that never arrives, and one that arrives after the signal (within the grace period).
  await partialRequest('grant_type=password&username=stayer&password=never-sent', 12);
  const finishing = 'grant_type=nonsense';
  const inFlight = await partialRequest(finishing, 5);

  const exited = once(server.child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  server.child.kill('SIGTERM');
  await eventually(async () => server.stderr().includes('"msg":"shutting down"'), 10_000, 'shutdown to start');
  inFlight.socket.write(finishing.slice(5));

  // A liveness bound, far above the grace period; before the fix one such client held it open for good.
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<'still running'>((resolve) => {
    timer = setTimeout(() => resolve('still running'), 30_000);
  });
  const outcome = await Promise.race([exited, limit]);
  clearTimeout(timer);
  assert.notEqual(outcome, 'still running', 'the server was still running 30 s after SIGTERM');
  assert.deepEqual(outcome, [0, null], server.stderr().slice(-2000));

  for (const socket of live) {
    assert.deepEqual(await socket.waitClosed(), { code: 1001, reason: 'server shutting down' });
  }
  // The request in flight was answered (400: no such grant), not cut.
  assert.match(inFlight.received(), /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 400 /);
});

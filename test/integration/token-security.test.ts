import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLogger, createServices } from '../../src/app.js';
import { buildHttp } from '../../src/http/server.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Refresh-token rotation under parallel requests, reuse of a rotated refresh token, and the log-in
 * throttle, all over real HTTP against two API "processes" (two sets of services with their own pools
 * and token caches) on one database.
 */

interface Api {
  url: string;
  services: TestServer['services'];
}

let server: TestServer;
let second: Api & { close(): Promise<void> };

/** A second API on the same database, as another `cadenza serve` process would be. */
async function startSecondApi(first: TestServer): Promise<Api & { close(): Promise<void> }> {
  const logger = createLogger(first.services.config);
  const services = await createServices(first.services.config, logger);
  const http = await buildHttp({ services, logger, api: true, bodyLimit: first.services.config.maxUploadBytes });
  const url = await http.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    services,
    async close() {
      await http.close();
      await services.close();
    },
  };
}

before(async () => {
  server = await startTestServer();
  second = await startSecondApi(server);
});
after(async () => {
  await second.close();
  await server.close();
});

const PASSWORD = 'correct horse battery';
let addresses = 0;
/** A client address nobody else in this file uses (the server trusts X-Forwarded-For). */
const newAddress = () => `198.51.100.${++addresses}`;

async function post(api: Api, fields: Record<string, string>, address?: string) {
  const res = await fetch(`${api.url}/api/token`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      ...(address ? { 'X-Forwarded-For': address } : {}),
    },
    body: new URLSearchParams(fields).toString(),
  });
  // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies field by field
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as any };
}

const logIn = (username: string, password: string, address: string, api: Api = server) =>
  post(api, { grant_type: 'password', username, password }, address);

const refresh = (refreshToken: string, api: Api = server) =>
  post(api, { grant_type: 'refresh_token', refresh_token: refreshToken });

async function meStatus(accessToken: string, api: Api = server): Promise<number> {
  const res = await fetch(`${api.url}/v1/me`, { headers: { Authorization: `Bearer ${accessToken}` } });
  await res.arrayBuffer();
  return res.status;
}

/** Tokens from a log-in over HTTP, asserting it worked. */
async function tokensOf(username: string): Promise<{ access_token: string; refresh_token: string }> {
  const r = await logIn(username, PASSWORD, newAddress());
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

describe('refresh-token rotation', () => {
  test('ten parallel refreshes with one refresh token: exactly one succeeds, round after round', async () => {
    const { username } = await server.account();
    for (let round = 0; round < 5; round++) {
      const { refresh_token } = await tokensOf(username);
      // Half the requests go to each API process, as behind a load balancer.
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) => refresh(refresh_token, i % 2 === 0 ? server : second)),
      );
      const won = answers.filter((a) => a.status === 200);
      assert.equal(won.length, 1, `round ${round}: ${answers.map((a) => a.status).join(' ')}`);
      for (const lost of answers.filter((a) => a.status !== 200)) {
        // The same answer as any unusable refresh token.
        assert.equal(lost.status, 401);
        assert.deepEqual(Object.keys(lost.body.error).sort(), ['message', 'status']);
        assert.equal(lost.body.error.status, 401);
      }
    }
  });

  test('reusing a rotated refresh token revokes every token of that log-in, and only of that log-in', async () => {
    const { username } = await server.account();
    const first = await tokensOf(username);
    const otherLogIn = await tokensOf(username);
    const middle = await refresh(first.refresh_token);
    assert.equal(middle.status, 200);
    const newest = await refresh(middle.body.refresh_token, second);
    assert.equal(newest.status, 200);
    // Both processes have now seen (and cached) the newest access token.
    assert.equal(await meStatus(newest.body.access_token), 200);
    assert.equal(await meStatus(newest.body.access_token, second), 200);

    // Someone replays the first refresh token, already rotated: refused, and the family is revoked.
    const replay = await refresh(first.refresh_token);
    assert.equal(replay.status, 401);
    assert.equal(await meStatus(newest.body.access_token), 401);
    assert.equal(await meStatus(middle.body.access_token), 401);
    assert.equal(await meStatus(first.access_token), 401);
    assert.equal((await refresh(newest.body.refresh_token)).status, 401);

    // The same user's other log-in is untouched.
    assert.equal(await meStatus(otherLogIn.access_token), 200);
    const otherRefreshed = await refresh(otherLogIn.refresh_token, second);
    assert.equal(otherRefreshed.status, 200);
    assert.equal(await meStatus(otherRefreshed.body.access_token), 200);
  });

  test('a replay caught by the other process revokes the family in both', async () => {
    const { username } = await server.account();
    const first = await tokensOf(username);
    const next = await refresh(first.refresh_token);
    assert.equal(next.status, 200);
    // Never seen by the second process, so it has nothing cached and must ask the database.
    assert.equal((await refresh(first.refresh_token, second)).status, 401);
    assert.equal(await meStatus(next.body.access_token, second), 401);
    assert.equal(await meStatus(next.body.access_token), 401);
  });
});

describe('log-in throttle', () => {
  /** The services' clocks, frozen and moved by hand so that no test waits for real time. */
  let now = Date.now();
  const clocks = () => [server.services.accounts, second.services.accounts] as unknown as { now: () => number }[];
  before(() => {
    for (const c of clocks()) c.now = () => now;
  });
  after(() => {
    for (const c of clocks()) c.now = Date.now;
  });
  const wait = (seconds: number) => {
    now += seconds * 1000;
  };

  test('five wrong passwords are free, then each costs twice the wait, and the right one waits too', async () => {
    const { username } = await server.account();
    const address = newAddress();
    for (let i = 0; i < 5; i++) assert.equal((await logIn(username, 'wrong password', address)).status, 401);

    const blocked = await logIn(username, 'wrong password', address);
    assert.equal(blocked.status, 429);
    assert.equal(blocked.retryAfter, '1');
    assert.deepEqual(blocked.body, { error: { status: 429, message: blocked.body.error.message } });
    assert.match(blocked.body.error.message, /too many/i);
    // While throttled even the right password is refused, in either process.
    assert.equal((await logIn(username, PASSWORD, address)).status, 429);
    assert.equal((await logIn(username, PASSWORD, address, second)).status, 429);

    wait(1);
    assert.equal((await logIn(username, 'wrong password', address, second)).status, 401);
    const longer = await logIn(username, PASSWORD, address);
    assert.equal(longer.status, 429);
    assert.equal(longer.retryAfter, '2');

    wait(2);
    assert.equal((await logIn(username, PASSWORD, address)).status, 200);
    // Success forgets the failures: five more are free again.
    for (let i = 0; i < 5; i++) assert.equal((await logIn(username, 'wrong password', address)).status, 401);
  });

  test('the wait stops growing at 15 minutes, and an hour of quiet forgets the failures', async () => {
    const { username } = await server.account();
    const address = newAddress();
    for (let i = 0; i < 5; i++) assert.equal((await logIn(username, 'wrong password', address)).status, 401);
    const waits: number[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await logIn(username, 'wrong password', address);
      assert.equal(r.status, 429);
      waits.push(Number(r.retryAfter));
      wait(Number(r.retryAfter));
      assert.equal((await logIn(username, 'wrong password', address)).status, 401);
    }
    assert.deepEqual(waits, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]);

    // Never locked out for good: after the longest wait the right password gets in.
    wait(900);
    assert.equal((await logIn(username, PASSWORD, address)).status, 200);

    for (let i = 0; i < 5; i++) assert.equal((await logIn(username, 'wrong password', address)).status, 401);
    assert.equal((await logIn(username, PASSWORD, address)).status, 429);
    wait(3600);
    for (let i = 0; i < 4; i++) assert.equal((await logIn(username, 'wrong password', address)).status, 401);
    assert.equal((await logIn(username, PASSWORD, address)).status, 200);
  });

  test("an account's throttle holds from every address; other accounts and addresses are unaffected", async () => {
    const victim = await server.account();
    const bystander = await server.account();
    const attacker = newAddress();
    const elsewhere = newAddress();
    for (let i = 0; i < 5; i++) assert.equal((await logIn(victim.username, 'guess', attacker)).status, 401);

    assert.equal((await logIn(victim.username, PASSWORD, elsewhere)).status, 429);
    assert.equal((await logIn(bystander.username, PASSWORD, elsewhere)).status, 200);
    assert.equal((await logIn(bystander.username, PASSWORD, attacker, second)).status, 200);
  });

  test('guesses at many accounts from one address throttle that address, not the accounts', async () => {
    const sprayer = newAddress();
    const guesses = Array.from({ length: 50 }, (_, i) => `nobody${i}_${sprayer.replaceAll('.', '')}`);
    for (const name of guesses) assert.equal((await logIn(name, 'Password1', sprayer)).status, 401);

    const { username } = await server.account();
    const fromSprayer = await logIn(username, PASSWORD, sprayer);
    assert.equal(fromSprayer.status, 429);
    assert.equal(fromSprayer.retryAfter, '1');
    assert.equal((await logIn(username, PASSWORD, newAddress())).status, 200);
    // An IPv6 client is one address per /64, since anyone with one address has the whole /64.
    assert.equal((await logIn(username, PASSWORD, '2001:db8:1:2::5')).status, 200);
  });

  test('a burst of parallel guesses gets no more tries than sequential ones', async () => {
    const { username } = await server.account();
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => logIn(username, `wrong ${i}`, newAddress(), i % 2 ? server : second)),
    );
    const tried = answers.filter((a) => a.status === 401).length;
    assert.equal(tried, 5, answers.map((a) => a.status).join(' '));
    assert.ok(answers.every((a) => a.status === 401 || a.status === 429));
  });

  test('IPv6 addresses are throttled per /64', async () => {
    for (let i = 0; i < 50; i++) {
      assert.equal((await logIn(`v6guess${i}`, 'Password1', `2001:db8:7:7::${(i + 1).toString(16)}`)).status, 401);
    }
    const { username } = await server.account();
    assert.equal((await logIn(username, PASSWORD, '2001:db8:7:7:ffff:1:2:3')).status, 429);
    assert.equal((await logIn(username, PASSWORD, '2001:db8:7:8::1')).status, 200);
  });

  test('taken usernames tried at sign-up count against the address', async () => {
    const { username } = await server.account();
    const prober = newAddress();
    const signUp = (name: string) =>
      fetch(`${server.url}/api/signup`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': prober },
        body: JSON.stringify({ username: name, password: PASSWORD }),
      });
    for (let i = 0; i < 50; i++) assert.equal((await signUp(username)).status, 409);
    const blocked = await signUp(`fresh_${prober.replaceAll('.', '')}`);
    assert.equal(blocked.status, 429);
    assert.equal(blocked.headers.get('retry-after'), '1');
  });
});

describe('who is believed about the client address', () => {
  test('without a trusted proxy, a guesser cannot pick a fresh address per attempt with X-Forwarded-For', async () => {
    const direct = await startTestServer({ trustProxy: false });
    try {
      const names = Array.from({ length: 51 }, (_, i) => `spray${i}`);
      const statuses: number[] = [];
      for (const [i, name] of names.entries()) {
        statuses.push((await logIn(name, 'Password1', `203.0.113.${i + 1}`, direct)).status);
      }
      // 50 free failures per address: the 51st is throttled although every header named a new one.
      assert.deepEqual(statuses.slice(-2), [401, 429]);
    } finally {
      await direct.close();
    }
  });
});

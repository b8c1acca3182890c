import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { after, describe, test as nodeTest } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { MemoryEventBus } from '../../src/adapters/event-bus/memory.js';
import { RedisEventBus, type RedisEventBusOptions } from '../../src/adapters/event-bus/redis.js';
import type { EventBus } from '../../src/ports/event-bus.js';

// One contract, run against every EventBus adapter. Needs no database. The Redis part runs only when a
// Redis answers at REDIS_URL (or 127.0.0.1:6379); every name it uses is unique to this run.

const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const run = randomUUID().slice(0, 8);
const unique = (name: string) => `${name}-${randomUUID().slice(0, 8)}`;

/** A handler that records what it receives, and waits for it. */
function recorder() {
  const got: unknown[] = [];
  return {
    got,
    handler: (message: unknown) => {
      got.push(message);
    },
    async until(count: number, ms = 3000): Promise<unknown[]> {
      const deadline = Date.now() + ms;
      while (got.length < count) {
        if (Date.now() > deadline)
          assert.fail(`expected ${count} messages within ${ms} ms, got ${JSON.stringify(got)}`);
        await sleep(5);
      }
      return got;
    },
  };
}

/**
 * Waits until everything `from` published before this call has reached `to`'s handlers: delivery is
 * ordered per publisher, so once a marker published afterwards has arrived, the earlier ones have too.
 */
async function barrier(from: EventBus, to: EventBus): Promise<void> {
  const marker = recorder();
  const topic = unique('barrier');
  const unsubscribe = await to.subscribe(topic, marker.handler);
  await from.publish(topic, 'marker');
  await marker.until(1);
  await unsubscribe();
}

interface Harness {
  /** A new bus, as one process holds it (a Redis bus has its own connections). */
  open(): EventBus;
}

function contract(name: string, harness: Harness, skip: string | false) {
  // Skipped test by test rather than as a suite, so the run's summary counts what did not run.
  const test = (title: string, fn: () => Promise<void>) => nodeTest(title, { skip }, fn);
  describe(`EventBus contract: ${name}`, () => {
    const opened: EventBus[] = [];
    const open = () => {
      const bus = harness.open();
      opened.push(bus);
      return bus;
    };
    after(() => Promise.all(opened.map((bus) => bus.close())));

    test('a message reaches every subscriber of its topic and no other topic', async () => {
      const bus = open();
      const [a, b] = [unique('a'), unique('b')];
      const a1 = recorder();
      const a2 = recorder();
      const b1 = recorder();
      await bus.subscribe(a, a1.handler);
      await bus.subscribe(a, a2.handler);
      await bus.subscribe(b, b1.handler);
      const message = { kind: 'edit', items: [1, 'two', null], text: 'Björk — “Jóga” 🎵', nested: { ok: true } };
      await bus.publish(a, message);
      await bus.publish(b, 'only b');
      await barrier(bus, bus);
      assert.deepEqual(a1.got, [message]);
      assert.deepEqual(a2.got, [message]);
      assert.deepEqual(b1.got, ['only b']);
    });

    test('a topic nobody subscribes to swallows its messages', async () => {
      const bus = open();
      await bus.publish(unique('nobody'), { ignored: true });
      const r = recorder();
      const topic = unique('later');
      await bus.subscribe(topic, r.handler);
      await bus.publish(topic, 1);
      await barrier(bus, bus);
      assert.deepEqual(r.got, [1]);
    });

    test('messages from one publisher arrive in the order they were published', async () => {
      const bus = open();
      const topic = unique('order');
      const r = recorder();
      await bus.subscribe(topic, r.handler);
      const sent = Array.from({ length: 300 }, (_, i) => ({ seq: i }));
      // Not awaited one by one: the order of the calls is what counts.
      await Promise.all(sent.map((message) => bus.publish(topic, message)));
      await r.until(sent.length);
      assert.deepEqual(r.got, sent);
    });

    test('unsubscribe stops delivery to that handler only, and is harmless twice', async () => {
      const bus = open();
      const topic = unique('unsub');
      const first = recorder();
      const second = recorder();
      const unsubscribeFirst = await bus.subscribe(topic, first.handler);
      const unsubscribeSecond = await bus.subscribe(topic, second.handler);
      await bus.publish(topic, 1);
      await first.until(1);
      await second.until(1);

      await unsubscribeFirst();
      await bus.publish(topic, 2);
      await barrier(bus, bus);
      assert.deepEqual(first.got, [1]);
      assert.deepEqual(second.got, [1, 2]);

      await unsubscribeSecond();
      await unsubscribeFirst();
      await bus.publish(topic, 3);
      await barrier(bus, bus);
      assert.deepEqual(second.got, [1, 2]);

      // The topic can be subscribed again afterwards.
      const third = recorder();
      await bus.subscribe(topic, third.handler);
      await bus.publish(topic, 4);
      await barrier(bus, bus);
      assert.deepEqual(third.got, [4]);
      assert.deepEqual(second.got, [1, 2]);
    });

    test('close is clean: it resolves, twice, and handlers hear nothing afterwards', async () => {
      const bus = open();
      const topic = unique('close');
      const r = recorder();
      await bus.subscribe(topic, r.handler);
      await bus.publish(topic, 'before');
      await r.until(1);
      await bus.close();
      await bus.close();
      // A closed bus may refuse to publish or quietly drop the message; it must not deliver it.
      await bus.publish(topic, 'after').catch(() => {});
      await sleep(50);
      assert.deepEqual(r.got, ['before']);
    });
  });
}

/** Why the Redis part cannot run here, or false when a Redis answers. */
async function redisUnavailable(url: string): Promise<string | false> {
  let where = url;
  try {
    where = new URL(url).host;
  } catch {}
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 500,
    commandTimeout: 1000,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
  });
  let cause: Error | undefined;
  client.on('error', (err) => {
    cause = err;
  });
  try {
    await client.connect();
    await client.ping();
    return false;
  } catch (err) {
    return `no Redis answers at ${where} (${(cause ?? (err as Error)).message}); set REDIS_URL to run these`;
  } finally {
    client.disconnect();
  }
}

const redisSkip = await redisUnavailable(redisUrl);
const testPrefix = `cadenza-test-${run}:`;
const openRedis = (options: RedisEventBusOptions = {}) =>
  new RedisEventBus(redisUrl, { prefix: testPrefix, connectionName: `cadenza-test-${run}`, ...options });

contract('memory', { open: () => new MemoryEventBus() }, false);
contract('redis', { open: () => openRedis() }, redisSkip);

describe('RedisEventBus', () => {
  const test = (title: string, fn: () => Promise<void>) => nodeTest(title, { skip: redisSkip }, fn);
  const opened: EventBus[] = [];
  const open = (options: RedisEventBusOptions = {}) => {
    const bus = openRedis(options);
    opened.push(bus);
    return bus;
  };
  // A plain connection to look at Redis from outside and to publish what no bus would.
  const admin = redisSkip ? undefined : new Redis(redisUrl);
  after(async () => {
    await Promise.all(opened.map((bus) => bus.close()));
    await admin?.quit();
  });
  const subscribers = async (channel: string) => {
    const reply = (await admin!.pubsub('NUMSUB', channel)) as [string, number | string];
    return Number(reply[1]);
  };

  test('two buses, as two processes hold them, see each other’s messages in order', async () => {
    const one = open();
    const two = open();
    const topic = unique('shared');
    const atOne = recorder();
    const atTwo = recorder();
    await one.subscribe(topic, atOne.handler);
    await two.subscribe(topic, atTwo.handler);
    // Published right after the subscriptions resolved, from the other connection: must arrive.
    await one.publish(topic, 'from one');
    await two.publish(topic, 'from two');
    await atOne.until(2);
    await atTwo.until(2);
    assert.deepEqual([...atOne.got].sort(), ['from one', 'from two']);
    assert.deepEqual([...atTwo.got].sort(), ['from one', 'from two']);

    const ordered = unique('ordered');
    const received = recorder();
    await two.subscribe(ordered, received.handler);
    const sent = Array.from({ length: 200 }, (_, i) => i);
    await Promise.all(sent.map((i) => one.publish(ordered, i)));
    await received.until(sent.length);
    assert.deepEqual(received.got, sent);
  });

  test('one SUBSCRIBE per topic however many handlers; UNSUBSCRIBE when the last one leaves', async () => {
    const bus = open();
    const topic = unique('count');
    const channel = testPrefix + topic;
    const handlers = Array.from({ length: 5 }, () => recorder());
    const unsubscribes = await Promise.all(handlers.map((r) => bus.subscribe(topic, r.handler)));
    assert.equal(await subscribers(channel), 1);
    await bus.publish(topic, 'all');
    for (const r of handlers) await r.until(1);

    await Promise.all(unsubscribes.slice(1).map((unsubscribe) => unsubscribe()));
    assert.equal(await subscribers(channel), 1, 'one handler left: still subscribed');
    await unsubscribes[0]!();
    assert.equal(await subscribers(channel), 0, 'no handler left: unsubscribed');
  });

  test('a subscribe racing the last unsubscribe of its topic ends subscribed', async () => {
    const bus = open();
    const topic = unique('race');
    const first = recorder();
    const unsubscribeFirst = await bus.subscribe(topic, first.handler);
    const second = recorder();
    const [, unsubscribeSecond] = await Promise.all([unsubscribeFirst(), bus.subscribe(topic, second.handler)]);
    assert.equal(await subscribers(testPrefix + topic), 1);
    await bus.publish(topic, 'after the race');
    await second.until(1);
    await barrier(bus, bus);
    assert.deepEqual(first.got, []);
    await unsubscribeSecond();
    assert.equal(await subscribers(testPrefix + topic), 0);
  });

  test('the prefix keeps deployments that share a Redis apart; it defaults to cadenza:', async () => {
    const blue = open({ prefix: `${testPrefix}blue:` });
    const green = open({ prefix: `${testPrefix}green:` });
    const topic = unique('deploy');
    const atBlue = recorder();
    const atGreen = recorder();
    await blue.subscribe(topic, atBlue.handler);
    await green.subscribe(topic, atGreen.handler);
    await blue.publish(topic, 'blue only');
    await atBlue.until(1);
    // Green's own marker, published after blue's message was accepted, arrives behind anything for green.
    await barrier(green, green);
    assert.deepEqual(atGreen.got, []);
    assert.equal(await subscribers(`${testPrefix}blue:${topic}`), 1);

    const plain = new RedisEventBus(redisUrl);
    opened.push(plain);
    const unsubscribe = await plain.subscribe(topic, () => {});
    assert.equal(await subscribers(`cadenza:${topic}`), 1);
    await unsubscribe();
  });

  test('a message that is not JSON is reported and skipped; delivery goes on', async () => {
    const errors: Error[] = [];
    const bus = open({ onError: (err) => errors.push(err) });
    const topic = unique('malformed');
    const r = recorder();
    await bus.subscribe(topic, r.handler);
    await admin!.publish(testPrefix + topic, '{"half": ');
    await admin!.publish(testPrefix + topic, '{"whole": true}');
    await r.until(1);
    await barrier(bus, bus);
    assert.deepEqual(r.got, [{ whole: true }]);
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.message, /not JSON/);
  });

  test('a handler that throws is reported; the other handlers still get the message', async () => {
    const errors: Error[] = [];
    const bus = open({ onError: (err) => errors.push(err) });
    const topic = unique('throws');
    await bus.subscribe(topic, () => {
      throw new Error('handler broke');
    });
    const r = recorder();
    await bus.subscribe(topic, r.handler);
    await bus.publish(topic, 1);
    await bus.publish(topic, 2);
    await r.until(2);
    assert.deepEqual(r.got, [1, 2]);
    assert.deepEqual(
      errors.map((e) => e.message),
      ['handler broke', 'handler broke'],
    );
  });

  test('a message that cannot be JSON is refused by publish', async () => {
    const bus = open();
    await assert.rejects(bus.publish(unique('undefined'), undefined), TypeError);
  });

  test('close quits both connections and refuses further use', async () => {
    const name = `cadenza-test-${run}-close`;
    const bus = open({ connectionName: name });
    const topic = unique('closing');
    const r = recorder();
    await bus.subscribe(topic, r.handler);
    await bus.publish(topic, 'hello');
    await r.until(1);
    const clients = async () => String(await admin!.call('CLIENT', 'LIST'));
    assert.match(await clients(), new RegExp(`name=${name}:pub `));
    assert.match(await clients(), new RegExp(`name=${name}:sub `));
    await bus.close();
    // QUIT is answered before the server drops the connection: give it a moment to go.
    const deadline = Date.now() + 2000;
    while (new RegExp(`name=${name}:`).test(await clients()) && Date.now() < deadline) await sleep(10);
    assert.doesNotMatch(await clients(), new RegExp(`name=${name}:`));
    assert.equal(await subscribers(testPrefix + topic), 0);
    await assert.rejects(bus.publish(topic, 'late'), /closed/);
    await assert.rejects(
      bus.subscribe(topic, () => {}),
      /closed/,
    );
  });
});

// Runs everywhere: a port where nothing listens stands in for a Redis that is down.
describe('RedisEventBus while Redis is unreachable', () => {
  const test = nodeTest;
  const closedPort = async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    return port;
  };

  test('publish and subscribe fail within seconds rather than hang; errors are reported', {
    timeout: 10_000,
  }, async () => {
    const errors: Error[] = [];
    const bus = new RedisEventBus(`redis://127.0.0.1:${await closedPort()}`, { onError: (e) => errors.push(e) });
    try {
      const started = Date.now();
      await assert.rejects(bus.publish('t', 1));
      await assert.rejects(bus.subscribe('t', () => {}));
      assert.ok(Date.now() - started < 5000, `gave up after ${Date.now() - started} ms`);
      assert.ok(errors.some((e) => /ECONNREFUSED/.test(e.message)));
    } finally {
      await bus.close();
    }
  });

  test('close between reconnection attempts is prompt and settles what was waiting', { timeout: 10_000 }, async () => {
    const bus = new RedisEventBus(`redis://127.0.0.1:${await closedPort()}`, { onError: () => {} });
    // Both outcomes are caught at once: they settle during close, before the test looks at them.
    const failure = (p: Promise<unknown>) =>
      p.then(
        () => null,
        (err: Error) => err,
      );
    const waiting = failure(bus.subscribe('t', () => {}));
    const publishing = failure(bus.publish('t', 1));
    await sleep(20);
    const started = Date.now();
    await bus.close();
    assert.ok(Date.now() - started < 1000);
    assert.match(String(await waiting), /closed|retries/);
    assert.match(String(await publishing), /closed|retries/);
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type RoundQuery, runRound } from '../../bench/lib/rounds.js';

const queries: RoundQuery[] = Array.from({ length: 1000 }, (_, i) => ({ q: `q${i}`, cls: 'all', expect: [`q${i}`] }));

/**
 * A target that answers one query at a time, each at once, except that it stalls for `stallMs` on the
 * first: every query sent during the stall waits behind it, as behind a collector pause.
 */
function stallingTarget(stallMs: number) {
  let queue: Promise<unknown> = Promise.resolve();
  let first = true;
  return (q: string) => {
    const answer = queue.then(async () => {
      if (first) {
        first = false;
        await new Promise((resolve) => setTimeout(resolve, stallMs));
      }
      return [q];
    });
    queue = answer;
    return answer;
  };
}

const latencies = (byClass: Awaited<ReturnType<typeof runRound>>['byClass']) => byClass.all?.latencies ?? [];

test('open loop charges a stall to every query due during it; closed loop to the one it hit', async () => {
  const plan = { start: 0, concurrency: 1, seconds: 0.4, maxRequests: 10_000 };
  const closed = await runRound(queries, plan, stallingTarget(150));
  const open = await runRound(queries, { ...plan, rate: 200 }, stallingTarget(150));

  // Closed loop sends nothing while it waits: one slow query, however many the stall held up.
  assert.equal(latencies(closed.byClass).filter((ms) => ms >= 100).length, 1);
  // Open loop: queries are due every 5 ms, so about 30 fall in the 150 ms stall, each charged from when due.
  const slow = latencies(open.byClass).filter((ms) => ms >= 50);
  assert.ok(slow.length >= 15, `only ${slow.length} queries were charged for the stall`);
  // The rate asked is the rate sent: about 200/s over 0.4 s, answers scored as in a closed round.
  assert.ok(open.requests >= 60 && open.requests <= 90, `sent ${open.requests} at 200/s over 0.4 s`);
  assert.equal(open.byClass.all?.at1, open.requests);
  assert.equal(open.next, open.requests);
});

test("open loop charges the load generator's own lateness: queries due while it was busy count from when due", async () => {
  let first = true;
  const ask = async (q: string) => {
    if (first) {
      first = false;
      const until = performance.now() + 100;
      while (performance.now() < until); // the generator's thread is busy: nothing is sent meanwhile
    }
    return [q];
  };
  const open = await runRound(queries, { start: 0, concurrency: 1, seconds: 0.3, maxRequests: 10_000, rate: 200 }, ask);
  // About 20 queries fell due in those 100 ms and went late; half of them were due 50 ms or more before.
  const late = latencies(open.byClass).filter((ms) => ms >= 50);
  assert.ok(late.length >= 5, `only ${late.length} queries were charged for the generator's 100 ms`);
});

test('an open-loop round stops at maxRequests and waits for the answers it is owed', async () => {
  let answered = 0;
  const ask = async (q: string) => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    answered++;
    return [q];
  };
  const result = await runRound(queries, { start: 990, concurrency: 1, seconds: 5, maxRequests: 25, rate: 1000 }, ask);
  assert.equal(result.requests, 25);
  assert.equal(answered, 25);
  assert.equal(result.next, 1015, 'the next round goes on where this one stopped, wrapping round the mix');
  assert.ok(result.elapsedMs < 1000, `a capped round ends once its answers are in, not after ${result.elapsedMs} ms`);
});

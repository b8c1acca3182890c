/**
 * One timed round of a benchmark's query mix against one target, whatever the layer it is asked
 * through (an HTTP request, a direct call, a SQL query), from `start` on, until `seconds` have passed or
 * `maxRequests` were sent. Queries already sent are awaited, so a slow target's backlog never spills into
 * the next round, and the rate is over the whole time including that drain. Each answer is scored
 * against the query's intended ids.
 *
 * Closed loop by default: `concurrency` queries in flight at a time, each sent when one returns. With
 * `rate`, open loop: a query is due every 1/rate s whether or not the earlier ones have returned, as
 * listeners' keystrokes arrive, and its latency counts from when it was due, so a stall delays (and is
 * charged to) every query due during it, not only the one it hit.
 */

export interface RoundQuery {
  q: string;
  cls: string;
  /** The intended result; several when they tie (any of them counts). */
  expect: string[];
  /** Reported as a class of its own ("<cls>, 1-2 letters"). */
  short?: boolean;
}

/** Per query class: latencies in ms, and how often the intended result came first / in the top 10. */
export type ByClass = Record<string, { latencies: number[]; at1: number; at10: number }>;

export interface RoundResult {
  requests: number;
  errors: number;
  elapsedMs: number;
  byClass: ByClass;
  /** Where the next round goes on in the mix. */
  next: number;
}

export interface RoundPlan {
  start: number;
  concurrency: number;
  seconds: number;
  maxRequests: number;
  /** Queries per second, sent on schedule (open loop); `concurrency` is then ignored. */
  rate?: number;
}

export async function runRound(
  queries: RoundQuery[],
  plan: RoundPlan,
  ask: (q: string) => Promise<string[]>,
): Promise<RoundResult> {
  const out: RoundResult = { requests: 0, errors: 0, elapsedMs: 0, byClass: {}, next: plan.start };
  const t0 = performance.now();
  const end = t0 + plan.seconds * 1000;
  const more = () => performance.now() < end && out.next - plan.start < plan.maxRequests;
  /** Asks the next query of the mix; its latency counts from `since` (now, unless it was due earlier). */
  const askNext = async (since = performance.now()) => {
    const query = queries[out.next++ % queries.length]!;
    try {
      const ids = await ask(query.q);
      const ms = Math.round((performance.now() - since) * 1000) / 1000;
      const cls = query.short ? `${query.cls}, 1-2 letters` : query.cls;
      out.byClass[cls] ??= { latencies: [], at1: 0, at10: 0 };
      const bucket = out.byClass[cls];
      bucket.latencies.push(ms);
      const rank = ids.findIndex((id) => query.expect.includes(id)) + 1;
      if (rank === 1) bucket.at1++;
      if (rank >= 1 && rank <= 10) bucket.at10++;
      out.requests++;
    } catch {
      out.errors++;
    }
  };
  if (plan.rate === undefined) {
    const worker = async () => {
      while (more()) await askNext();
    };
    await Promise.all(Array.from({ length: plan.concurrency }, worker));
  } else {
    const interval = 1000 / plan.rate;
    const sent: Promise<void>[] = [];
    for (let due = t0; more(); due += interval) {
      // A timer wakes a millisecond or so late: the queries due meanwhile go at once, charged from when
      // they were due, so the generator's own lateness counts against the target, never for it.
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      sent.push(askNext(due));
    }
    await Promise.all(sent);
  }
  out.elapsedMs = performance.now() - t0;
  return out;
}

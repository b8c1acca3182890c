/**
 * One timed round of a benchmark's query mix against one target, whatever the layer it is asked
 * through (an HTTP request, a direct call, a SQL query): `concurrency` queries in flight at a time, from
 * `start` on, until `seconds` have passed or `maxRequests` were sent. Queries already sent are awaited,
 * so a slow target's backlog never spills into the next round, and the rate is over the whole time
 * including that drain. Each answer is scored against the query's intended ids.
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
}

export async function runRound(
  queries: RoundQuery[],
  plan: RoundPlan,
  ask: (q: string) => Promise<string[]>,
): Promise<RoundResult> {
  const out: RoundResult = { requests: 0, errors: 0, elapsedMs: 0, byClass: {}, next: plan.start };
  const t0 = performance.now();
  const end = t0 + plan.seconds * 1000;
  const worker = async () => {
    while (performance.now() < end && out.next - plan.start < plan.maxRequests) {
      const query = queries[out.next++ % queries.length]!;
      const started = performance.now();
      try {
        const ids = await ask(query.q);
        const ms = Math.round((performance.now() - started) * 1000) / 1000;
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
    }
  };
  await Promise.all(Array.from({ length: plan.concurrency }, worker));
  out.elapsedMs = performance.now() - t0;
  return out;
}

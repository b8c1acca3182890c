import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ClientFrame } from '../../src/http/ws/messages.js';
import { fuzzHttp } from '../fuzz/http-fuzz.js';
import { fuzzLive } from '../fuzz/live-fuzz.js';
import { describeRun } from '../fuzz/report.js';
import { type FuzzTarget, healthProblems, startFuzzTarget } from '../fuzz/target.js';

/**
 * Every route of the OpenAPI document (and the audio route) and every live frame type, driven with
 * generated bad input: nothing answers 5xx, no connection breaks, and the server stays usable. A fixed
 * seed per run of `npm test` keeps failures reproducible; `npm run fuzz` runs the long variant.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 20261207);
let target: FuzzTarget;

before(async () => {
  target = await startFuzzTarget();
});
after(() => target.close());

test('generated bad input never gets a 5xx from any route or frame, and the server stays healthy', async () => {
  const started = Date.now();
  const deadline = started + 120_000;
  const [http, live] = await Promise.all([
    fuzzHttp(target, { count: 5000, deadline, seed: SEED }),
    fuzzLive(target, { count: 1200, deadline, seed: SEED }),
  ]);
  const report = describeRun(http, live, (Date.now() - started) / 1000);
  if (process.env.FUZZ_VERBOSE) console.log(report);
  assert.deepEqual([http.failures.length, live.failures.length], [0, 0], report);
  // Every operation was reached, and the generators got past validation often enough to matter.
  assert.ok(http.perOperation.size >= 80, report);
  const ok = [...http.statuses].filter(([s]) => typeof s === 'number' && s < 300).reduce((n, [, c]) => n + c, 0);
  assert.ok(ok > http.tried * 0.05, `only ${ok} requests succeeded:\n${report}`);
  assert.deepEqual(await healthProblems(target), []);
});

// biome-ignore lint/suspicious/noExplicitAny: JSON schema nodes are read field by field
type Schema = Record<string, any>;

/** Paths to every integer or number in a schema that lacks a finite minimum or maximum. */
function unbounded(schema: Schema | undefined, at: string): string[] {
  if (!schema || typeof schema !== 'object') return [];
  const own =
    (schema.type === 'integer' || schema.type === 'number') &&
    !(Number.isFinite(schema.minimum) && Number.isFinite(schema.maximum))
      ? [at]
      : [];
  const children = [
    ...Object.entries((schema.properties ?? {}) as Record<string, Schema>).map(([k, s]) => unbounded(s, `${at}.${k}`)),
    unbounded(schema.items, `${at}[]`),
    ...((schema.anyOf ?? schema.oneOf ?? []) as Schema[]).map((s, i) => unbounded(s, `${at}|${i}`)),
  ];
  return [...own, ...children.flat()];
}

test('every number a route or frame accepts has a lower and an upper bound', async () => {
  const document = (await target.server.json('/openapi.json')).body as Schema;
  const found: string[] = [];
  for (const [path, methods] of Object.entries(document.paths as Record<string, Record<string, Schema>>)) {
    for (const [method, op] of Object.entries(methods)) {
      const where = `${method.toUpperCase()} ${path}`;
      for (const p of (op.parameters ?? []) as Schema[])
        found.push(...unbounded(p.schema, `${where} ${p.in}.${p.name}`));
      for (const [type, content] of Object.entries((op.requestBody?.content ?? {}) as Record<string, Schema>)) {
        found.push(...unbounded(content.schema, `${where} body(${type})`));
      }
    }
  }
  found.push(...unbounded(ClientFrame as unknown as Schema, 'live frame'));
  assert.deepEqual(found, []);
});

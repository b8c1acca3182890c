import fc from 'fast-check';
import { brokenBody, CONTENT_TYPES, hostile, type Known, queryValue, type Schema, toJson, valid } from './inputs.js';
import type { Caller, FuzzTarget } from './target.js';

/**
 * Drives every operation of the served OpenAPI document, plus the raw audio route, with generated
 * bad input. A failure is any 5xx or a connection that breaks instead of answering.
 */

export interface Operation {
  method: string;
  path: string;
  parameters: { name: string; in: 'path' | 'query' | 'header'; schema?: Schema }[];
  body?: Schema;
}

export interface FuzzRequest {
  /** The operation it was generated for, as "GET /v1/tracks/{id}". */
  operation: string;
  method: string;
  url: string;
  caller: Caller;
  contentType?: string;
  body?: string;
}

export interface Failure {
  request: FuzzRequest;
  status: number | string;
  answer: string;
}

export interface FuzzStats {
  tried: number;
  failures: Failure[];
  statuses: Map<number | string, number>;
  /** Requests per operation, so a run shows every route was reached. */
  perOperation: Map<string, number>;
}

const CALLERS: Caller[] = ['listener', 'listener', 'artist', 'admin', 'stranger', 'anonymous'];

/** Percent-encodes like encodeURIComponent, but a lone surrogate becomes the bytes of one (invalid UTF-8). */
export function encodeSegment(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.charCodeAt(0);
    out += code >= 0xd800 && code <= 0xdfff ? '%ED%A0%80' : encodeURIComponent(char);
  }
  return out;
}

export function operationsOf(document: Schema): Operation[] {
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(document.paths as Record<string, Record<string, Schema>>)) {
    for (const [method, op] of Object.entries(methods)) {
      ops.push({
        method: method.toUpperCase(),
        path,
        parameters: op.parameters ?? [],
        body: op.requestBody?.content?.['application/json']?.schema,
      });
    }
  }
  // The edge's raw audio route is outside the document: its signature lives in the query.
  ops.push({
    method: 'GET',
    path: '/audio/{id}/{version}/{quality}',
    parameters: [
      ...['u', 'e', 'k', 's'].map((name) => ({ name, in: 'query' as const })),
      ...['id', 'version', 'quality'].map((name) => ({ name, in: 'path' as const })),
    ],
  });
  return ops;
}

/** A multipart body with hostile field values, sometimes cut short or over the part limits. */
function multipartBody(known: Known): fc.Arbitrary<{ contentType: string; body: string }> {
  const field = fc.record({
    name: fc.oneof(
      fc.constantFrom('file', 'image', 'title', 'artists', 'explicit', 'isrc', 'position'),
      fc.string({ maxLength: 8 }),
    ),
    value: queryValue(undefined, known),
    file: fc.boolean(),
  });
  return fc
    .record({ fields: fc.array(field, { maxLength: 6 }), truncate: fc.boolean(), many: fc.nat({ max: 60 }) })
    .map(({ fields, truncate, many }) => {
      const boundary = 'fuzzboundary';
      const parts = fields.map(
        (f) =>
          `--${boundary}\r\nContent-Disposition: form-data; name="${f.name}"${f.file ? '; filename="a.flac"' : ''}\r\n` +
          `${f.file ? 'Content-Type: audio/flac\r\n' : ''}\r\n${f.value}\r\n`,
      );
      if (many > 55)
        for (let i = 0; i < many; i++)
          parts.push(`--${boundary}\r\nContent-Disposition: form-data; name="f${i}"\r\n\r\nx\r\n`);
      const body = parts.join('') + (truncate ? '' : `--${boundary}--\r\n`);
      return { contentType: `multipart/form-data; boundary=${boundary}`, body };
    });
}

const asText = (v: unknown) => (typeof v === 'string' ? v : toJson(v));

function requestFor(op: Operation, known: Known): fc.Arbitrary<FuzzRequest> {
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const queryParams = op.parameters.filter((p) => p.in === 'query');
  // Valid-looking path and query values, with one of them (or an unknown parameter) made hostile.
  const slots = [
    ...pathParams.map((p) => `path:${p.name}`),
    ...queryParams.map((p) => `query:${p.name}`),
    'query:unknown',
  ];
  const pathValues = fc.tuple(...pathParams.map((p) => valid(p.schema ?? { type: 'string' }, known).map(asText)));
  const queryPairs = fc.tuple(
    ...queryParams.map((p) =>
      fc.option(
        valid(p.schema ?? { type: 'string' }, known).map((v) => [p.name, asText(v)]),
        { nil: undefined },
      ),
    ),
  );
  const spoiled = fc.option(fc.tuple(fc.constantFrom(...slots), queryValue(undefined, known)), {
    freq: 3,
    nil: undefined,
  });
  const hasBody = op.method !== 'GET';
  const body: fc.Arbitrary<{ contentType?: string; body?: string }> = !hasBody
    ? fc.constant({})
    : fc.oneof(
        {
          weight: op.body ? 6 : 1,
          arbitrary: hostile(op.body, known).map((v) => ({ contentType: 'application/json', body: toJson(v) })),
        },
        { weight: 2, arbitrary: fc.record({ contentType: fc.constantFrom(...CONTENT_TYPES), body: brokenBody }) },
        { weight: 2, arbitrary: multipartBody(known) },
        { weight: 1, arbitrary: fc.constant({}) },
        { weight: 1, arbitrary: fc.constant({ contentType: 'application/json', body: '' }) },
      );
  return fc
    .record({ values: pathValues, pairs: queryPairs, spoiled, caller: fc.constantFrom(...CALLERS), body })
    .map(({ values, pairs, spoiled, caller, body }) => {
      const query = pairs.filter((pair) => pair !== undefined) as string[][];
      const [slot, bad] = spoiled ?? [];
      let path = op.path;
      pathParams.forEach((p, i) => {
        const value = slot === `path:${p.name}` ? (bad as string) : (values[i] as string);
        path = path.replace(`{${p.name}}`, encodeSegment(value));
      });
      if (slot?.startsWith('query:')) {
        const name = slot.slice('query:'.length);
        const at = query.findIndex(([k]) => k === name);
        if (at >= 0) query.splice(at, 1);
        query.push([name, bad as string]);
      }
      const qs = query.map(([k, v]) => `${encodeSegment(k as string)}=${encodeSegment(v as string)}`).join('&');
      return {
        operation: `${op.method} ${op.path}`,
        method: op.method,
        url: qs ? `${path}?${qs}` : path,
        caller,
        ...body,
      };
    });
}

/** Requests for every operation in turn, generated from `seed`. */
export function* requests(ops: Operation[], known: Known, seed: number): Generator<FuzzRequest> {
  const perOp = ops.map((op) => requestFor(op, known));
  const batch = 20;
  for (let round = 0; ; round++) {
    for (let i = 0; i < perOp.length; i++) {
      const arb = perOp[i] as fc.Arbitrary<FuzzRequest>;
      yield* fc.sample(arb, { numRuns: batch, seed: seed + round * 7919 + i });
    }
  }
}

async function send(target: FuzzTarget, r: FuzzRequest): Promise<{ status: number | string; answer: string }> {
  const headers: Record<string, string> = {};
  if (r.caller !== 'anonymous') headers.authorization = `Bearer ${target.tokens[r.caller]}`;
  if (r.contentType) headers['content-type'] = r.contentType;
  try {
    const res = await fetch(target.server.url + r.url, { method: r.method, headers, body: r.body });
    const answer = await res.text();
    return { status: res.status, answer: answer.slice(0, 300) };
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return { status: cause?.code ?? 'network error', answer: cause?.message ?? (err as Error).message };
  }
}

/** Sends generated requests, `concurrency` at a time, until `count` are done or `deadline` passes. */
export async function fuzzHttp(
  target: FuzzTarget,
  options: { count: number; deadline: number; seed: number; concurrency?: number },
): Promise<FuzzStats> {
  const document = (await target.server.json('/openapi.json')).body as Schema;
  const ops = operationsOf(document);
  const source = requests(ops, target.known, options.seed);
  const stats: FuzzStats = { tried: 0, failures: [], statuses: new Map(), perOperation: new Map() };
  const worker = async () => {
    while (stats.tried < options.count && Date.now() < options.deadline) {
      const request = source.next().value as FuzzRequest;
      stats.tried++;
      const { status, answer } = await send(target, request);
      stats.statuses.set(status, (stats.statuses.get(status) ?? 0) + 1);
      stats.perOperation.set(request.operation, (stats.perOperation.get(request.operation) ?? 0) + 1);
      if (typeof status === 'string' || status >= 500) stats.failures.push({ request, status, answer });
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 6 }, worker));
  return stats;
}

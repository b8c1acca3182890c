import type { FastifyReply, FastifyRequest } from 'fastify';
import { Invalid } from '../core/errors.js';

/**
 * The one input rule every route and live frame obeys, on top of its own schema: numbers are finite
 * and strings are well-formed Unicode without NUL. PostgreSQL refuses NUL in text and Infinity in
 * integer columns, so either would otherwise surface as a 500 after part of a request had run.
 *
 * The schema cannot say this itself: Ajv's coercion turns `?limit=Infinity` (or `1e309`) into a number
 * that passes `integer` and skips `minimum`/`maximum`, and JSON.parse reads `1e309` as Infinity.
 */

/** With the `u` flag a surrogate pair reads as one code point, so this finds only unpaired halves. */
const LONE_SURROGATE = /\p{Surrogate}/u;

/** The first thing wrong with a value, as "<where>.<path> <problem>", or undefined when it is fine. */
export function inputProblem(value: unknown, where: string): string | undefined {
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) ? undefined : `${where} must be a finite number`;
    case 'string':
      if (value.includes('\u0000')) return `${where} must not contain NUL characters`;
      return LONE_SURROGATE.test(value) ? `${where} must be well-formed Unicode text` : undefined;
    case 'object': {
      if (value === null || Buffer.isBuffer(value)) return undefined;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const problem = inputProblem(value[i], `${where}.${i}`);
          if (problem) return problem;
        }
        return undefined;
      }
      for (const key in value) {
        const keyProblem = inputProblem(key, `${where} key`);
        if (keyProblem) return keyProblem;
        const problem = inputProblem((value as Record<string, unknown>)[key], `${where}.${key}`);
        if (problem) return problem;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/** Throws Invalid (400) naming the field when a value breaks the input rule. */
export function checkInput(value: unknown, where: string): void {
  const problem = inputProblem(value, where);
  if (problem) throw new Invalid(problem, where);
}

/**
 * Fastify hook, run once for every route after its schema has validated (and coerced) the request:
 * path parameters, query string and parsed body. Callback style: no promise per request.
 */
export function enforceInputRule(request: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void): void {
  try {
    checkInput(request.params, 'params');
    checkInput(request.query, 'querystring');
    checkInput(request.body, 'body');
  } catch (err) {
    done(err as Error);
    return;
  }
  done();
}

import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import {
  Conflict,
  DomainError,
  Forbidden,
  Invalid,
  MediaError,
  NotFound,
  PayloadTooLarge,
  TooMany,
  Unauthorized,
} from '../core/errors.js';

/** The one mapping from domain conditions to HTTP statuses, in Spotify's error shape. */
export function statusOf(err: DomainError): number {
  if (err instanceof Invalid || err instanceof MediaError) return 400;
  if (err instanceof Unauthorized) return 401;
  if (err instanceof Forbidden) return 403;
  if (err instanceof NotFound) return 404;
  if (err instanceof Conflict) return 409;
  if (err instanceof PayloadTooLarge) return 413;
  if (err instanceof TooMany) return 429;
  return 400;
}

export function errorBody(status: number, message: string, reason?: string) {
  return { error: reason ? { status, message, reason } : { status, message } };
}

interface ValidationIssue {
  instancePath?: string;
  message?: string;
  keyword?: string;
  params?: Record<string, unknown>;
}

/** Names the offending field: "body.username: must match pattern", "query.limit: must be <= 50". */
function describeValidation(err: FastifyError): string {
  const issue = (err.validation?.[0] ?? {}) as ValidationIssue;
  const where = err.validationContext ?? 'request';
  const path = (issue.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
  if (issue.keyword === 'required')
    return `${where}.${[path, issue.params?.missingProperty].filter(Boolean).join('.')} is required`;
  if (issue.keyword === 'additionalProperties') {
    return `${where}.${[path, issue.params?.additionalProperty].filter(Boolean).join('.')} is not a known field`;
  }
  return `${where}${path ? `.${path}` : ''} ${issue.message ?? 'is invalid'}`;
}

export function handleError(err: FastifyError | DomainError | Error, request: FastifyRequest, reply: FastifyReply) {
  if (err instanceof DomainError) {
    const status = statusOf(err);
    if (status === 401) reply.header('WWW-Authenticate', 'Bearer realm="cadenza"');
    if (err instanceof TooMany && err.retryAfterSeconds !== undefined) {
      reply.header('Retry-After', String(err.retryAfterSeconds));
    }
    // Name the offending field when the message does not already.
    const message = err.field && !err.message.includes(err.field) ? `${err.field}: ${err.message}` : err.message;
    // Spotify's player errors carry a reason code (NO_ACTIVE_DEVICE, PREMIUM_REQUIRED…).
    const reason = 'reason' in err && typeof err.reason === 'string' ? err.reason : undefined;
    return reply.code(status).send(errorBody(status, message, reason));
  }
  const fe = err as FastifyError;
  if (fe.validation) return reply.code(400).send(errorBody(400, describeValidation(fe)));
  const status = fe.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    // Fastify's body parser errors (too large, empty, unsupported type, broken JSON) concern the body.
    const message = fe.code?.startsWith('FST_ERR_CTP_') ? `body: ${fe.message}` : fe.message;
    return reply.code(status).send(errorBody(status, message));
  }
  request.log.error({ err }, 'request failed');
  return reply.code(500).send(errorBody(500, 'internal server error'));
}

import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface DiscardLimits {
  /** Bytes read at most after the refusal; past them the connection is closed instead. */
  maxBytes: number;
  maxMs: number;
}

/**
 * Reads and drops what is left of a request body, within `limits`. True when the body was read to its
 * end, false when the limits ran out or the client went away.
 */
export function discardRest(raw: IncomingMessage, limits: DiscardLimits): Promise<boolean> {
  if (raw.complete) return Promise.resolve(true);
  if (raw.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    let read = 0;
    const finish = (whole: boolean) => {
      clearTimeout(timer);
      raw.off('data', onData).off('end', onEnd).off('close', onClose).off('error', onClose);
      if (!whole) raw.pause();
      resolve(whole);
    };
    const onData = (chunk: Buffer) => {
      read += chunk.length;
      if (read > limits.maxBytes) finish(false);
    };
    const onEnd = () => finish(true);
    const onClose = () => finish(raw.complete);
    const timer = setTimeout(() => finish(false), limits.maxMs);
    raw.on('data', onData).once('end', onEnd).once('close', onClose).once('error', onClose);
    raw.resume();
  });
}

/**
 * An onSend hook for refusals (4xx, 5xx) sent before the request body was read: a 413 for a body over
 * the limit, a 400 for a malformed form, a 401 before an upload. Fastify answers those with
 * `Connection: close`, and the socket closing while the client still writes reaches the client as a
 * connection reset instead of our answer (clients that send the whole body before reading the answer
 * never see it). So the rest of the body is read first, and the connection kept. Reading stops after
 * as much as the largest upload (64 MiB at least) or 30 s: past that the connection is closed.
 */
export function finishReadingRefusedBodies(uploadLimit: number) {
  const limits = { maxBytes: Math.max(uploadLimit, 64 * 1024 * 1024), maxMs: 30_000 };
  // A callback hook, not an async one: every answer passes here and nearly all leave at once.
  return (
    request: FastifyRequest,
    reply: FastifyReply,
    payload: unknown,
    done: (err: Error | null, payload?: unknown) => void,
  ): void => {
    if (reply.statusCode < 400 || request.raw.complete) {
      done(null, payload);
      return;
    }
    discardRest(request.raw, limits).then((whole) => {
      if (whole) reply.removeHeader('connection');
      else reply.header('connection', 'close');
      done(null, payload);
    });
  };
}

import { errorOf, session } from '../api/session.js';
import type { ListeningEvent, SendOutcome, Transport } from './outbox.js';

/** A send with no answer by then is given up and retried (a hung request would hold every tab's flush). */
const TIMEOUT_MS = 30_000;
/** Answers worth trying again later: the request may never have been handled, or the server was busy. */
const RETRY = new Set([401, 408, 425, 429]);

/**
 * Sends a batch to `POST /v1/me/events` with the signed-in bearer token (a 401 renews it once, as the
 * API client does). Network errors and 5xx are retried by the outbox; any other 4xx refuses the batch.
 */
export const sendEvents: Transport = async (events: ListeningEvent[], { keepalive }): Promise<SendOutcome> => {
  const post = (token: string | null) =>
    fetch('/v1/me/events', {
      method: 'POST',
      keepalive,
      signal: keepalive ? undefined : AbortSignal.timeout(TIMEOUT_MS),
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ events }),
    });
  const token = await session.accessToken();
  let response = await post(token);
  if (response.status === 401 && token && !keepalive) {
    const renewed = await session.recover(token);
    if (renewed) response = await post(renewed);
  }
  if (response.ok) {
    const answer = (await response.json()) as Omit<Extract<SendOutcome, { kind: 'answered' }>, 'kind'>;
    return { kind: 'answered', ...answer };
  }
  const error = await errorOf(response);
  if (RETRY.has(response.status) || response.status >= 500) return { kind: 'retry', reason: error.message };
  return { kind: 'refused', reason: error.message };
};

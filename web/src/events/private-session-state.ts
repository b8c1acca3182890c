/**
 * What this page knows of the listener's private session, so that each listening event can say
 * whether it was played in one. The server keeps the truth (GET/PUT /v1/me/private-session); a
 * session lasts 6 hours after it began or after the last play in it, which is mirrored here.
 */

const LASTS_MS = 6 * 60 * 60 * 1000;
let until: number | null = null;

export interface PrivateSessionAnswer {
  enabled: boolean;
  expires_at: string | null;
}

/** Takes in what the server answered about the private session. */
export function notePrivateSession(answer: PrivateSessionAnswer): void {
  if (!answer.enabled) until = null;
  else until = answer.expires_at ? Date.parse(answer.expires_at) : Number.POSITIVE_INFINITY;
}

/** Whether a play now is private; a play in a private session keeps it on for 6 more hours. */
export function playedPrivately(now: number): boolean {
  if (until === null || now >= until) return false;
  until = Math.max(until, now + LASTS_MS);
  return true;
}

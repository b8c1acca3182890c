import { randomBytes } from 'node:crypto';
import type { Services } from '../../src/app.js';
import type { TestServer } from './server.js';

/** One client event as POST /v1/me/events takes it. */
export interface ClientEvent {
  id: string;
  type: string;
  track_id?: string;
  episode_id?: string;
  device_id: string;
  position_ms: number;
  timestamp: number;
  context_uri?: string;
}

let n = 0;
export const eventId = () => `e${++n}-${randomBytes(4).toString('hex')}`;

/** A play of `heardMs` on one device: play_start, a progress every 10 s, then pause. */
export function play(trackId: string, startAt: number, heardMs: number, device = 'phone'): ClientEvent[] {
  const events: ClientEvent[] = [
    { id: eventId(), type: 'play_start', track_id: trackId, device_id: device, position_ms: 0, timestamp: startAt },
  ];
  for (let t = 10_000; t < heardMs; t += 10_000) {
    events.push({
      id: eventId(),
      type: 'progress',
      track_id: trackId,
      device_id: device,
      position_ms: t,
      timestamp: startAt + t,
    });
  }
  events.push({
    id: eventId(),
    type: 'pause',
    track_id: trackId,
    device_id: device,
    position_ms: heardMs,
    timestamp: startAt + heardMs,
  });
  return events;
}

export async function sendEvents(server: TestServer, token: string, events: unknown[]) {
  return server.json('/v1/me/events', {
    method: 'POST',
    token,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ events }),
  });
}

/** Runs every consumer until it has applied the whole log. */
export async function drainConsumers(services: Services): Promise<void> {
  for (const name of services.consumers.names()) await services.consumers.drain(name);
}

/** What the consumers derived, in a form two runs can be compared by. */
export async function derivedState(services: Services) {
  const { pool } = services.database;
  const q = async (text: string) => (await pool.query(text)).rows;
  return {
    history: await q(
      'select event_id, user_id, track_id, played_at, context_uri from listening_history order by event_id',
    ),
    plays: await q('select play_id, listened_ms, started_at from plays order by play_id'),
    days: await q('select user_id, track_id, day::text, plays, listened_ms::text from listening_days order by 1, 2, 3'),
    trackDays: await q('select track_id, day::text, plays from track_play_days order by 1, 2'),
    streams: await q('select play_id, period, market, product from qualifying_streams order by play_id'),
    popularity: await q('select id, popularity from tracks order by id'),
  };
}

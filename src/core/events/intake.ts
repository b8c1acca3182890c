import type { EventLog, LogRecord } from '../../ports/event-log.js';
import type { User } from '../accounts/types.js';
import { isId } from '../ids.js';
import {
  EVENT_TYPES,
  type EventType,
  type IntakeResult,
  type LoggedEvent,
  PLAYBACK_TYPES,
  type Rejection,
  type TrackDurations,
} from './types.js';

export const MAX_BATCH = 500;
/** A client clock may run this far ahead of the server's; events further ahead are refused. */
export const MAX_CLOCK_AHEAD_MS = 10 * 60_000;
/** Events played offline may arrive this late; older ones are refused (they left the windows anyway). */
export const MAX_LATE_MS = 30 * 24 * 3600_000;
/** A position this far past the end of the track is refused (players overshoot a little). */
const POSITION_SLACK_MS = 10_000;
const FIELDS = new Set([
  'id',
  'type',
  'track_id',
  'episode_id',
  'device_id',
  'position_ms',
  'timestamp',
  'context_uri',
  'private_session',
]);
const CLIENT_ID = /^[A-Za-z0-9._:-]{1,64}$/;
const CONTEXT_URI = /^[a-z][a-z0-9-]*:[a-z_]+:[A-Za-z0-9._-]{1,100}$/;
const KNOWN_TRACKS = 100_000;
/** Intake is busy when at least this many batches have been in progress at every moment for BUSY_FOR_MS. */
const BUSY_BATCHES = 16;
const BUSY_FOR_MS = 250;

type Shaped = Omit<LoggedEvent, 'at' | 'received' | 'market' | 'product' | 'user'>;

/**
 * Checks each event on its own, so one bad event costs only itself, and appends the valid ones to the
 * log; the answer comes after the log made them durable. Idempotent: the log id is `user:clientId`,
 * so a retried batch appends nothing new and answers the same.
 *
 * Clock skew: a client's timestamps are trusted for order and spacing, not for absolute time. When a
 * batch's latest timestamp is ahead of the server's clock, the whole batch is shifted back by that
 * much (so nothing lies in the future and intervals stay intact); a timestamp more than
 * MAX_CLOCK_AHEAD_MS ahead is refused, and so is one older than MAX_LATE_MS after the shift.
 */
export class EventIntake {
  /** Durations of tracks seen recently: most batches name the same few tracks. */
  private readonly known = new Map<string, number>();
  private inProgress = 0;
  /** The last time fewer than BUSY_BATCHES batches were in progress. */
  private calmAt = 0;

  constructor(
    private readonly log: EventLog,
    private readonly durations: TrackDurations,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Whether clients have kept many batches in progress for a while (saturation, not a burst): work in
   * the same process that can wait (the log's consumers) waits, so that clients are answered first.
   */
  busy(): boolean {
    return this.inProgress >= BUSY_BATCHES && this.now() - this.calmAt >= BUSY_FOR_MS;
  }

  async accept(user: User, events: unknown[]): Promise<IntakeResult> {
    if (this.inProgress < BUSY_BATCHES) this.calmAt = this.now();
    this.inProgress++;
    try {
      return await this.take(user, events);
    } finally {
      this.inProgress--;
      if (this.inProgress < BUSY_BATCHES) this.calmAt = this.now();
    }
  }

  private async take(user: User, events: unknown[]): Promise<IntakeResult> {
    const received = this.now();
    const rejected: Rejection[] = [];
    const shaped: Array<{ index: number; event: Shaped }> = [];
    events.forEach((raw, index) => {
      const checked = shape(raw);
      if (typeof checked === 'string') rejected.push({ index, id: idOf(raw), reason: checked });
      else shaped.push({ index, event: checked });
    });

    const durations = await this.trackDurations(shaped.flatMap((s) => (s.event.track ? [s.event.track] : [])));
    const valid = shaped.filter(({ index, event }) => {
      const reason = checkAgainst(event, durations, received);
      if (reason) rejected.push({ index, id: event.id, reason });
      return !reason;
    });
    const skew = Math.max(0, ...valid.map((s) => s.event.clientAt - received));
    const records: LogRecord[] = [];
    for (const { index, event } of valid) {
      const at = event.clientAt - skew;
      if (at < received - MAX_LATE_MS) {
        rejected.push({ index, id: event.id, reason: 'timestamp is older than the 30-day window for late events' });
        continue;
      }
      const id = `${user.id}:${event.id}`;
      records.push({ id, body: loggedJson(event, id, user, at, received) });
    }
    const fresh = records.length > 0 ? await this.log.append(records) : 0;
    rejected.sort((a, b) => a.index - b.index);
    return { accepted: records.length, duplicates: records.length - fresh, rejected };
  }

  private async trackDurations(ids: string[]): Promise<Map<string, number>> {
    const wanted = [...new Set(ids)];
    let missing = wanted.filter((id) => !this.known.has(id));
    // A full cache starts over with this batch's tracks, the ones it already held among them.
    if (missing.length > 0 && this.known.size + missing.length > KNOWN_TRACKS) {
      this.known.clear();
      missing = wanted;
    }
    if (missing.length > 0) {
      for (const [id, ms] of await this.durations(missing)) this.known.set(id, ms);
    }
    return this.known;
  }
}

/** Strings intake lets through (ids, types, markets) need no escaping; anything else goes through JSON.stringify. */
const PLAIN = /^[\w.:-]*$/;
const str = (s: string) => (PLAIN.test(s) ? `"${s}"` : JSON.stringify(s));
const opt = (key: string, s: string | undefined) => (s === undefined ? '' : `,"${key}":${str(s)}`);

/**
 * The LoggedEvent as JSON, written out field by field: this runs for every event at intake, and is
 * several times cheaper than building the object and stringifying it.
 */
function loggedJson(e: Shaped, id: string, user: User, at: number, received: number): string {
  return (
    `{"id":${str(id)},"user":${str(user.id)},"type":${str(e.type)}${opt('track', e.track)}${opt('episode', e.episode)}` +
    `,"device":${str(e.device)},"position":${e.position},"at":${at},"clientAt":${e.clientAt},"received":${received}` +
    `${opt('context', e.context)}${e.private ? ',"private":true' : ''}` +
    `,"market":${str(user.country)},"product":${str(user.product)}}`
  );
}

function idOf(raw: unknown): string | null {
  const id = (raw as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id : null;
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

/** The event's fields, or the reason it is malformed, naming the field. */
function shape(raw: unknown): Shaped | string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'an event must be an object';
  const e = raw as Record<string, unknown>;
  const unknown = Object.keys(e).find((k) => !FIELDS.has(k));
  if (unknown) return `${unknown} is not a known field`;
  if (typeof e.id !== 'string' || !CLIENT_ID.test(e.id)) return 'id must be 1 to 64 letters, digits or ._:-';
  if (!EVENT_TYPES.includes(e.type as EventType)) return `type must be one of ${EVENT_TYPES.join(', ')}`;
  const type = e.type as EventType;
  if (e.track_id !== undefined && (typeof e.track_id !== 'string' || !isId(e.track_id))) {
    return 'track_id must be a 22-character base62 id';
  }
  if (e.episode_id !== undefined && (typeof e.episode_id !== 'string' || !isId(e.episode_id))) {
    return 'episode_id must be a 22-character base62 id';
  }
  if (e.track_id !== undefined && e.episode_id !== undefined) return 'give track_id or episode_id, not both';
  if (PLAYBACK_TYPES.has(type) && e.track_id === undefined && e.episode_id === undefined) {
    return `track_id or episode_id is required for ${type}`;
  }
  if (typeof e.device_id !== 'string' || !CLIENT_ID.test(e.device_id)) {
    return 'device_id must be 1 to 64 letters, digits or ._:-';
  }
  if (!isInt(e.position_ms) || e.position_ms < 0) return 'position_ms must be a whole number of milliseconds >= 0';
  if (!isInt(e.timestamp) || e.timestamp <= 0) return 'timestamp must be epoch milliseconds';
  if (e.context_uri !== undefined && (typeof e.context_uri !== 'string' || !CONTEXT_URI.test(e.context_uri))) {
    return 'context_uri must look like cadenza:playlist:<id>';
  }
  if (e.private_session !== undefined && typeof e.private_session !== 'boolean') {
    return 'private_session must be true or false';
  }
  return {
    id: e.id,
    type,
    track: e.track_id as string | undefined,
    episode: e.episode_id as string | undefined,
    device: e.device_id,
    position: e.position_ms,
    clientAt: e.timestamp,
    context: e.context_uri as string | undefined,
    private: e.private_session === true || undefined,
  };
}

function checkAgainst(e: Shaped, durations: Map<string, number>, received: number): string | undefined {
  if (e.clientAt > received + MAX_CLOCK_AHEAD_MS) {
    return 'timestamp is more than 10 minutes ahead of the server clock';
  }
  if (e.track === undefined) return undefined;
  const duration = durations.get(e.track);
  if (duration === undefined) return 'track_id names no playable track';
  if (e.position > duration + POSITION_SLACK_MS) return `position_ms is past the end of the track (${duration} ms)`;
  return undefined;
}

import type { Offset } from '../../ports/event-log.js';
import type { Product } from '../accounts/types.js';

export const EVENT_TYPES = [
  'play_start',
  'progress',
  'pause',
  'resume',
  'seek',
  'skip',
  'complete',
  'search',
  'follow',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Types that describe playback of one track or episode, and so need one. */
export const PLAYBACK_TYPES: ReadonlySet<EventType> = new Set([
  'play_start',
  'progress',
  'pause',
  'resume',
  'seek',
  'skip',
  'complete',
]);

/**
 * One event as stored in the log (short keys: this is written 50,000 times a second). `id` is the
 * log id `userId:clientId`, which makes intake idempotent per user and client event id.
 */
export interface LoggedEvent {
  id: string;
  user: string;
  type: EventType;
  track?: string;
  episode?: string;
  device: string;
  position: number;
  /** When it happened, UTC ms: the client's timestamp corrected for clock skew (see intake). */
  at: number;
  /** The client's own timestamp, as sent. */
  clientAt: number;
  received: number;
  context?: string;
  /**
   * Played in a private session: friend activity does not show it; history, counts and royalties
   * take it like any other play.
   */
  private?: true;
  /** The user's country and product when the event was received (royalties count them as of then). */
  market: string;
  product: Product;
}

/** A rejected event: its position in the batch, its id when it had one, and why. */
export interface Rejection {
  index: number;
  id: string | null;
  reason: string;
}

export interface IntakeResult {
  /** Valid events now durable in the log, including ones a previous try of this batch stored. */
  accepted: number;
  /** Of those, the ones the log already had. */
  duplicates: number;
  rejected: Rejection[];
}

/** Duration of the tracks among `ids` that listeners can play (unknown ids are absent). */
export type TrackDurations = (ids: string[]) => Promise<Map<string, number>>;

export interface Consumed {
  offset: Offset;
  event: LoggedEvent;
}

/**
 * What the consumers write, each method applying a batch exactly once for the named consumer (entries
 * it already applied are skipped), and clearing what a consumer derived before a rebuild.
 */
export interface ListeningWrites {
  /** Play starts of the last 90 days into the user's history. */
  recordHistory(consumer: string, entries: Consumed[]): Promise<void>;
  /** Play starts into per-track daily counts, then the popularity of the tracks and artists touched. */
  countPlays(consumer: string, entries: Consumed[]): Promise<void>;
  /** Play sessions and time listened, per-user daily tallies, and plays that qualify for royalties. */
  recordPlays(consumer: string, entries: Consumed[]): Promise<void>;
  clear(consumer: string, what: 'history' | 'popularity' | 'plays'): Promise<void>;
}

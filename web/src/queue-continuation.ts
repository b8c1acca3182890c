import type { Track } from './api/types.js';
import type { QueueItem, RepeatMode } from './player/types.js';
import { queueItems } from './queue-items.js';

/**
 * What keeps the music going once the listener's queue runs low, as Spotify does: a radio fetches its
 * next page before its tracks run out, and when the queue itself ends, autoplay continues with tracks
 * like the last few played (if the listener left Autoplay on). Each fetch leaves out what the queue
 * already holds, so a station never repeats itself.
 */

/** A radio's queue context: `radio:<seed uri>` (`radio:cadenza:track:…`). */
export const radioContext = (seedUri: string) => `radio:${seedUri}`;
const radioSeed = (context: string | null): string | null =>
  context?.startsWith('radio:') ? context.slice('radio:'.length) : null;

/** The context of the tracks autoplay added (no Cadenza uri: listening events carry none for them). */
export const AUTOPLAY_CONTEXT = 'autoplay';

export const RADIO_PAGE = 50;
/** A radio fetches its next page when this few of its tracks are left to play. */
export const RADIO_LOW = 5;
const AUTOPLAY_BATCH = 20;
/** Autoplay is seeded by this many of the tracks played last. */
export const AUTOPLAY_SEEDS = 5;
/**
 * The most track ids sent as `exclude`, the newest ones: 400 ids keep the URL under 10 kB (servers
 * refuse request heads over 16 kB), and cover about a day of radio without a repeat.
 */
const EXCLUDE_MAX = 400;

export interface QueuePosition {
  queue: readonly QueueItem[];
  index: number;
  /** Playable tracks after the current one in play order. */
  remaining: number;
  repeat: RepeatMode;
}

type Refill = { kind: 'radio'; seedUri: string } | { kind: 'autoplay' };

/**
 * What to fetch now, or null. Nothing while repeat is on (the queue starts over); a radio refills
 * while a few of its own tracks are left; autoplay only once the last track of the queue is playing.
 */
export function refillFor(
  at: QueuePosition,
  context: string | null,
  options: { autoplay: boolean; radioDone: boolean },
): Refill | null {
  const current = at.queue[at.index];
  if (!current || at.repeat !== 'off') return null;
  const seedUri = radioSeed(context);
  if (seedUri && !options.radioDone && !current.autoplay && at.remaining <= RADIO_LOW)
    return { kind: 'radio', seedUri };
  if (options.autoplay && at.remaining === 0) return { kind: 'autoplay' };
  return null;
}

/** The newest `max` distinct ids of a list, oldest first. */
function newest(ids: readonly string[], max: number): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (let i = ids.length - 1; i >= 0 && out.length < max; i--) {
    const id = ids[i]!;
    if (!seen.has(id)) {
      seen.add(id);
      out.push(id);
    }
  }
  return out.reverse();
}

/** The tracks autoplay starts from: the last ones played, else the queue up to the current track. */
export function autoplaySeeds(history: readonly string[], at: QueuePosition): string[] {
  const played = history.length > 0 ? history : at.queue.slice(0, at.index + 1).map((q) => q.id);
  return newest(played, AUTOPLAY_SEEDS);
}

/** The request for a refill; `exclude` names what the queue (and the listener's history) already has. */
function refillPath(refill: Refill, at: QueuePosition, history: readonly string[]): string {
  const queued = at.queue.map((q) => q.id);
  if (refill.kind === 'radio') {
    const exclude = newest(queued, EXCLUDE_MAX).join(',');
    return `/v1/radio?seed_uri=${encodeURIComponent(refill.seedUri)}&limit=${RADIO_PAGE}&exclude=${exclude}`;
  }
  const seeds = autoplaySeeds(history, at).join(',');
  const exclude = newest([...history, ...queued], EXCLUDE_MAX).join(',');
  return `/v1/me/autoplay?seed_tracks=${seeds}&limit=${AUTOPLAY_BATCH}&exclude=${exclude}`;
}

/** The tracks of an answer not in the queue yet, each once. */
function freshTracks(tracks: readonly Track[], queue: readonly QueueItem[]): Track[] {
  const seen = new Set(queue.map((q) => q.id));
  return tracks.filter((t) => {
    if (seen.has(t.id)) return false;
    seen.add(t.id);
    return true;
  });
}

interface ContinuationDeps {
  fetchTracks(path: string): Promise<Track[]>;
  /** Appends to the queue (and plays on if the queue had already ended). */
  append(items: QueueItem[]): Promise<void>;
}

/** Runs the refills of one player: one fetch at a time, each position tried once, stale answers dropped. */
export class QueueContinuation {
  private history: string[] = [];
  private busy = false;
  private radioDone = false;
  private generation = 0;
  /** Refills already tried, by what the queue was when they were (a failed one is not retried there). */
  private readonly tried = new Set<string>();

  constructor(private readonly deps: ContinuationDeps) {}

  /** A new queue: the radio may page again, and answers for the old queue are dropped. */
  reset(): void {
    this.generation++;
    this.radioDone = false;
    this.tried.clear();
  }

  /** The track now playing, kept as an autoplay seed. */
  played(trackId: string): void {
    if (this.history.at(-1) === trackId) return;
    this.history.push(trackId);
    if (this.history.length > EXCLUDE_MAX) this.history.shift();
  }

  /** Fetches what `refillFor` asks for, if it was not tried at this point of the queue already. */
  check(at: QueuePosition, context: string | null, autoplay: boolean): Promise<void> {
    const refill = refillFor(at, context, { autoplay, radioDone: this.radioDone });
    if (!refill || this.busy) return Promise.resolve();
    const key = `${refill.kind}:${at.index}:${at.queue.length}`;
    if (this.tried.has(key)) return Promise.resolve();
    this.tried.add(key);
    return this.run(refill, at);
  }

  private async run(refill: Refill, at: QueuePosition): Promise<void> {
    const generation = this.generation;
    this.busy = true;
    try {
      const tracks = await this.deps.fetchTracks(refillPath(refill, at, this.history));
      if (generation !== this.generation) return;
      const fresh = freshTracks(tracks, at.queue);
      if (refill.kind === 'radio' && fresh.length === 0) this.radioDone = true;
      if (fresh.length === 0) return;
      const items = queueItems(fresh);
      await this.deps.append(refill.kind === 'autoplay' ? items.map((q) => ({ ...q, autoplay: true })) : items);
    } catch {
      // No refill this time: the queue simply ends, as it would without one.
    } finally {
      this.busy = false;
    }
  }
}

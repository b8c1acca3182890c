import type { QueueItem } from './player/types.js';

/**
 * The queue and the play head kept in localStorage, so that a reload (or a new visit) comes back to
 * the same track at the same place, paused. The queue and the position are kept under two keys: the
 * queue changes rarely and can be long, the position changes every tick and is tiny.
 */

/** The part of the Web Storage API used here (typed here, so the module also loads in node's tests). */
interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}
const storage = () => (globalThis as unknown as { localStorage: KeyValueStore }).localStorage;

const QUEUE_KEY = 'cadenza.queue';
const POSITION_KEY = 'cadenza.position';
/** The position is written at most this often while playing (and on leaving the page). */
const POSITION_EVERY_MS = 1000;
/** A position this close to the end is a track that was played to its end. */
const ENDED_WITHIN_MS = 1000;

export interface SavedQueue {
  queue: QueueItem[];
  index: number;
  positionMs: number;
  /** What the queue was started from (`album:ID` …). */
  context: string | null;
  /** Its name, when it has one of its own (a radio's). */
  name?: string | null;
}

function read<T>(key: string): T | null {
  try {
    return JSON.parse(storage().getItem(key) ?? 'null') as T | null;
  } catch {
    return null;
  }
}

/** The saved queue, or null when there is none (or it no longer makes sense). */
export function loadQueue(): SavedQueue | null {
  const saved = read<{ queue: QueueItem[]; context: string | null; name?: string }>(QUEUE_KEY);
  const at = read<{ index: number; positionMs: number }>(POSITION_KEY);
  if (!Array.isArray(saved?.queue) || saved.queue.length === 0) return null;
  const index = Number.isInteger(at?.index) && at!.index >= 0 && at!.index < saved.queue.length ? at!.index : 0;
  const durationMs = saved.queue[index]!.durationMs;
  let positionMs = Math.max(0, Math.min(Number(at?.positionMs) || 0, durationMs));
  // A track that had played to its end (the queue ran out) comes back at its start: Play replays it.
  if (positionMs >= durationMs - ENDED_WITHIN_MS) positionMs = 0;
  const named = typeof saved.name === 'string' ? { name: saved.name } : {};
  return { queue: saved.queue, index, positionMs, context: saved.context ?? null, ...named };
}

/** Writes what changed since the last call: the queue when its entries change, the position now and then. */
export class QueueSaver {
  private queueSignature = '';
  private lastIndex = -1;
  private lastWrite = 0;
  private pending: { index: number; positionMs: number } | null = null;
  private stopped = false;

  save(state: SavedQueue, now = Date.now()): void {
    if (this.stopped) return;
    if (state.queue.length === 0) {
      if (this.queueSignature !== '') {
        storage().removeItem(QUEUE_KEY);
        storage().removeItem(POSITION_KEY);
      }
      this.queueSignature = '';
      this.pending = null;
      return;
    }
    const signature = `${state.context}|${state.name}|${state.queue.map((q) => `${q.id}${q.autoplay ? '+' : ''}`).join(',')}`;
    if (signature !== this.queueSignature) {
      this.queueSignature = signature;
      storage().setItem(
        QUEUE_KEY,
        JSON.stringify({ queue: state.queue, context: state.context, name: state.name ?? undefined }),
      );
      this.lastWrite = 0;
    }
    this.pending = { index: state.index, positionMs: Math.round(state.positionMs) };
    if (state.index !== this.lastIndex || now - this.lastWrite >= POSITION_EVERY_MS) this.flush(now);
  }

  /** Writes the latest position at once (the page is going away). */
  flush(now = Date.now()): void {
    if (this.stopped || !this.pending || this.queueSignature === '') return;
    storage().setItem(POSITION_KEY, JSON.stringify(this.pending));
    this.lastIndex = this.pending.index;
    this.lastWrite = now;
    this.pending = null;
  }

  /** Removes the saved queue and saves nothing more (the listener signed out: the next one starts afresh). */
  forget(): void {
    this.stopped = true;
    storage().removeItem(QUEUE_KEY);
    storage().removeItem(POSITION_KEY);
  }
}

import { EMPTY_STATE, MAX_QUEUE, type PlayerReport, type PlayerState, progressAt, type StateChange } from './types.js';

/**
 * How each command changes the stored state, decided at once so a read right after the command shows
 * it; the device's next report then says what really happened. Pure: `now` is passed in.
 */

/** Back to the track's start rather than the one before when further in than this (as Spotify does). */
export const RESTART_AFTER_MS = 3000;

export function base(state: PlayerState | undefined): StateChange {
  if (!state) return { ...EMPTY_STATE };
  const { version: _v, updatedAt: _u, ...rest } = state;
  return rest;
}

/** Progress folded into `progressMs` at `now`, with playing set as asked. */
export function heldAt(s: StateChange, now: number, isPlaying: boolean): StateChange {
  return { ...s, progressMs: progressAt(s, now), progressAt: now, isPlaying: isPlaying && s.trackId !== null };
}

export function seekTo(s: StateChange, positionMs: number, now: number): StateChange {
  const capped = s.durationMs > 0 ? Math.min(positionMs, s.durationMs) : positionMs;
  return { ...s, progressMs: capped, progressAt: now };
}

export interface Load {
  trackIds: string[];
  index: number;
  positionMs: number;
  contextUri: string | null;
  durationMs: number;
}

export function loaded(s: StateChange, load: Load, deviceId: string, now: number): StateChange {
  return {
    ...s,
    activeDeviceId: deviceId,
    isPlaying: true,
    queue: load.trackIds,
    queueIndex: load.index,
    queueInsertAt: null,
    trackId: load.trackIds[load.index] ?? null,
    durationMs: load.durationMs,
    progressMs: Math.min(load.positionMs, load.durationMs || load.positionMs),
    progressAt: now,
    contextUri: load.contextUri,
  };
}

/** The queue index `next` moves to, or null at the end of the queue without repeat. */
export function nextIndex(s: StateChange): number | null {
  if (s.queueIndex + 1 < s.queue.length) return s.queueIndex + 1;
  return s.repeat === 'context' && s.queue.length > 0 ? 0 : null;
}

/** The queue index `previous` moves to: the same track (from its start) when well into it. */
export function previousIndex(s: StateChange, now: number): number {
  if (progressAt(s, now) > RESTART_AFTER_MS || s.queue.length === 0) return s.queueIndex;
  if (s.queueIndex > 0) return s.queueIndex - 1;
  return s.repeat === 'context' ? s.queue.length - 1 : 0;
}

/** On track `index` of the queue from its start; `durationMs` is that track's. */
export function movedTo(s: StateChange, index: number, durationMs: number, now: number): StateChange {
  return {
    ...s,
    queueIndex: index,
    trackId: s.queue[index] ?? null,
    durationMs,
    progressMs: 0,
    progressAt: now,
    queueInsertAt: s.queueInsertAt !== null && s.queueInsertAt > index ? s.queueInsertAt : null,
  };
}

/** Played after the current track and after those added before it (Spotify's queue). */
export function enqueued(s: StateChange, trackId: string): StateChange {
  if (s.trackId === null) {
    return { ...s, queue: [trackId], queueIndex: 0, trackId, queueInsertAt: null, progressMs: 0 };
  }
  const at = s.queueInsertAt !== null && s.queueInsertAt > s.queueIndex ? s.queueInsertAt : s.queueIndex + 1;
  const queue = [...s.queue.slice(0, at), trackId, ...s.queue.slice(at)];
  // The queue keeps MAX_QUEUE tracks (what devices are sent and report): played ones go first, then the
  // last of the context.
  const played = Math.max(0, Math.min(queue.length - MAX_QUEUE, s.queueIndex));
  return {
    ...s,
    queue: queue.slice(played, played + MAX_QUEUE),
    queueIndex: s.queueIndex - played,
    queueInsertAt: at + 1 - played,
  };
}

/** The device's own account of what it plays. */
export function reported(s: StateChange, r: PlayerReport, now: number): StateChange {
  const sameQueue = r.queue.length === s.queue.length && r.queue.every((id, i) => id === s.queue[i]);
  return {
    ...s,
    activeDeviceId: r.deviceId,
    trackId: r.trackId,
    progressMs: r.positionMs,
    progressAt: now,
    durationMs: r.durationMs,
    isPlaying: r.isPlaying && r.trackId !== null,
    queue: r.queue,
    queueIndex: r.queueIndex,
    // Where added tracks go survives only while the device plays the queue it was worked out for.
    queueInsertAt: sameQueue && s.queueInsertAt !== null && s.queueInsertAt > r.queueIndex ? s.queueInsertAt : null,
    contextUri: r.contextUri,
    shuffle: r.shuffle,
    repeat: r.repeat,
    volumePercent: r.volumePercent,
  };
}

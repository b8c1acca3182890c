import type { PlayerState } from '../player/types.js';
import type { PlayerChange } from './types.js';

/** A listener's stored player state as the Jam reads it: the host's position, and what plays next. */
export function playerChangeOf(state: PlayerState): PlayerChange {
  return {
    version: state.version,
    trackId: state.trackId,
    durationMs: state.durationMs,
    positionMs: state.progressMs,
    atServerMs: state.progressAt,
    isPlaying: state.isPlaying,
    upNext: state.queue.slice(state.queueIndex + 1),
  };
}

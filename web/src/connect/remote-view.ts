import type { Track } from '../api/types.js';
import type { PlayerState } from '../player/types.js';
import { queueItem } from '../queue-items.js';
import type { Playback } from './types.js';
import { repeatMode } from './uris.js';

/**
 * What the now-playing bar shows while another device plays: that device's track, progress, volume,
 * shuffle and repeat, with this player's own settings (they stay this browser's).
 */
export function remoteView(remote: Playback, upNext: Track[], positionMs: number, local: PlayerState): PlayerState {
  const item = remote.item;
  return {
    ...local,
    status: remote.is_playing ? 'playing' : 'paused',
    queue: item ? [item, ...upNext].map((t) => queueItem(t)) : [],
    index: item ? 0 : -1,
    positionMs,
    durationMs: item?.duration_ms ?? 0,
    bufferedMs: 0,
    quality: null,
    bitrateKbps: null,
    shuffle: remote.shuffle_state,
    repeat: repeatMode(remote.repeat_state),
    volume: (remote.device.volume_percent ?? Math.round(local.volume * 100)) / 100,
    error: null,
  };
}

/**
 * When a remote's `progress_ms` held: at a server time (a `player.state` frame's `server_ms`), or at a
 * time of this clock (a `GET /v1/me/player` answer's arrival, perhaps before the clock offset is known).
 */
export type HeldAt = { serverMs: number } | { localMs: number };

/** The remote's progress at `localNow`: run on from when it held while it plays, capped at the track's end. */
export function progressNow(p: Playback | null, held: HeldAt, localNow: number, offsetMs: number): number {
  if (!p) return 0;
  const base = p.progress_ms ?? 0;
  const since = 'serverMs' in held ? localNow + offsetMs - held.serverMs : localNow - held.localMs;
  const ran = p.is_playing ? Math.max(0, since) : 0;
  return Math.min(base + ran, p.item?.duration_ms ?? Number.POSITIVE_INFINITY);
}

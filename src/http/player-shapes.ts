import type { Playback } from '../core/player/player-service.js';
import { type DeviceView, progressAt } from '../core/player/types.js';
import type { Shapes } from './shapes.js';

/** Spotify's player objects: devices, the playback state, its context. */

export function deviceShape(d: DeviceView) {
  return {
    id: d.id,
    is_active: d.isActive,
    is_private_session: d.isPrivateSession,
    is_restricted: false,
    name: d.name,
    type: d.type,
    volume_percent: d.volumePercent,
    supports_volume: d.supportsVolume,
  };
}

export function devicesShape(devices: DeviceView[]) {
  return { devices: devices.map(deviceShape) };
}

/** Spotify's context object for a `cadenza:<type>:<id>` uri; null for anything else. */
export function contextShape(s: Shapes, contextUri: string | null) {
  const m = contextUri ? /^cadenza:(playlist|album|artist|show):([A-Za-z0-9]+)$/.exec(contextUri) : null;
  if (!m) return null;
  const [, type, id] = m;
  return {
    type,
    href: `${s.base}/v1/${type}s/${id}`,
    external_urls: { cadenza: `${s.base}/${type}/${id}` },
    uri: contextUri,
  };
}

/** The body of `GET /v1/me/player` (also the `state` of `player.state` frames). */
export function playbackShape(s: Shapes, p: Playback) {
  const { state, track } = p;
  const hasTrack = track !== null;
  return {
    device: deviceShape(p.device),
    repeat_state: state.repeat,
    shuffle_state: state.shuffle,
    context: contextShape(s, state.contextUri),
    timestamp: state.updatedAt,
    progress_ms: hasTrack ? Math.round(progressAt(state, p.now)) : null,
    is_playing: state.isPlaying,
    item: hasTrack ? s.track(track) : null,
    currently_playing_type: hasTrack ? 'track' : 'unknown',
    actions: {
      disallows: {
        ...(state.isPlaying ? { resuming: true } : { pausing: true }),
        ...(hasTrack ? {} : { seeking: true, skipping_next: true, skipping_prev: true }),
      },
    },
  };
}

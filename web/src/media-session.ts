import type { PlayerHost } from './player-host.js';

/**
 * Keeps the Media Session (OS media keys, lock screen, headset buttons) in step with the player:
 * metadata when the track changes, playback state and position as they change, and action handlers
 * that call the player. Returns a function that unbinds it all.
 */
export function bindMediaSession(host: PlayerHost): () => void {
  if (!('mediaSession' in navigator)) return () => undefined;
  const ms = navigator.mediaSession;
  const handlers: [MediaSessionAction, MediaSessionActionHandler][] = [
    ['play', () => void host.resume()],
    ['pause', () => void host.pause()],
    ['previoustrack', () => void host.previous()],
    ['nexttrack', () => void host.next()],
    ['seekto', (d) => d.seekTime !== undefined && void host.seek(d.seekTime * 1000)],
    ['seekbackward', (d) => void host.seek(host.getState().positionMs - (d.seekOffset ?? 10) * 1000)],
    ['seekforward', (d) => void host.seek(host.getState().positionMs + (d.seekOffset ?? 10) * 1000)],
  ];
  for (const [action, handler] of handlers) {
    try {
      ms.setActionHandler(action, handler);
    } catch {
      // The browser does not know this action.
    }
  }

  let shownId: string | null = null;
  let lastPosition = { at: 0, positionMs: -1, durationMs: 0, playing: false };

  const sync = () => {
    const s = host.getState();
    const item = s.queue[s.index];
    if ((item?.id ?? null) !== shownId) {
      shownId = item?.id ?? null;
      ms.metadata = item
        ? new MediaMetadata({
            title: item.title,
            artist: item.artists,
            album: item.album ?? '',
            artwork: item.image ? [{ src: item.image, sizes: '300x300', type: 'image/jpeg' }] : [],
          })
        : null;
    }
    const playing = s.status === 'playing' || (s.status === 'loading' && s.index >= 0);
    ms.playbackState = item ? (playing ? 'playing' : 'paused') : 'none';
    if (!item || s.durationMs <= 0) return;
    // Position state extrapolates by itself; it is sent again only when the play head jumps or stops.
    const expected = lastPosition.playing
      ? lastPosition.positionMs + (performance.now() - lastPosition.at)
      : lastPosition.positionMs;
    if (
      Math.abs(expected - s.positionMs) > 1500 ||
      playing !== lastPosition.playing ||
      s.durationMs !== lastPosition.durationMs
    ) {
      lastPosition = { at: performance.now(), positionMs: s.positionMs, durationMs: s.durationMs, playing };
      try {
        ms.setPositionState({
          duration: s.durationMs / 1000,
          position: Math.min(s.positionMs, s.durationMs) / 1000,
          playbackRate: 1,
        });
      } catch {
        // An inconsistent position (e.g. mid-transition) is skipped; the next update fixes it.
      }
    }
  };
  const unsubscribe = host.subscribe(sync);
  sync();
  return () => {
    unsubscribe();
    for (const [action] of handlers) {
      try {
        ms.setActionHandler(action, null);
      } catch {}
    }
  };
}

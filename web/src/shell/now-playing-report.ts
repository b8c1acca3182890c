import { useEffect } from 'react';
import { api } from '../api/client.js';
import type { PlayerHost } from '../player-host.js';

/**
 * Tells the server what this listener plays, for their followers' friend activity: once when a
 * track starts and once when it pauses or resumes (the stand-in report route until the player-state
 * API lands). A failed report is dropped; the next change sends a fresh one.
 */
export function useNowPlayingReport(player: PlayerHost): void {
  useEffect(() => {
    let last = '';
    // A queue restored paused after a reload is not news: report from the first play on.
    let started = false;
    const report = () => {
      const s = player.getState();
      const track = s.queue[s.index];
      if (!track || (s.status !== 'playing' && s.status !== 'paused')) return;
      const isPlaying = s.status === 'playing';
      started ||= isPlaying;
      if (!started) return;
      const key = `${track.id}:${isPlaying}`;
      if (key === last) return;
      last = key;
      const body = { track_id: track.id, progress_ms: Math.max(0, Math.round(s.positionMs)), is_playing: isPlaying };
      api.put('/v1/me/player/now-playing', body).catch(() => {
        last = '';
      });
    };
    report();
    return player.subscribe(report);
  }, [player]);
}

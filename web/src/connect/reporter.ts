import type { PlayerState } from '../player/types.js';
import type { PlayerReport } from './types.js';
import { spotifyRepeat } from './uris.js';

/** A report goes out at least this often while playing, so the stored progress stays near the truth. */
export const REPORT_EVERY_MS = 10_000;
/** A play head this far from where it should be has been moved (a seek), which is news. */
const JUMP_MS = 1500;

export type ReportBody = Omit<PlayerReport, 'type' | 'device_id' | 'command_version' | 'at_server_ms'>;

export const isPlaying = (s: PlayerState) => s.status === 'playing' || (s.status === 'loading' && s.index >= 0);

/**
 * The most queued tracks a report carries: what the server keeps per listener (MAX_QUEUE in
 * src/core/player/types.ts). A 3,000-track playlist whole would be refused, and past about 2,500 ids the
 * frame outgrows the gateway's 64 KiB limit, which closes the socket.
 */
export const REPORT_QUEUE_MAX = 1000;
/** Of a longer queue, a report carries this many tracks before the current one (for "previous"), the rest after. */
const QUEUE_BEHIND = 50;

/** The part of the queue a report carries, around the current track, and that track's index in it. */
export function queueWindow(ids: string[], index: number, max = REPORT_QUEUE_MAX) {
  const current = Math.max(0, Math.min(index, ids.length - 1));
  const start = Math.max(0, Math.min(current - QUEUE_BEHIND, ids.length - max));
  return { queue: ids.slice(start, start + max), queue_index: current - start };
}

/** What this device says it plays: its own player's state, the queue's context (a `cadenza:` uri). */
export function reportOf(s: PlayerState, context: string | null, claim: boolean): ReportBody {
  const track = s.queue[s.index];
  return {
    track_id: track?.id ?? null,
    position_ms: Math.max(0, Math.round(s.positionMs)),
    duration_ms: Math.round(s.durationMs || track?.durationMs || 0),
    is_playing: isPlaying(s),
    ...queueWindow(
      s.queue.map((q) => q.id),
      s.index,
    ),
    context_uri: context,
    shuffle: s.shuffle,
    repeat: spotifyRepeat(s.repeat),
    volume_percent: Math.round(s.volume * 100),
    ...(claim ? { claim: true } : {}),
  };
}

/**
 * Decides when the active device says what it plays: on every change of track, queue, play state or
 * setting, when the play head jumps, and every 10 s while playing; never twice for the same news.
 */
export class Reporter {
  private last: { key: string; positionMs: number; at: number; playing: boolean } | null = null;

  constructor(private readonly send: (report: ReportBody) => boolean) {}

  observe(report: ReportBody, force: boolean, now = Date.now()): void {
    const key = JSON.stringify({ ...report, position_ms: 0 });
    const last = this.last;
    const expected = last ? last.positionMs + (last.playing ? now - last.at : 0) : 0;
    const due =
      force ||
      !last ||
      last.key !== key ||
      Math.abs(expected - report.position_ms) > JUMP_MS ||
      (report.is_playing && now - last.at >= REPORT_EVERY_MS);
    if (!due) return;
    // A report that could not be sent (socket down) is not remembered: the reconnection sends one.
    if (this.send(report)) this.last = { key, positionMs: report.position_ms, at: now, playing: report.is_playing };
  }
}

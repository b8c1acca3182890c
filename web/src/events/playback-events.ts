import type { PlayerState } from '../player/types.js';
import type { ListeningEvent } from './outbox.js';

/**
 * Turns the player's state, as it changes, into listening events: `play_start` when a track starts
 * sounding, `progress` every 30 s of playback, `pause` and `resume`, `seek` when the play head jumps,
 * and `complete` or `skip` when the play ends (it reached its end, or something else replaced it).
 * Reading the state rather than the controls catches every way playback changes (buttons, keys, media
 * keys, the end of the queue), the same way whatever asked for it.
 */

/** A progress event is sent after this much playback since the play's last event. */
export const PROGRESS_EVERY_MS = 30_000;
/** A jump of the play head beyond what time explains, by more than this, is a seek. */
const JUMP_MS = 1_500;
/** A play that stopped this close to its end (plus the crossfade) played to the end. */
const END_MS = 2_500;
/** At most this much playback is assumed between the last state seen and the moment a play ends. */
const EXTRAPOLATE_MS = 1_000;

export interface TrackerDeps {
  record(event: ListeningEvent): void;
  deviceId: string;
  newId(): string;
  /** Where the queue was started from, as a context uri (`cadenza:album:…`), if it has one. */
  context(): string | undefined;
  /** Whether the listener is in a private session now. */
  privateSession(): boolean;
}

interface Play {
  trackId: string;
  durationMs: number;
  queue: PlayerState['queue'];
  index: number;
  context: string | undefined;
  /** The play head and the wall clock when it was last seen. */
  position: number;
  at: number;
  playing: boolean;
  /** Where the last event of this play was: progress counts from there. */
  base: number;
  /** Ended by reaching the end of the queue; the next sound is a new play. */
  over: boolean;
}

export class PlaybackEvents {
  private play: Play | null = null;

  constructor(private readonly deps: TrackerDeps) {}

  observe(s: PlayerState, now: number): void {
    const track = s.index >= 0 ? s.queue[s.index] : undefined;
    let p = this.play;
    if (p && !this.samePlay(p, s, now)) {
      if (!p.over) this.end(p, s, now);
      p = this.play = null;
    }
    if (p) p.index = s.index;
    if (p?.over && s.status === 'playing') p = this.play = null;
    if (!p) {
      if (track && s.status === 'playing') this.start(s, now);
      return;
    }
    if (p.over || s.status === 'loading') return;
    const position = this.clamp(p, s.positionMs);
    if (s.status === 'playing') {
      if (!p.playing) {
        this.emit(p, 'resume', position, now);
      } else if (this.jumped(p, position, now)) {
        if (this.nearEnd(p, p.position, s) && position < JUMP_MS) {
          // Repeat one: the same track again from its start.
          this.emit(p, 'complete', p.durationMs, now);
          this.start(s, now);
          return;
        }
        this.emit(p, 'seek', position, now);
      } else if (position - p.base >= PROGRESS_EVERY_MS) {
        this.emit(p, 'progress', position, now);
      }
      Object.assign(p, { position, at: now, playing: true });
      return;
    }
    // Paused, stopped by an error, or the queue ended.
    if (p.playing) {
      if (this.nearEnd(p, position, s)) {
        this.emit(p, 'complete', position, now);
        p.over = true;
      } else {
        this.emit(p, 'pause', position, now);
      }
    }
    Object.assign(p, { position, at: now, playing: false });
  }

  /** The page is going away: a play still sounding stops here. */
  leave(now: number): void {
    const p = this.play;
    if (!p || p.over || !p.playing) return;
    const position = this.heard(p, now);
    this.emit(p, 'pause', position, now);
    Object.assign(p, { position, at: now, playing: false });
  }

  private start(s: PlayerState, now: number): void {
    const item = s.queue[s.index]!;
    const p: Play = {
      trackId: item.id,
      durationMs: item.durationMs,
      queue: s.queue,
      index: s.index,
      context: this.deps.context(),
      position: 0,
      at: now,
      playing: true,
      base: 0,
      over: false,
    };
    p.position = this.clamp(p, s.positionMs);
    this.play = p;
    this.emit(p, 'play_start', p.position, now);
  }

  /** Ends `p`, which something else replaced: it completed if it had (nearly) reached its end. */
  private end(p: Play, s: PlayerState, now: number): void {
    const position = this.heard(p, now);
    this.emit(p, this.nearEnd(p, position, s) ? 'complete' : 'skip', position, now);
  }

  /**
   * The same entry of the same queue (a new queue is a new play, even of the same track); an entry
   * whose index an edit of the queue moved keeps its play if the play head went on.
   */
  private samePlay(p: Play, s: PlayerState, now: number): boolean {
    if (s.queue !== p.queue || s.queue[s.index]?.id !== p.trackId) return false;
    return s.index === p.index || !this.jumped(p, this.clamp(p, s.positionMs), now);
  }

  private jumped(p: Play, position: number, now: number): boolean {
    const most = p.position + (p.playing ? now - p.at : 0) + JUMP_MS;
    return position < p.position - JUMP_MS || position > most;
  }

  private nearEnd(p: Play, position: number, s: PlayerState): boolean {
    return position >= p.durationMs - END_MS - s.settings.crossfadeSeconds * 1000;
  }

  /** Where the play head of `p` is now, from where it was last seen. */
  private heard(p: Play, now: number): number {
    const since = p.playing ? Math.min(EXTRAPOLATE_MS, Math.max(0, now - p.at)) : 0;
    return this.clamp(p, p.position + since);
  }

  /** A position the server takes: whole milliseconds within the track. */
  private clamp(p: Play, ms: number): number {
    return Math.max(0, Math.min(p.durationMs, Math.round(ms)));
  }

  private emit(p: Play, type: ListeningEvent['type'], position: number, now: number): void {
    p.base = position;
    const event: ListeningEvent = {
      id: this.deps.newId(),
      type,
      track_id: p.trackId,
      device_id: this.deps.deviceId,
      position_ms: position,
      timestamp: Math.round(now),
    };
    if (p.context) event.context_uri = p.context;
    if (this.deps.privateSession()) event.private_session = true;
    this.deps.record(event);
  }
}

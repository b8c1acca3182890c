import { api, seg } from '../api/client.js';
import { type Frame, live } from '../api/live.js';
import type { Player, PlayerState } from '../player/index.js';
import { queueItem } from '../queue-items.js';
import { toast } from '../ui/toasts.js';
import { ClockOffset, pageNow } from './clock.js';
import type { Jam, JamPreview, JamSample, JamSettings } from './types.js';

/**
 * The Jam this listener is in, kept live over the gateway (`jam.subscribe` → `jam.state`), and what
 * it does to this page's player: a member's player follows the host's (same track, same position at
 * the same server time, same play or pause), a host's player reports the moment its audio starts.
 * State comes from the server only: after a reconnection the stored Jam is read again.
 */

/** What the Jam needs from the page's player host (player-host.ts). */
export interface JamPlayerHost {
  /** The engine, built (from a click) if need be. */
  jamEngine(): Player | null;
  /** Reports what the engine plays now, from its state at this instant. */
  reportNow(): void;
  getLocalState(): PlayerState;
  subscribe(listener: () => void): () => void;
}

/** How often a member re-measures its audio against the host's (and corrects drift). */
const FOLLOW_EVERY_MS = 1000;
/** How often a host playing in a Jam reports its position (members correct drift against each one). */
const HOST_REPORT_EVERY_MS = 4000;
/** A position the server held for the host this far off its audio makes the host report again, after: */
const HELD_TOLERANCE_MS = 10;
const RE_REPORT_AFTER_MS = 1000;
/** Clock probes: a burst on (re)connecting, then one every few seconds. */
const PROBE_BURST = 6;
const PROBE_EVERY_MS = 3000;
/**
 * After the host's audio starts, moves or resumes, its position is reported again this long after
 * (the output's timestamps take a moment to settle after a start or a resume).
 */
const SETTLE_MS = [150, 1500];

type Listener = () => void;

export interface JamView {
  jam: Jam | null;
  /** The stored Jam was read (until then, whether the listener is in one is not known). */
  loaded: boolean;
  /** This page's player follows the host. */
  following: boolean;
  isHost: boolean;
}

export class JamSession {
  private jam: Jam | null = null;
  private loaded = false;
  private userId: string | null = null;
  private host: JamPlayerHost | null = null;
  /** The engine follows the host (a member who pressed join or "play along" here). */
  private following = false;
  private readonly clock = new ClockOffset();
  private readonly probes = new Set<number>();
  private readonly listeners = new Set<Listener>();
  private stops: (() => void)[] = [];
  private aligning = false;
  private lastLocal: { status: string; trackId: string | undefined; positionMs: number; at: number } | null = null;
  private lastHostReport = 0;

  private view: JamView = { jam: null, loaded: false, following: false, isHost: false };

  getJam = (): Jam | null => this.jam;
  /** What the screens show (a new object after every change). */
  getView = (): JamView => this.view;

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  get isHost(): boolean {
    return !!this.jam && this.jam.host.id === this.userId;
  }

  /** Starts listening for this signed-in listener; returns the function that stops. */
  start(userId: string, host: JamPlayerHost): () => void {
    this.userId = userId;
    this.host = host;
    const timers = [
      setInterval(() => {
        void this.follow();
        this.reportAsHost();
      }, FOLLOW_EVERY_MS),
      setInterval(() => this.probe(), PROBE_EVERY_MS),
    ];
    this.stops = [
      live.listen((frame) => this.onFrame(frame)),
      host.subscribe(() => this.watchHostAudio()),
      () => timers.forEach(clearInterval),
    ];
    void this.reload();
    return () => {
      for (const stop of this.stops.splice(0)) stop();
      this.host = null;
    };
  }

  // ---- REST ----

  async create(settings: Partial<JamSettings>): Promise<void> {
    this.set(await api.post<Jam>('/v1/me/jam', settings));
  }

  preview(code: string): Promise<JamPreview> {
    return api.get<JamPreview>(`/v1/jams/${seg(code)}`);
  }

  /** Joins by code and starts following the host (call it from a click: the audio starts with it). */
  async join(code: string): Promise<void> {
    const jam = await api.post<Jam>(`/v1/jams/${seg(code)}/members`);
    this.set(jam);
    this.playAlong();
  }

  /** A member's player starts following the host (after joining, or coming back to the page). */
  playAlong(): void {
    if (!this.jam || this.isHost || !this.host?.jamEngine()) return;
    this.following = true;
    this.emit();
    void this.follow();
  }

  async leave(): Promise<void> {
    const jam = this.jam;
    if (!jam) return;
    await api.delete(`/v1/jams/${seg(jam.id)}/members/me`);
    this.drop(jam.id);
  }

  async end(): Promise<void> {
    const jam = this.jam;
    if (!jam) return;
    await api.delete(`/v1/jams/${seg(jam.id)}`);
    this.drop(jam.id);
  }

  async updateSettings(settings: Partial<JamSettings>): Promise<void> {
    if (this.jam) this.set(await api.put<Jam>(`/v1/jams/${seg(this.jam.id)}`, settings));
  }

  async add(trackIds: string[]): Promise<void> {
    if (!this.jam) return;
    const uris = trackIds.map((id) => `cadenza:track:${id}`);
    this.set(await api.post<Jam>(`/v1/jams/${seg(this.jam.id)}/queue`, { uris }));
  }

  /** Reads the stored Jam (on start and after every reconnection): nothing is taken from memory. */
  private async reload(): Promise<void> {
    try {
      const jam = await api.get<Jam | undefined>('/v1/me/jam');
      this.loaded = true;
      if (jam) this.set(jam, true);
      else if (this.jam) this.drop(this.jam.id);
      else this.emit();
    } catch {
      // The next welcome tries again.
    }
  }

  // ---- live ----

  private onFrame(frame: Frame): void {
    switch (frame.type) {
      case 'welcome':
        this.burst();
        void this.reload();
        return;
      case 'time':
        this.onTime(frame);
        return;
      case 'jam.state':
        if (frame.jam?.id === this.jam?.id || !this.jam) this.set(frame.jam as Jam);
        this.checkHeld();
        return;
      case 'jam.ended':
        if (frame.jam_id === this.jam?.id) {
          if (!this.isHost) toast('The Jam has ended');
          this.drop(frame.jam_id);
        }
        return;
      case 'jam.unsubscribed':
        if (frame.reason === 'left' && frame.jam_id === this.jam?.id) this.drop(frame.jam_id);
    }
  }

  /** Takes a newer Jam state; subscribes when it is a Jam not yet subscribed to. */
  private set(jam: Jam, resubscribe = false): void {
    const known = this.jam?.id === jam.id;
    if (known && !resubscribe && jam.version < this.jam!.version) return;
    this.jam = jam;
    if (!known || resubscribe) live.send({ type: 'jam.subscribe', jam_id: jam.id });
    if (!known) this.burst();
    this.emit();
    void this.follow();
  }

  private drop(jamId: string): void {
    if (this.jam?.id !== jamId) return;
    live.send({ type: 'jam.unsubscribe', jam_id: jamId });
    this.jam = null;
    this.following = false;
    this.emit();
  }

  // ---- clock ----

  private burst(): void {
    for (let i = 0; i < PROBE_BURST; i++) setTimeout(() => this.probe(), i * 60);
  }

  private probe(): void {
    if (!this.jam && this.clock.samples > 0) return;
    const sent = pageNow();
    if (live.send({ type: 'time', client_ms: sent })) this.probes.add(sent);
  }

  private onTime(frame: Frame): void {
    const sent = Number(frame.client_ms);
    // Other parts of the page probe too (Connect): only this one's own probes count here.
    if (!this.probes.delete(sent)) return;
    this.clock.add({ sentMs: sent, receivedMs: pageNow(), serverMs: Number(frame.server_ms) });
  }

  /** Server time (epoch ms) at page time `performance.now()` = `perf`. */
  private serverAt(perf: number): number | undefined {
    const offset = this.clock.offsetMs;
    return offset === undefined ? undefined : performance.timeOrigin + perf + offset;
  }

  // ---- following the host ----

  /**
   * A member's player: the host's track at the host's position for the same server time. The host's
   * position `position_ms` held at `server_ms`; now (server time S) it is position_ms + S − server_ms,
   * so the track's frame 0 sounds at the output frame heard at S less that position. The server stamps
   * a report with the host's own estimate of when its position held (or the frame's arrival), so the
   * latest report is the truest: a small seek back by the host is followed at once.
   */
  private async follow(): Promise<void> {
    const jam = this.jam;
    const handle = window.cadenza;
    if (!jam || this.isHost || !this.following || !handle || this.aligning) return;
    const { playback } = jam;
    const engine = handle.player;
    if (!playback.track || !playback.is_playing) {
      const status = engine.getState().status;
      if (status === 'playing' || status === 'loading') await engine.pause();
      return;
    }
    const perf = performance.now();
    const server = this.serverAt(perf);
    if (server === undefined) return;
    const ran = server - (playback.server_ms - playback.position_ms);
    const positionMs = playback.duration_ms > 0 ? Math.min(ran, playback.duration_ms) : ran;
    const rate = handle.output.sampleRate;
    const origin = handle.output.heardAt(perf) - (positionMs / 1000) * rate;
    const items = [playback.track, ...jam.queue].map((t) => queueItem(t));
    this.aligning = true;
    try {
      await engine.align(items, 0, origin);
    } finally {
      this.aligning = false;
    }
  }

  /** A host playing in a Jam reports every few seconds: the members follow the latest report. */
  private reportAsHost(every = HOST_REPORT_EVERY_MS): void {
    const now = Date.now();
    if (!this.isHost || this.host?.getLocalState().status !== 'playing') return;
    if (now - this.lastHostReport < every) return;
    this.lastHostReport = now;
    this.host.reportNow();
  }

  /**
   * The host's player: once its audio has started, moved to another track, jumped or resumed, it
   * reports again a moment later, when the position it reads is the one being heard (the report made
   * as the change began carries the position before the audio was there).
   */
  private watchHostAudio(): void {
    if (!this.host || !this.isHost) return;
    const s = this.host.getLocalState();
    const now = Date.now();
    const trackId = s.queue[s.index]?.id;
    const last = this.lastLocal;
    this.lastLocal = { status: s.status, trackId, positionMs: s.positionMs, at: now };
    if (s.status !== 'playing') return;
    const expected = last ? last.positionMs + (last.status === 'playing' ? now - last.at : 0) : 0;
    const changed = last?.status !== 'playing' || last.trackId !== trackId || Math.abs(expected - s.positionMs) > 300;
    if (changed) for (const ms of SETTLE_MS) setTimeout(() => this.host?.reportNow(), ms);
  }

  /**
   * The host's check of the position the server holds for it: how far (ms) `position_ms` at
   * `server_ms` is from where its own audio was at that server time. Members follow the held
   * position, so this is their error before any of their own; kept for tests (the last 20).
   */
  readonly heldErrors: number[] = [];

  private checkHeld(): void {
    const jam = this.jam;
    const handle = window.cadenza;
    const offset = this.clock.offsetMs;
    if (!jam || !this.isHost || !handle || offset === undefined || !jam.playback.is_playing) return;
    const perf = jam.playback.server_ms - offset - performance.timeOrigin;
    const at = handle.player.positionAt(handle.output.heardAt(perf));
    if (!at || at.trackId !== jam.playback.track?.id || handle.player.getState().status !== 'playing') return;
    const error = jam.playback.position_ms - at.positionMs;
    this.heldErrors.push(error);
    if (this.heldErrors.length > 20) this.heldErrors.shift();
    // Held off the host's audio (its clock estimate was off, or it reported mid-change): report again soon.
    if (Math.abs(error) > HELD_TOLERANCE_MS)
      setTimeout(() => this.reportAsHost(RE_REPORT_AFTER_MS), RE_REPORT_AFTER_MS);
  }

  /** This page's audio at one instant, for tests comparing members (window.__cadenzaJam). */
  sample(): JamSample {
    const handle = window.cadenza;
    const perf = performance.now();
    const at = handle ? handle.player.positionAt(handle.output.heardAt(perf)) : null;
    const playing =
      !!handle && handle.player.getState().status === 'playing' && handle.output.context.state === 'running';
    return {
      serverMs: this.serverAt(perf) ?? performance.timeOrigin + perf,
      pageMs: performance.timeOrigin + perf,
      trackId: at?.trackId ?? null,
      positionMs: at?.positionMs ?? null,
      playing,
      offsetMs: this.clock.offsetMs ?? null,
      rttMs: this.clock.rttMs ?? null,
    };
  }

  private emit(): void {
    this.view = { jam: this.jam, loaded: this.loaded, following: this.following, isHost: this.isHost };
    for (const l of this.listeners) l();
  }
}

export const jamSession = new JamSession();

window.__cadenzaJam = {
  sample: () => jamSession.sample(),
  jam: () => jamSession.getJam(),
  heldErrors: () => [...jamSession.heldErrors],
};

import { Abr, type AbrRung, preferenceKbps } from './abr.js';
import {
  type Chunk,
  type Decoder,
  FIRST_DECODE_BYTES,
  FIRST_FETCH_BYTES,
  type Network,
  TrackSource,
} from './track-source.js';
import type {
  AlignResult,
  Player,
  PlayerApi,
  PlayerSettings,
  PlayerState,
  PlayerStatus,
  QueueItem,
  RepeatMode,
} from './types.js';

/** A track that cannot be had any more (404, or 410 from the edge once it is withdrawn). */
function gone(error: unknown): boolean {
  const status = (error as { status?: unknown } | null)?.status;
  return status === 404 || status === 410;
}

/** Seconds of audio kept decoded and scheduled ahead of the play head. */
export const BUFFER_TARGET_S = 30;
/** How far ahead of "now" the first sound of a start or seek is scheduled. */
const LEAD_S = 0.006;
/**
 * Seconds of audio the first decode of a start or seek holds: decoding takes time per second of
 * audio, and the next chunk (decoded while this plays) needs far less than a second on loopback.
 */
const FIRST_DECODE_S = 1;
/** Tracks of the queue after the current one whose start is fetched ahead. */
const PREFETCH = 2;
const PREVIOUS_RESTARTS_AFTER_MS = 3000;
/** Alignment error a follower leaves alone (a Jam participant following its host). */
const ALIGN_TOLERANCE_S = 0.01;
/** Errors up to this are absorbed by a short change of speed; larger ones re-seek. */
const NUDGE_LIMIT_S = 0.06;
/** Speed change of a nudge: 1 % (a 60 ms correction takes 6 s, and is not heard as a pitch change). */
const NUDGE_RATE = 0.01;
/** How far ahead of now a follower's start decodes from: about what fetching and decoding take. */
const ALIGN_LEAD_S = 0.3;

/** Where decoded audio goes: a sample clock and one voice (a gain stage) per track. */
export interface AudioOutput {
  readonly sampleRate: number;
  /** The output frame being played now (rendered: the next one a new sound can start on). */
  now(): number;
  /**
   * The output frame reaching the listener's ears now (rendered frames wait in the device's buffers);
   * positions are read at this frame. Defaults to `now()`.
   */
  heard?(): number;
  voice(gain: number): Voice;
  setVolume(volume: number): void;
  suspend(): Promise<void>;
  resume(): Promise<void>;
}

export interface Voice {
  /** Plays `channels` starting exactly at output frame `at`. */
  schedule(channels: Float32Array[], at: number): void;
  /** An equal-power fade of this voice's gain between two output frames. */
  fade(from: number, to: number, direction: 'in' | 'out'): void;
  /** Cancels fades: full gain from now on. */
  clearFades(): void;
  /**
   * Moves this voice's audio `shift` frames earlier (later when negative) without a gap: from output
   * frame `at`, for `frames` frames, it plays at speed 1 + shift / frames, and what starts later is
   * moved to match. False when it could not (nothing changed). Outputs that cannot leave it out:
   * followers then re-seek.
   */
  warp?(at: number, frames: number, shift: number): boolean;
  stop(): void;
}

/**
 * Where audio scheduled at output frame `s` starts once a warp of `shift` frames over `frames` frames
 * from `at` is applied: unmoved before the window, `shift` earlier after it, in proportion within.
 */
export function warped(s: number, at: number, frames: number, shift: number): number {
  if (s <= at) return s;
  if (s >= at + frames + shift) return s - shift;
  return at + (s - at) / (1 + shift / frames);
}

export interface EngineDeps {
  api: PlayerApi;
  network: Network;
  decoder: Decoder;
  output: AudioOutput;
  /** Wall clock, ms. */
  clock(): number;
  sleep(ms: number): Promise<void>;
  /** Calls `fn` every `ms` until the returned function is called. */
  every(ms: number, fn: () => void): () => void;
  /** Settings and volume from the last session, and where to keep them. */
  saved?: { volume?: number; settings?: Partial<PlayerSettings> };
  /** Marks the stages of a start (`start`, `stream-info`, `decoded`, `scheduled`) on a timeline, e.g. performance.mark. */
  mark?(stage: string): void;
  save?(data: { volume: number; settings: PlayerSettings }): void;
}

/** A track being played or lined up: where it sits on the output timeline and how far it is decoded. */
interface Active {
  index: number;
  item: QueueItem;
  source: TrackSource;
  voice: Voice;
  /** Output frame at which the track's frame 0 plays. */
  origin: number;
  /** Track frames scheduled so far (from the start or the seek point). */
  scheduled: number;
  /** Track length in frames, once its last chunk is decoded. */
  end?: number;
  rung?: AbrRung;
  /** Byte offset to continue the current rung from. */
  hint?: number;
  /**
   * The origin is held (a follower's track): audio that comes too late for it is cut, rather than
   * the track waiting for it.
   */
  pinned?: boolean;
  /** A nudge under way: `origin` already holds its result; until `at + frames` part of `shift` is pending. */
  warp?: { at: number; frames: number; shift: number };
}

const DEFAULT_SETTINGS: PlayerSettings = { crossfadeSeconds: 0, normalize: true, quality: 'very_high' };

/**
 * The playback engine: a queue, a timeline of scheduled audio and a loop that keeps 30 s decoded
 * ahead. Tracks follow each other on the output's sample clock (the next one starts on the frame the
 * last one ends, or `crossfadeSeconds` earlier with equal-power fades), so transitions are gapless.
 */
export class PlaybackEngine implements Player {
  private queue: QueueItem[] = [];
  /** Play order: indices into `queue` (shuffled or not). */
  private order: number[] = [];
  private current: Active | undefined;
  private upcoming: Active | undefined;
  private retiring: { voice: Voice; until: number }[] = [];
  private status: PlayerStatus = 'idle';
  private error: string | null = null;
  /** Tracks of the queue found gone (withdrawn or deleted) while lining them up; skipped. */
  private unavailable = new Set<string>();
  private shuffle = false;
  private repeat: RepeatMode = 'off';
  private volume: number;
  private settings: PlayerSettings;
  /** Bumped by every user action that replaces what is playing; stale async work checks it. */
  private generation = 0;
  private pumping = false;
  /** Seconds buffered right after the last chunk landed. */
  private peakAhead = 0;
  private ended = false;
  private readonly sources = new Map<string, TrackSource>();
  private readonly listeners = new Set<(state: PlayerState) => void>();
  private readonly abr: Abr;
  private readonly rate: number;
  private readonly stopTimer: () => void;

  constructor(private readonly deps: EngineDeps) {
    this.rate = deps.output.sampleRate;
    this.volume = deps.saved?.volume ?? 1;
    this.settings = { ...DEFAULT_SETTINGS, ...deps.saved?.settings };
    this.abr = new Abr(preferenceKbps(this.settings.quality));
    deps.output.setVolume(this.volume);
    this.stopTimer = deps.every(250, () => this.tick());
  }

  getState(): PlayerState {
    const cur = this.current;
    const now = this.deps.output.now();
    const durationFrames = cur ? (cur.end ?? (cur.item.durationMs / 1000) * this.rate) : 0;
    const heard = this.deps.output.heard?.() ?? now;
    const position = cur ? Math.min(Math.max(0, this.trackFrame(cur, heard)), durationFrames) : 0;
    const ahead = this.scheduledUntil() - now;
    return {
      status: this.status,
      queue: this.queue,
      index: cur?.index ?? (this.queue.length > 0 ? (this.order[0] ?? -1) : -1),
      positionMs: this.ended ? (durationFrames * 1000) / this.rate : (position * 1000) / this.rate,
      durationMs: (durationFrames * 1000) / this.rate,
      bufferedMs: Math.max(0, (ahead * 1000) / this.rate),
      quality: cur?.rung?.quality ?? null,
      bitrateKbps: cur?.rung?.kbps ?? null,
      shuffle: this.shuffle,
      repeat: this.repeat,
      volume: this.volume,
      settings: this.settings,
      error: this.error,
    };
  }

  subscribe(listener: (state: PlayerState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async playQueue(items: QueueItem[], startIndex = 0, positionMs = 0): Promise<void> {
    this.queue = [...items];
    this.order = this.queue.map((_, i) => i);
    // A new queue gives every track another chance (a withdrawn album may have come back).
    this.unavailable.clear();
    if (this.shuffle) this.reshuffle(startIndex);
    await this.start(startIndex, Math.max(0, Math.round((positionMs / 1000) * this.rate)));
  }

  enqueue(items: QueueItem[], next = false, offset?: number): void {
    const current = this.current?.index;
    const at =
      current === undefined
        ? this.queue.length
        : offset !== undefined
          ? Math.min(current + Math.max(1, offset), this.queue.length)
          : next
            ? current + 1
            : this.queue.length;
    this.queue.splice(at, 0, ...items);
    // Indices at or after the insertion point (always after the current track) move up. In play order
    // the new entries go right after the current one (`next`), before the entry they were put in front
    // of (`offset`; right after the current one when that entry plays earlier), or at the end.
    const moved = this.order.map((i) => (i >= at ? i + items.length : i));
    const added = items.map((_, k) => at + k);
    const here = current === undefined ? -1 : moved.indexOf(current);
    const follower = moved.indexOf(at + items.length);
    const place =
      offset !== undefined && current !== undefined
        ? follower === -1
          ? moved.length
          : Math.max(follower, here + 1)
        : next
          ? here + 1
          : moved.length;
    this.order = [...moved.slice(0, place), ...added, ...moved.slice(place)];
    if (this.upcoming && this.upcoming.index >= at) this.upcoming.index += items.length;
    this.replan();
  }

  async playIndex(index: number): Promise<void> {
    if (index >= 0 && index < this.queue.length) await this.start(index, 0);
  }

  removeFromQueue(index: number): void {
    if (index < 0 || index >= this.queue.length || index === this.current?.index) return;
    this.queue.splice(index, 1);
    this.order = this.order.filter((i) => i !== index).map((i) => (i > index ? i - 1 : i));
    if (this.current && this.current.index > index) this.current.index--;
    if (this.upcoming?.index === index) this.dropUpcoming();
    else if (this.upcoming && this.upcoming.index > index) this.upcoming.index--;
    this.replan();
  }

  remaining(): number {
    const at = this.current ? this.order.indexOf(this.current.index) : -1;
    return this.order.slice(at + 1).filter((i) => !this.unavailable.has(this.queue[i]?.id ?? '')).length;
  }

  atEnd(): boolean {
    return this.ended;
  }

  async toggle(): Promise<void> {
    if (this.status === 'playing' || this.status === 'loading') await this.pause();
    else await this.resume();
  }

  async pause(): Promise<void> {
    if (!this.current) return;
    this.status = 'paused';
    await this.deps.output.suspend();
    this.emit();
  }

  async resume(): Promise<void> {
    if (!this.current) {
      if (this.queue.length > 0) await this.start(this.order[0] ?? 0, 0);
      return;
    }
    if (this.ended) return this.start(this.current.index, 0);
    await this.deps.output.resume();
    this.status = 'playing';
    this.emit();
  }

  async next(): Promise<void> {
    const index = this.current ? this.following(this.current.index, true) : this.order[0];
    if (index !== undefined) await this.start(index, 0);
  }

  async previous(): Promise<void> {
    const cur = this.current;
    if (!cur) return;
    if (this.getState().positionMs > PREVIOUS_RESTARTS_AFTER_MS) return this.start(cur.index, 0);
    const at = this.order.indexOf(cur.index);
    const index = at > 0 ? this.order[at - 1] : this.repeat === 'all' ? this.order.at(-1) : cur.index;
    await this.start(index ?? cur.index, 0);
  }

  async seek(positionMs: number): Promise<void> {
    const cur = this.current;
    if (!cur) return;
    const frame = Math.max(0, Math.round((positionMs / 1000) * this.rate));
    await this.start(cur.index, frame);
  }

  setVolume(volume: number): void {
    this.volume = Math.min(1, Math.max(0, volume));
    this.deps.output.setVolume(this.volume);
    this.persist();
    this.emit();
  }

  setShuffle(on: boolean): void {
    this.shuffle = on;
    if (on) this.reshuffle(this.current?.index ?? 0);
    else this.order = this.queue.map((_, i) => i);
    this.replan();
  }

  setRepeat(mode: RepeatMode): void {
    this.repeat = mode;
    this.replan();
  }

  updateSettings(settings: Partial<PlayerSettings>): void {
    const crossfadeSeconds = Math.min(12, Math.max(0, settings.crossfadeSeconds ?? this.settings.crossfadeSeconds));
    this.settings = { ...this.settings, ...settings, crossfadeSeconds };
    this.abr.setCap(preferenceKbps(this.settings.quality));
    this.persist();
    this.replan();
  }

  /**
   * Fetches a track's stream info and the first bytes of the rung it would start on, when a play is
   * likely (its row is hovered or focused): a click on it then starts from memory.
   */
  async prepare(item: QueueItem): Promise<void> {
    const source = this.source(item);
    const { quality } = this.abr.starting(await source.qualities());
    await source.prefetch(quality, FIRST_FETCH_BYTES);
  }

  /**
   * The current track and its position at output frame `frame` (a frame `heard()` gave for some
   * instant): how a Jam compares the audio of its members. Null when nothing is loaded.
   */
  positionAt(frame: number): { trackId: string; index: number; positionMs: number } | null {
    const cur = this.upcoming && frame >= this.upcoming.origin ? this.upcoming : this.current;
    if (!cur || this.status === 'idle' || this.status === 'error') return null;
    return { trackId: cur.item.id, index: cur.index, positionMs: (this.trackFrame(cur, frame) * 1000) / this.rate };
  }

  /**
   * Follows a leader: plays `items[index]` so that its frame 0 sounds at output frame `origin` (its
   * position at any output frame f is then f − origin), taking `items` as the queue. Called again
   * with a fresh origin, it measures how far the audio is off and corrects: nothing under 10 ms, a
   * short speed change up to 60 ms, a re-seek beyond. A start decodes from a little ahead of where
   * the leader is, and cuts whatever still comes late, so the first sound is already in place.
   */
  async align(items: QueueItem[], index: number, origin: number): Promise<AlignResult> {
    const item = items[index];
    if (!item) return 'in-sync';
    origin = Math.round(origin);
    const cur = this.current;
    const same = cur?.item.id === item.id && (this.status === 'playing' || this.status === 'loading');
    this.adopt(items, same ? index : undefined);
    if (!cur || !same) return this.alignedStart(index, origin, 'started');
    if (this.status === 'loading') {
      if (!cur.pinned) return this.alignedStart(index, origin, 'seeked');
      cur.origin = origin;
      return 'in-sync';
    }
    // Frames the audio is behind the leader (ahead when negative), once a nudge under way is done.
    const late = cur.origin - origin;
    const off = Math.abs(late) / this.rate;
    if (off <= ALIGN_TOLERANCE_S) return 'in-sync';
    if (off > NUDGE_LIMIT_S) return this.alignedStart(index, origin, 'seeked');
    if (cur.warp && this.deps.output.now() < cur.warp.at + cur.warp.frames) return 'in-sync';
    return this.nudge(cur, late) ? 'nudged' : this.alignedStart(index, origin, 'seeked');
  }

  /**
   * Takes `items` as the queue in its own order, keeping the current track when it is `index`. A
   * queue whose current track goes on is edited in place, as `enqueue` does: the play goes on (a new
   * queue would be a new play of the track, one for every call of a Jam member's follow).
   */
  private adopt(items: QueueItem[], index: number | undefined): void {
    const cur = this.current;
    const upcomingId = this.upcoming?.item.id;
    if (cur && index !== undefined) this.queue.splice(0, this.queue.length, ...items);
    else this.queue = [...items];
    this.order = this.queue.map((_, i) => i);
    if (cur && index !== undefined) {
      cur.index = index;
      if (this.upcoming && items[index + 1]?.id === upcomingId) this.upcoming.index = index + 1;
      else if (this.upcoming) this.dropUpcoming();
    }
  }

  /**
   * Starts `index` in line with the leader, unless the leader is already past its end (it has not
   * said what follows yet): then nothing of the track is left to hear, and starting it again would
   * only begin and end another play of it.
   */
  private async alignedStart(index: number, origin: number, result: AlignResult): Promise<AlignResult> {
    const from = Math.max(0, this.deps.output.now() + Math.round(ALIGN_LEAD_S * this.rate) - origin);
    const item = this.queue[index];
    if (item && item.durationMs > 0 && from >= (item.durationMs / 1000) * this.rate) return 'in-sync';
    await this.start(index, from, origin);
    return result;
  }

  /**
   * Moves the current track `shift` frames ahead (behind when negative) by a speed change of 1 %;
   * false when the output cannot, a crossfade is lined up, or the next track starts too soon.
   */
  private nudge(cur: Active, shift: number): boolean {
    const frames = Math.round(Math.abs(shift) / NUDGE_RATE);
    const at = this.deps.output.now() + Math.round(LEAD_S * this.rate);
    const next = this.upcoming;
    if (!cur.voice.warp) return false;
    if (next && (this.settings.crossfadeSeconds > 0 || next.origin - shift <= at + frames)) return false;
    if (!cur.voice.warp(at, frames, shift)) return false;
    next?.voice.warp?.(at, frames, shift);
    cur.origin -= shift;
    cur.warp = { at, frames, shift };
    if (next) next.origin -= shift;
    return true;
  }

  /** Track frame sounding at output frame `frame`, counting the part of a nudge still to come. */
  private trackFrame(active: Active, frame: number): number {
    const warp = active.warp;
    if (!warp) return frame - active.origin;
    const done = Math.min(1, Math.max(0, (frame - warp.at) / warp.frames));
    return frame - active.origin - warp.shift * (1 - done);
  }

  /** Stops everything and releases the timer. */
  dispose(): void {
    this.generation++;
    this.stopTimer();
    this.stopVoices();
    this.current = undefined;
    this.listeners.clear();
  }

  /**
   * Starts queue entry `index` at track frame `from`, replacing whatever plays; with `pin`, the
   * track's frame 0 is held at that output frame (a follower's start, see `align`).
   */
  private async start(index: number, from: number, pin?: number): Promise<void> {
    const item = this.queue[index];
    if (!item) return;
    const generation = ++this.generation;
    this.stopVoices();
    this.ended = false;
    this.error = null;
    this.status = 'loading';
    const source = this.source(item);
    const active: Active = {
      index,
      item,
      source,
      voice: this.deps.output.voice(0),
      origin: pin ?? this.deps.output.now(),
      scheduled: from,
      pinned: pin !== undefined,
    };
    this.current = active;
    this.deps.mark?.('start');
    this.emit();
    // Waking the audio output takes a while in browsers: it happens while the audio is fetched.
    const awake = this.deps.output.resume();
    awake.catch(() => undefined);
    try {
      const [rungs, gain] = await Promise.all([source.qualities(), this.gainOf(source)]);
      this.deps.mark?.('stream-info');
      if (generation !== this.generation) return;
      active.voice.stop();
      active.voice = this.deps.output.voice(gain);
      active.rung = this.abr.initial(rungs);
      const chunk = await source.read(active.rung.quality, from, undefined, {
        bytes: from === 0 ? FIRST_DECODE_BYTES : undefined,
        frames: Math.round(FIRST_DECODE_S * this.rate),
      });
      this.deps.mark?.('decoded');
      await awake;
      if (generation !== this.generation) return;
      if (!active.pinned) active.origin = this.deps.output.now() + Math.round(LEAD_S * this.rate) - from;
      this.place(active, chunk);
      this.deps.mark?.('scheduled');
      this.status = 'playing';
      this.emit();
      void this.pump(generation);
    } catch (error) {
      if (generation === this.generation) this.fail(error);
    }
  }

  /**
   * Keeps the timeline filled: decodes the current track up to 30 s ahead, then lines up the next
   * one right behind it, and fetches the start of the ones after. One loop per generation.
   */
  private async pump(generation: number): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (generation === this.generation && this.current) {
        const ahead = (this.scheduledUntil() - this.deps.output.now()) / this.rate;
        const cur: Active = this.current;
        if (ahead >= BUFFER_TARGET_S || (cur.end !== undefined && this.upcoming?.end !== undefined)) {
          await this.prefetch();
          await this.deps.sleep(250);
          continue;
        }
        if (cur.end === undefined) await this.fill(cur, generation);
        else if (!this.upcoming) {
          if (!(await this.lineUp(cur, generation))) await this.deps.sleep(250);
        } else await this.fill(this.upcoming, generation);
      }
    } catch (error) {
      if (generation === this.generation) this.fail(error);
    } finally {
      this.pumping = false;
      // A newer generation may have found the loop busy and returned: start its loop now.
      if (generation !== this.generation && this.current) void this.pump(this.generation);
    }
  }

  /** Decodes the next chunk of a track, at the rung ABR picks for the buffer it will land in. */
  private async fill(active: Active, generation: number): Promise<void> {
    const rungs = await active.source.qualities();
    const buffer = { now: (this.scheduledUntil() - this.deps.output.now()) / this.rate, peak: this.peakAhead };
    const previous = active.rung;
    const rung = previous ? this.abr.next(rungs, previous, buffer, this.deps.clock()) : this.abr.initial(rungs);
    const sameRung = rung.quality === previous?.quality;
    // The indicator shows the rung being streamed from the moment it is chosen.
    active.rung = rung;
    if (!sameRung) this.emit();
    const chunk = await active.source.read(rung.quality, active.scheduled, sameRung ? active.hint : undefined);
    if (generation !== this.generation) return;
    this.place(active, chunk);
    this.peakAhead = (this.scheduledUntil() - this.deps.output.now()) / this.rate;
    this.emit();
  }

  /**
   * Schedules a decoded chunk; if it arrives too late to play on time, the track waits for it (a
   * pinned track instead loses the part that is late).
   */
  private place(active: Active, chunk: Chunk): void {
    const earliest = this.deps.output.now() + Math.round(LEAD_S * this.rate);
    let { channels, start } = chunk;
    if (active.origin + start < earliest && !active.pinned) active.origin = earliest - start;
    else if (active.origin + start < earliest) {
      const late = Math.min(chunk.end, earliest - active.origin) - start;
      channels = channels.map((c) => c.subarray(late));
      start += late;
    }
    if (channels.length > 0 && chunk.end > start) active.voice.schedule(channels, active.origin + start);
    active.scheduled = chunk.end;
    active.hint = chunk.next;
    if (chunk.final) active.end = chunk.end;
  }

  /**
   * Puts the next track of the order on the timeline right where the current one ends. A track that
   * is gone (withdrawn or deleted since it was queued: 404, or 410 from the edge) is passed over, so
   * the one after it is lined up next, while the current track plays on.
   */
  private async lineUp(cur: Active, generation: number): Promise<boolean> {
    const index = this.following(cur.index, false);
    const item = index === undefined ? undefined : this.queue[index];
    if (index === undefined || !item || cur.end === undefined) return false;
    try {
      await this.lineUpItem(cur, index, item, generation);
    } catch (error) {
      if (!gone(error) || generation !== this.generation) throw error;
      if (this.upcoming?.item === item) {
        this.upcoming.voice.stop();
        this.upcoming = undefined;
      }
      cur.voice.clearFades();
      this.unavailable.add(item.id);
      this.emit();
    }
    return true;
  }

  private async lineUpItem(cur: Active, index: number, item: QueueItem, generation: number): Promise<void> {
    if (cur.end === undefined) return;
    const source = this.source(item);
    const gain = await this.gainOf(source);
    if (generation !== this.generation || this.upcoming) return;
    const expected = (item.durationMs / 1000) * this.rate;
    const fade = Math.round(Math.min(this.settings.crossfadeSeconds * this.rate, cur.end / 2, expected / 2));
    const trackEnd = cur.origin + cur.end;
    const next: Active = {
      index,
      item,
      source,
      voice: this.deps.output.voice(gain),
      origin: trackEnd - fade,
      scheduled: 0,
    };
    if (fade > 0) {
      cur.voice.fade(trackEnd - fade, trackEnd, 'out');
      next.voice.fade(trackEnd - fade, trackEnd, 'in');
    }
    this.upcoming = next;
    await this.fill(next, generation);
  }

  /**
   * The queue index after `index` in play order; `skipping` when the listener pressed next. Tracks
   * found gone are passed over.
   */
  private following(index: number, skipping: boolean): number | undefined {
    if (this.repeat === 'one' && !skipping) return index;
    const at = this.order.indexOf(index);
    const playable = (i: number) => !this.unavailable.has(this.queue[i]?.id ?? '');
    const after = this.order.slice(at + 1).find(playable);
    if (after !== undefined) return after;
    return this.repeat === 'off' ? undefined : this.order.find(playable);
  }

  /** Advances the play head: hands over to the next track, ends the queue, retires old voices. */
  private tick(): void {
    const now = this.deps.output.now();
    const next = this.upcoming;
    // The next track is the current one once it is heard (its position is then read from it).
    if (this.current && next && (this.deps.output.heard?.() ?? now) >= next.origin) {
      this.retiring.push({ voice: this.current.voice, until: this.scheduledUntil() });
      this.current = next;
      this.upcoming = undefined;
    }
    const cur = this.current;
    if (cur?.end !== undefined && !this.upcoming && !this.ended && now >= cur.origin + cur.end) {
      if (this.following(cur.index, false) === undefined) {
        this.ended = true;
        this.status = 'paused';
        void this.deps.output.suspend();
      }
    }
    this.retiring = this.retiring.filter((r) => {
      if (now < r.until + this.rate) return true;
      r.voice.stop();
      return false;
    });
    if (cur) this.emit();
  }

  /** Fetches the start of the next tracks in play order at the rung they would start on. */
  private async prefetch(): Promise<void> {
    const cur = this.upcoming ?? this.current;
    if (!cur) return;
    let index: number | undefined = cur.index;
    for (let k = 0; k < PREFETCH; k++) {
      index = index === undefined ? undefined : this.following(index, true);
      const item = index === undefined ? undefined : this.queue[index];
      if (!item) return;
      const source = this.source(item);
      await source.prefetch(this.abr.starting(await source.qualities()).quality).catch(() => undefined);
    }
  }

  /** The output frame up to which audio is scheduled. */
  private scheduledUntil(): number {
    const last = this.upcoming ?? this.current;
    return last ? last.origin + last.scheduled : this.deps.output.now();
  }

  /** After a change to the order: a lined-up next track that is no longer next is taken off. */
  private replan(): void {
    const cur = this.current;
    if (
      cur &&
      this.upcoming &&
      (this.following(cur.index, false) !== this.upcoming.index || this.settings.crossfadeSeconds > 0)
    ) {
      this.dropUpcoming();
    }
    this.emit();
  }

  private dropUpcoming(): void {
    this.upcoming?.voice.stop();
    this.upcoming = undefined;
    // The current track's fade-out belonged to that transition; it plays out at full level again.
    this.current?.voice.clearFades();
  }

  private source(item: QueueItem): TrackSource {
    let source = this.sources.get(item.id);
    if (!source) {
      const expected = (item.durationMs / 1000) * this.rate;
      source = new TrackSource(item.id, expected, {
        api: this.deps.api,
        network: this.deps.network,
        decoder: this.deps.decoder,
        sampleRate: this.rate,
        sleep: this.deps.sleep,
        clock: this.deps.clock,
        onFetch: (bytes, ms) => this.abr.sample(bytes, ms),
      });
      this.sources.set(item.id, source);
      // Keep the sources of a few tracks around the play head; older ones are fetched again if needed.
      if (this.sources.size > 8) this.sources.delete(this.sources.keys().next().value!);
    }
    return source;
  }

  private async gainOf(source: TrackSource): Promise<number> {
    if (!this.settings.normalize) return 1;
    return 10 ** ((await source.gainDb()) / 20);
  }

  private reshuffle(first: number): void {
    const rest = this.queue.map((_, i) => i).filter((i) => i !== first);
    for (let i = rest.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [rest[i], rest[j]] = [rest[j]!, rest[i]!];
    }
    this.order = [first, ...rest];
  }

  private stopVoices(): void {
    this.current?.voice.stop();
    this.upcoming?.voice.stop();
    for (const r of this.retiring) r.voice.stop();
    this.retiring = [];
    this.upcoming = undefined;
  }

  private fail(error: unknown): void {
    this.status = 'error';
    this.error = error instanceof Error ? error.message : String(error);
    this.stopVoices();
    this.emit();
  }

  private persist(): void {
    this.deps.save?.({ volume: this.volume, settings: this.settings });
  }

  private emit(): void {
    const state = this.getState();
    for (const listener of this.listeners) listener(state);
  }
}

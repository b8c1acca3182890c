import { api, seg } from './api/client.js';
import type { TrackList } from './api/types.js';
import {
  createBrowserPlayer,
  type Player,
  type PlayerSettings,
  type PlayerState,
  type QueueItem,
  type RepeatMode,
  type StreamInfo,
} from './player/index.js';
import { AUTOPLAY_CONTEXT, QueueContinuation } from './queue-continuation.js';
import { loadQueue, QueueSaver, type SavedQueue } from './saved-queue.js';
import { toast } from './ui/toasts.js';

/**
 * Owns the one playback engine of the page. The engine is built on the first play (it needs a user
 * gesture for audio, and may fail to build): until then the host answers with an idle state that
 * carries the listener's saved preferences, and applies them to the engine once it exists. The queue
 * of the last visit comes back paused where it was left; the first play builds the engine with it.
 */

const PREFS_KEY = 'cadenza.player';

interface Prefs {
  volume: number;
  shuffle: boolean;
  repeat: RepeatMode;
  settings: PlayerSettings;
  /** Keep playing similar tracks when the queue ends (Spotify's Autoplay). */
  autoplay: boolean;
}

const DEFAULT_PREFS: Prefs = {
  volume: 0.8,
  shuffle: false,
  repeat: 'off',
  settings: { crossfadeSeconds: 0, normalize: true, quality: 'high' },
  autoplay: true,
};

function loadPrefs(): Prefs {
  try {
    const saved = JSON.parse(localStorage.getItem(PREFS_KEY) ?? 'null') as Partial<Prefs> | null;
    return { ...DEFAULT_PREFS, ...saved, settings: { ...DEFAULT_PREFS.settings, ...saved?.settings } };
  } catch {
    return DEFAULT_PREFS;
  }
}

function idleState({ autoplay: _, ...prefs }: Prefs, saved: SavedQueue | null): PlayerState {
  const restored = saved && {
    status: 'paused' as const,
    queue: saved.queue,
    index: saved.index,
    positionMs: saved.positionMs,
    durationMs: saved.queue[saved.index]!.durationMs,
  };
  return {
    status: 'idle',
    queue: [],
    index: -1,
    positionMs: 0,
    durationMs: 0,
    bufferedMs: 0,
    quality: null,
    bitrateKbps: null,
    error: null,
    ...prefs,
    ...restored,
  };
}

/** How long stream info fetched ahead stays worth using (its signed URLs live for minutes). */
const WARM_FOR_MS = 60_000;

/**
 * Stream info fetched ahead of a likely play while the engine does not exist yet (it is built by the
 * first play); the engine's first request for that track takes it instead of asking again.
 */
const warmed = new Map<string, { at: number; info: Promise<StreamInfo> }>();
const fetchStreamInfo = (trackId: string) => api.get<StreamInfo>(`/v1/tracks/${seg(trackId)}/stream`);
const streamApi = {
  streamInfo(trackId: string): Promise<StreamInfo> {
    const hit = warmed.get(trackId);
    warmed.delete(trackId);
    return hit && Date.now() - hit.at < WARM_FOR_MS ? hit.info : fetchStreamInfo(trackId);
  },
};

function warm(trackId: string): void {
  const hit = warmed.get(trackId);
  if (hit && Date.now() - hit.at < WARM_FOR_MS) return;
  const info = fetchStreamInfo(trackId);
  info.catch(() => warmed.delete(trackId));
  warmed.set(trackId, { at: Date.now(), info });
}

export class PlayerHost {
  private player: Player | null = null;
  /** The queue of the last visit while no engine plays it yet (the state shows it, paused). */
  private restored = loadQueue();
  private readonly loadedPrefs = loadPrefs();
  private state: PlayerState = idleState(this.loadedPrefs, this.restored);
  private readonly listeners = new Set<() => void>();
  private readonly queueSaver = new QueueSaver();
  private lastError: string | null = null;
  private savedPrefs = '';
  private autoplayOn = this.loadedPrefs.autoplay;
  /** What the queue was started from (`album:ID`, `radio:cadenza:track:ID` …) and its name, if it has one. */
  private queueContext: string | null = this.restored?.context ?? null;
  private queueName: string | null = this.restored?.name ?? null;
  private readonly continuation = new QueueContinuation({
    fetchTracks: (path) => api.get<TrackList>(path).then((answer) => answer.tracks),
    append: (items) => this.append(items),
  });

  constructor() {
    // The position is written once a second while playing; leaving the page writes the last one.
    addEventListener('pagehide', () => this.queueSaver.flush());
  }

  getState = (): PlayerState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  get current(): QueueItem | undefined {
    return this.state.queue[this.state.index];
  }

  /**
   * What the current track was started from (`album:ID`, `artist:ID`, `radio:<seed uri>` …), for
   * play/pause buttons on screens; tracks autoplay added have their own.
   */
  get context(): string | null {
    return this.current?.autoplay ? AUTOPLAY_CONTEXT : this.queueContext;
  }

  /** The name of what plays (a radio's "<X> Radio"), when it has one; none for tracks autoplay added. */
  get contextName(): string | null {
    return this.current?.autoplay ? null : this.queueName;
  }

  get autoplay(): boolean {
    return this.autoplayOn;
  }

  /** The engine, built on first use; null (after telling the listener why) when it cannot be built. */
  private engine(): Player | null {
    if (this.player) return this.player;
    try {
      const player = createBrowserPlayer(streamApi);
      const prefs = this.prefs();
      player.setVolume(prefs.volume);
      player.setShuffle(prefs.shuffle);
      player.setRepeat(prefs.repeat);
      player.updateSettings(prefs.settings);
      player.subscribe((s) => this.update(s));
      this.player = player;
      this.update(player.getState());
      return player;
    } catch (err) {
      toast(`Playback is unavailable: ${(err as Error).message}`, 'error');
      return null;
    }
  }

  private prefs(): Prefs {
    const { volume, shuffle, repeat, settings } = this.state;
    return { volume, shuffle, repeat, settings, autoplay: this.autoplayOn };
  }

  private update(next: PlayerState): void {
    this.state = next;
    const prefs = JSON.stringify(this.prefs());
    if (prefs !== this.savedPrefs) {
      this.savedPrefs = prefs;
      localStorage.setItem(PREFS_KEY, prefs);
    }
    this.queueSaver.save({
      queue: next.queue,
      index: next.index,
      positionMs: next.positionMs,
      context: this.queueContext,
      name: this.queueName,
    });
    if (next.error && next.error !== this.lastError) toast(next.error, 'error');
    this.lastError = next.error;
    for (const l of this.listeners) l();
    this.keepGoing();
  }

  /** Refills a radio running low, or continues an ended queue with autoplay (queue-continuation.ts). */
  private keepGoing(): void {
    const player = this.player;
    const { queue, index, repeat, status } = this.state;
    const current = queue[index];
    if (!player || this.restored || !current || status === 'error') return;
    this.continuation.played(current.id);
    const at = { queue, index, repeat, remaining: player.remaining() };
    void this.continuation.check(at, this.queueContext, this.autoplayOn);
  }

  /** Adds refill tracks at the end of the queue; a queue that already ended plays on with them. */
  private async append(items: QueueItem[]): Promise<void> {
    const player = this.player;
    if (!player) return;
    const ended = player.atEnd();
    const at = this.state.queue.length;
    player.enqueue(items);
    if (ended) await this.run((p) => p.playIndex(at));
  }

  /** Takes autoplay's tracks after the current one off the queue (the listener queued their own, or turned it off). */
  private dropAutoplay(): void {
    const player = this.player;
    if (!player) return;
    const { queue, index } = this.state;
    for (let i = queue.length - 1; i > index; i--) if (queue[i]?.autoplay) player.removeFromQueue(i);
  }

  /** Runs an engine call, turning a failure into a toast. */
  private async run(action: (p: Player) => Promise<void> | void): Promise<void> {
    const player = this.engine();
    if (!player) return;
    try {
      await action(player);
    } catch (err) {
      toast((err as Error).message || 'Playback failed', 'error');
    }
  }

  /** Calls the engine when it exists, else changes the saved preference it will start with. */
  private setPref(change: Partial<Prefs>, action: (p: Player) => void): void {
    if (this.player) {
      void this.run(action);
      return;
    }
    this.update({ ...this.state, ...change });
  }

  /**
   * A play of `item` is likely (its row is hovered or focused): fetch what its start needs now. Before
   * the first play there is no engine (it needs a click), so only the stream info is fetched.
   */
  prepare = (item: QueueItem | undefined): void => {
    if (!item) return;
    if (this.player) this.player.prepare(item).catch(() => undefined);
    else warm(item.id);
  };
  /** After signing out: the saved queue is removed, so that whoever signs in next does not get it. */
  forgetQueue = (): void => this.queueSaver.forget();

  /** Builds the engine with the restored queue and plays entry `index` from `positionMs`. */
  private playRestored(index: number, positionMs: number): Promise<void> {
    this.restored = null;
    const { queue } = this.state;
    return this.run((p) => p.playQueue(queue, index, positionMs));
  }

  /** Changes the restored queue or position without building the engine (only a play does that). */
  private editRestored(change: Partial<PlayerState>): Promise<void> {
    const next = { ...this.state, ...change };
    this.update({ ...next, durationMs: next.queue[next.index]?.durationMs ?? 0 });
    return Promise.resolve();
  }

  playQueue = (items: QueueItem[], startIndex = 0, context: string | null = null, name: string | null = null) => {
    if (items.length === 0) return Promise.resolve();
    this.restored = null;
    this.queueContext = context;
    this.queueName = name;
    this.continuation.reset();
    return this.run((p) => p.playQueue(items, startIndex));
  };
  enqueue = (items: QueueItem[], next = false) => {
    // The listener's own picks play before autoplay's; autoplay picks again once they are done.
    if (!this.restored)
      return this.run((p) => {
        if (!next) this.dropAutoplay();
        p.enqueue(items, next);
      });
    const { queue, index } = this.state;
    const at = next ? index + 1 : queue.length;
    return this.editRestored({ queue: [...queue.slice(0, at), ...items, ...queue.slice(at)] });
  };
  playIndex = (index: number) => (this.restored ? this.playRestored(index, 0) : this.run((p) => p.playIndex(index)));
  removeFromQueue = (index: number) => {
    if (!this.restored) return this.run((p) => p.removeFromQueue(index));
    const { queue, index: current } = this.state;
    if (index === current || index < 0 || index >= queue.length) return Promise.resolve();
    return this.editRestored({
      queue: queue.filter((_, i) => i !== index),
      index: current - (index < current ? 1 : 0),
    });
  };
  toggle = () => {
    if (this.restored) return this.playRestored(this.state.index, this.state.positionMs);
    return this.state.queue.length ? this.run((p) => p.toggle()) : Promise.resolve();
  };
  pause = () => (this.player ? this.run((p) => p.pause()) : Promise.resolve());
  resume = () => {
    if (this.restored) return this.playRestored(this.state.index, this.state.positionMs);
    return this.state.queue.length ? this.run((p) => p.resume()) : Promise.resolve();
  };
  next = () => {
    if (!this.restored) return this.state.queue.length ? this.run((p) => p.next()) : Promise.resolve();
    const at = this.state.index + 1;
    return at < this.state.queue.length ? this.playRestored(at, 0) : Promise.resolve();
  };
  previous = () => {
    if (!this.restored) return this.state.queue.length ? this.run((p) => p.previous()) : Promise.resolve();
    const { index, positionMs } = this.state;
    return this.playRestored(positionMs > 3000 ? index : Math.max(0, index - 1), 0);
  };
  seek = (positionMs: number) => {
    if (this.restored)
      return this.editRestored({ positionMs: Math.max(0, Math.min(positionMs, this.state.durationMs)) });
    return this.state.queue.length ? this.run((p) => p.seek(positionMs)) : Promise.resolve();
  };
  setVolume = (volume: number) => this.setPref({ volume }, (p) => p.setVolume(volume));
  setShuffle = (shuffle: boolean) => this.setPref({ shuffle }, (p) => p.setShuffle(shuffle));
  setRepeat = (repeat: RepeatMode) => this.setPref({ repeat }, (p) => p.setRepeat(repeat));
  setAutoplay = (on: boolean) => {
    this.autoplayOn = on;
    if (!on) this.dropAutoplay();
    this.update(this.state);
  };
  updateSettings = (settings: Partial<PlayerSettings>) =>
    this.setPref({ settings: { ...this.state.settings, ...settings } }, (p) => p.updateSettings(settings));
}

import { api, seg } from './api/client.js';
import type { Track, TrackList } from './api/types.js';
import { ConnectClient } from './connect/connect-client.js';
import { remoteView } from './connect/remote-view.js';
import { isPlaying, Reporter, reportOf } from './connect/reporter.js';
import type { PlayerCommand } from './connect/types.js';
import { contextFromUri, contextUri, repeatMode, spotifyRepeat, trackUri } from './connect/uris.js';
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
import { queueItem } from './queue-items.js';
import { loadQueue, QueueSaver, type SavedQueue } from './saved-queue.js';
import { toast } from './ui/toasts.js';

/**
 * Owns the one playback engine of the page. The engine is built on the first play (it needs a user
 * gesture for audio, and may fail to build): until then the host answers with an idle state that
 * carries the listener's saved preferences, and applies them to the engine once it exists. The queue
 * of the last visit comes back paused where it was left; the first play builds the engine with it.
 *
 * The host is also this browser's Connect device. While it is the active device (or none is) its
 * engine plays and it reports what it plays; commands from other devices reach the engine here. While
 * another device is active, it is a remote: its engine is silent, its state is the other device's
 * (from the server's frames) and its controls become the REST player commands for that device.
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

/** Spotify's track lookup takes 50 ids at a time; the answer keeps their order (null for unknown ones). */
async function fetchQueueItems(ids: string[]): Promise<QueueItem[]> {
  const pages: Promise<{ tracks: (Track | null)[] }>[] = [];
  for (let at = 0; at < ids.length; at += 50) {
    const chunk = ids
      .slice(at, at + 50)
      .map(seg)
      .join(',');
    pages.push(api.get(`/v1/tracks?ids=${chunk}`));
  }
  const tracks = (await Promise.all(pages)).flatMap((page) => page.tracks);
  return tracks.flatMap((t) => (t ? [queueItem(t)] : []));
}

/** Remote play takes at most this many uris; a longer queue is sent from the chosen track on. */
const REMOTE_URIS_MAX = 100;

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
  /** This player's own state (its engine's, or the restored queue's). */
  private state: PlayerState = idleState(this.loadedPrefs, this.restored);
  /** What the listener sees: this player's state, or the remote device's while another one plays. */
  private view: PlayerState = this.state;
  private ticker: ReturnType<typeof setInterval> | undefined;
  private commands: Promise<void> = Promise.resolve();
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

  private readonly connect = new ConnectClient({
    // One command at a time, in the order sent: a pause must not overtake the load before it.
    // Once applied (or failed), the device says what came of it: its reports count from that version on.
    command: (command, version) => {
      this.commands = this.commands
        .then(() => this.apply(command))
        .catch((err: Error) => toast(`Could not follow the other device: ${err.message}`, 'error'))
        .then(() => {
          this.connect.followed(version);
          this.report(true);
        });
    },
    change: () => this.connectChanged(),
    reconciled: () => this.report(true),
    volumePercent: () => Math.round(this.state.volume * 100),
    // Another tab of this browser took the device: only one of them makes sound (devices-menu.tsx says so).
    replaced: () => void this.player?.pause(),
  });
  private readonly reporter = new Reporter((report) => this.connect.report(report));

  constructor() {
    // The position is written once a second while playing; leaving the page writes the last one.
    addEventListener('pagehide', () => this.queueSaver.flush());
  }

  /** Joins Connect (registers this device on the live socket); returns the function that leaves. */
  start = (): (() => void) => {
    const stop = this.connect.start();
    return () => {
      stop();
      clearInterval(this.ticker);
      this.ticker = undefined;
    };
  };

  /** What the listener sees: this player's state, or the playing device's while this one is a remote. */
  getState = (): PlayerState => this.view;
  /** This player's own state, whatever plays elsewhere (listening events count only this one's plays). */
  getLocalState = (): PlayerState => this.state;

  /** This browser's Connect device: its id, name, the listener's devices and who plays. */
  get devices(): ConnectClient {
    return this.connect;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  get current(): QueueItem | undefined {
    return this.view.queue[this.view.index];
  }

  /**
   * What the current track was started from (`album:ID`, `artist:ID`, `radio:<seed uri>` …), for
   * play/pause buttons on screens; tracks autoplay added have their own.
   */
  get context(): string | null {
    const remote = this.connect.remote;
    if (remote) return contextFromUri(remote.context?.uri);
    return this.current?.autoplay ? AUTOPLAY_CONTEXT : this.queueContext;
  }

  /** The name of what plays (a radio's "<X> Radio"), when it has one; none for tracks autoplay added. */
  get contextName(): string | null {
    return this.current?.autoplay || this.connect.remote ? null : this.queueName;
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
      // A queue a command loaded paused (the restored state) is shown until it plays.
      player.subscribe((s) => {
        if (!this.restored) this.update(s);
      });
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
    this.refresh();
    this.report(false);
    this.keepGoing();
  }

  /** Recomputes what the listener sees and tells the screens. */
  private refresh(): void {
    const remote = this.connect.remote;
    this.view = remote
      ? remoteView(remote, this.connect.remoteUpNext, this.connect.progressNow(), this.state)
      : this.state;
    for (const l of this.listeners) l();
  }

  /** Devices or the playback elsewhere changed: silence this engine if another device plays, show it. */
  private connectChanged(): void {
    const remote = this.connect.remote;
    if (remote && this.player && isPlaying(this.state)) void this.player.pause();
    // The remote's progress runs on between its frames.
    if (remote?.is_playing && !this.ticker) this.ticker = setInterval(() => this.refresh(), 250);
    if (!remote?.is_playing && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
    this.refresh();
  }

  /**
   * Tells the server what this device plays, when it is the active device; while none is, a play
   * started here claims the place. Another device playing makes this one a remote: it says nothing.
   * The engine is read at this instant: the state it last emitted may be a tick (250 ms) old, and the
   * report's position is taken to hold now.
   */
  private report(force: boolean): void {
    const active = this.connect.activeId;
    const mine = active === this.connect.id;
    if (active && !mine) return;
    const state = this.player && !this.restored ? this.player.getState() : this.state;
    if (!mine && !isPlaying(state)) return;
    // A long queue goes as a window around the current track (reporter.ts).
    this.reporter.observe(reportOf(state, contextUri(this.queueContext), !mine), force);
  }

  /** A command from another device (through the server) for this one, the active device. */
  private async apply(command: PlayerCommand): Promise<void> {
    this.connect.assumeActive(command.kind === 'stop' ? null : this.connect.id);
    switch (command.kind) {
      case 'load':
        await this.load(command.track_ids, command.index, command.position_ms, command.play, command.context_uri);
        return this.adoptSettings(command);
      case 'stop':
      case 'pause':
        return this.local.pause();
      case 'resume':
        return this.local.resume();
      case 'next':
        return this.local.next();
      case 'previous':
        return this.local.previous();
      case 'seek':
        // The engine starts playing where it seeks; a paused device stays paused, at the new place.
        if (this.player && !this.restored && !isPlaying(this.state)) return this.holdAt(command.position_ms);
        return this.local.seek(command.position_ms);
      case 'volume':
        return this.local.setVolume(command.volume_percent / 100);
      case 'shuffle':
        return this.local.setShuffle(command.state);
      case 'repeat':
        return this.local.setRepeat(command.state === 'track' ? 'one' : command.state === 'context' ? 'all' : 'off');
      case 'enqueue':
        return this.local.enqueue(await fetchQueueItems(command.track_ids), false, command.offset);
    }
  }

  /** The settings a load of the stored state carries (after missed commands), where they differ from this device's. */
  private adoptSettings(load: Extract<PlayerCommand, { kind: 'load' }>): void {
    const { shuffle, repeat, volume_percent: volume } = load;
    if (shuffle !== undefined && shuffle !== this.state.shuffle) this.local.setShuffle(shuffle);
    if (repeat !== undefined && repeat !== spotifyRepeat(this.state.repeat)) this.local.setRepeat(repeatMode(repeat));
    if (volume !== undefined && volume !== Math.round(this.state.volume * 100)) this.local.setVolume(volume / 100);
  }

  /** Keeps the paused queue at `positionMs`; the next play starts there. */
  private holdAt(positionMs: number): void {
    const { queue, index, durationMs } = this.state;
    const at = Math.max(0, Math.min(positionMs, durationMs || positionMs));
    this.restored = { queue, index, positionMs: at, context: this.queueContext, name: this.queueName };
    this.update({ ...this.state, status: 'paused', positionMs: at });
  }

  /** Loads a queue sent by the server (a play from another device, or a transfer to this one). */
  private async load(ids: string[], index: number, positionMs: number, play: boolean, context: string | null) {
    let items: QueueItem[];
    try {
      items = await fetchQueueItems(ids);
    } catch (err) {
      toast(`Could not load what to play: ${(err as Error).message}`, 'error');
      return;
    }
    const wanted = ids[index];
    const at = Math.max(
      0,
      items.findIndex((item) => item.id === wanted),
    );
    const item = items[at];
    if (!item) return;
    this.queueContext = contextFromUri(context);
    this.queueName = null;
    this.continuation.reset();
    if (play) {
      this.restored = null;
      await this.run((p) => p.playQueue(items, at, positionMs));
      return;
    }
    await this.player?.pause();
    this.restored = { queue: items, index: at, positionMs, context: this.queueContext, name: null };
    this.update({ ...this.state, status: 'paused', queue: items, index: at, positionMs, durationMs: item.durationMs });
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
  /** The engine itself, built if need be (from a click), for a Jam member's player to follow the host (web/src/jam). */
  jamEngine = (): Player | null => {
    this.restored = null;
    return this.engine();
  };
  /** Reports what the engine plays at this instant (a Jam's members time their audio by the host's reports). */
  reportNow = (): void => {
    if (this.player) this.update(this.player.getState());
    this.report(true);
  };

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

  /** The controls of this player's own engine (or restored queue), whatever plays elsewhere. */
  private readonly local = {
    playQueue: (items: QueueItem[], startIndex = 0, context: string | null = null, name: string | null = null) => {
      if (items.length === 0) return Promise.resolve();
      this.restored = null;
      this.queueContext = context;
      this.queueName = name;
      this.continuation.reset();
      return this.run((p) => p.playQueue(items, startIndex));
    },
    enqueue: (items: QueueItem[], next = false, offset?: number) => {
      // The listener's own picks play before autoplay's; autoplay picks again once they are done.
      if (!this.restored)
        return this.run((p) => {
          if (!next) this.dropAutoplay();
          p.enqueue(items, next, offset);
        });
      const { queue, index } = this.state;
      const at =
        offset !== undefined ? Math.min(index + Math.max(1, offset), queue.length) : next ? index + 1 : queue.length;
      return this.editRestored({ queue: [...queue.slice(0, at), ...items, ...queue.slice(at)] });
    },
    playIndex: (index: number) => (this.restored ? this.playRestored(index, 0) : this.run((p) => p.playIndex(index))),
    removeFromQueue: (index: number) => {
      if (!this.restored) return this.run((p) => p.removeFromQueue(index));
      const { queue, index: current } = this.state;
      if (index === current || index < 0 || index >= queue.length) return Promise.resolve();
      return this.editRestored({
        queue: queue.filter((_, i) => i !== index),
        index: current - (index < current ? 1 : 0),
      });
    },
    toggle: () => {
      if (this.restored) return this.playRestored(this.state.index, this.state.positionMs);
      return this.state.queue.length ? this.run((p) => p.toggle()) : Promise.resolve();
    },
    pause: () => (this.player ? this.run((p) => p.pause()) : Promise.resolve()),
    resume: () => {
      if (this.restored) return this.playRestored(this.state.index, this.state.positionMs);
      return this.state.queue.length ? this.run((p) => p.resume()) : Promise.resolve();
    },
    next: () => {
      if (!this.restored) return this.state.queue.length ? this.run((p) => p.next()) : Promise.resolve();
      const at = this.state.index + 1;
      return at < this.state.queue.length ? this.playRestored(at, 0) : Promise.resolve();
    },
    previous: () => {
      if (!this.restored) return this.state.queue.length ? this.run((p) => p.previous()) : Promise.resolve();
      const { index, positionMs } = this.state;
      return this.playRestored(positionMs > 3000 ? index : Math.max(0, index - 1), 0);
    },
    seek: (positionMs: number) => {
      if (this.restored)
        return this.editRestored({ positionMs: Math.max(0, Math.min(positionMs, this.state.durationMs)) });
      return this.state.queue.length ? this.run((p) => p.seek(positionMs)) : Promise.resolve();
    },
    setVolume: (volume: number) => this.setPref({ volume }, (p) => p.setVolume(volume)),
    setShuffle: (shuffle: boolean) => this.setPref({ shuffle }, (p) => p.setShuffle(shuffle)),
    setRepeat: (repeat: RepeatMode) => this.setPref({ repeat }, (p) => p.setRepeat(repeat)),
  };

  /** The device playing elsewhere while this player is its remote. */
  private get remoteId(): string | null {
    return this.connect.remote?.device.id ?? null;
  }

  /** A REST command to the playing device; a refusal (it went away…) is told as a toast. */
  private async send(method: 'PUT' | 'POST', path: string, query: Record<string, string> = {}, body?: unknown) {
    try {
      await this.connect.command(method, path, query, body);
    } catch (err) {
      toast((err as Error).message || 'The other device did not answer', 'error');
    }
  }

  /** Plays `items` from `startIndex` on the playing device. */
  private remotePlay(items: QueueItem[], startIndex: number): Promise<void> {
    const from = items.length > REMOTE_URIS_MAX ? startIndex : 0;
    const uris = items.slice(from, from + REMOTE_URIS_MAX).map((item) => trackUri(item.id));
    return this.send('PUT', 'play', {}, { uris, offset: { position: startIndex - from } });
  }

  playQueue = (items: QueueItem[], startIndex = 0, context: string | null = null, name: string | null = null) => {
    if (items.length === 0) return Promise.resolve();
    if (this.remoteId) return this.remotePlay(items, startIndex);
    return this.local.playQueue(items, startIndex, context, name);
  };
  enqueue = async (items: QueueItem[], next = false) => {
    if (!this.remoteId) return this.local.enqueue(items, next);
    for (const item of items) await this.send('POST', 'queue', { uri: trackUri(item.id) });
  };
  playIndex = (index: number) =>
    this.remoteId ? this.remotePlay(this.view.queue, index) : this.local.playIndex(index);
  removeFromQueue = (index: number) => {
    if (!this.remoteId) return this.local.removeFromQueue(index);
    toast('Only the device that plays can take tracks off its queue', 'error');
    return Promise.resolve();
  };
  toggle = () =>
    this.remoteId ? this.send('PUT', this.view.status === 'playing' ? 'pause' : 'play') : this.local.toggle();
  pause = () => (this.remoteId ? this.send('PUT', 'pause') : this.local.pause());
  resume = () => (this.remoteId ? this.send('PUT', 'play') : this.local.resume());
  next = () => (this.remoteId ? this.send('POST', 'next') : this.local.next());
  previous = () => (this.remoteId ? this.send('POST', 'previous') : this.local.previous());
  seek = (positionMs: number) =>
    this.remoteId
      ? this.send('PUT', 'seek', { position_ms: String(Math.max(0, Math.round(positionMs))) })
      : this.local.seek(positionMs);
  setVolume = (volume: number) => {
    if (this.remoteId) void this.send('PUT', 'volume', { volume_percent: String(Math.round(volume * 100)) });
    else this.local.setVolume(volume);
  };
  setShuffle = (shuffle: boolean) => {
    if (this.remoteId) void this.send('PUT', 'shuffle', { state: String(shuffle) });
    else this.local.setShuffle(shuffle);
  };
  setRepeat = (repeat: RepeatMode) => {
    if (this.remoteId) void this.send('PUT', 'repeat', { state: spotifyRepeat(repeat) });
    else this.local.setRepeat(repeat);
  };
  setAutoplay = (on: boolean) => {
    this.autoplayOn = on;
    if (!on) this.dropAutoplay();
    this.update(this.state);
  };
  updateSettings = (settings: Partial<PlayerSettings>) =>
    this.setPref({ settings: { ...this.state.settings, ...settings } }, (p) => p.updateSettings(settings));
}

import type { Track } from '../catalog/types.js';
import { Conflict, Invalid, NotFound } from '../errors.js';
import { type PlayContexts, trackIdOf } from './contexts.js';
import {
  type Holder,
  type LedgerOptions,
  type Playback,
  PlayerLedger,
  type Sent,
  type StateListener,
} from './ledger.js';
import { base, enqueued, heldAt, loaded, movedTo, nextIndex, previousIndex, reported, seekTo } from './transitions.js';
import {
  type DeviceInput,
  type DeviceView,
  NoActiveDevice,
  type PlayerCommand,
  type PlayerReport,
  type PlayerRepository,
  type PlayerState,
  type RepeatState,
  type ReportOutcome,
  reportedAt,
  type StateChange,
  VolumeControlDisallowed,
} from './types.js';

export { type Playback, type StateListener, serverMs } from './ledger.js';

/**
 * Playback across a listener's devices (Spotify Connect). Devices are open players registered on the
 * live gateway; the state (what plays, where, the queue) is stored per listener and changed by REST
 * commands and by the active device's reports. Every change bumps the state's version; the ledger
 * publishes it (src/core/player/ledger.ts). Commands change the stored state at once, so a read right
 * after shows them; the device's next report says what really happened. A device that reconnects
 * reads the stored state again: lost messages are never recovered from memory.
 */

/** Devices unseen this long are deleted when their listener registers another. */
const STALE_DEVICE_MS = 24 * 3600 * 1000;

export interface PlayRequest {
  deviceId?: string;
  contextUri?: string;
  uris?: string[];
  offset?: { position?: number; uri?: string };
  positionMs?: number;
}

export interface PlayerServiceOptions extends LedgerOptions {
  contexts: PlayContexts;
  /** Friend activity from accepted reports. */
  shareActivity(userId: string, report: { trackId: string; progressMs: number; isPlaying: boolean }): Promise<void>;
}

/** Listeners whose last shared activity a process remembers (see `PlayerService.shared`). */
const SHARED_KEPT = 10_000;

export class PlayerService {
  private readonly ledger: PlayerLedger;
  private readonly repo: PlayerRepository;
  private readonly now: () => number;
  /**
   * What each listener's followers were last told from this process (`track:playing`): a report shares
   * only a new track or a pause or resume, not every progress report. Another process may tell them
   * again, which is harmless; the oldest entries go past SHARED_KEPT.
   */
  private readonly shared = new Map<string, string>();

  constructor(private readonly o: PlayerServiceOptions) {
    this.ledger = new PlayerLedger(o);
    this.repo = o.repo;
    this.now = this.ledger.now;
  }

  get presenceTtlMs(): number {
    return this.ledger.presenceTtlMs;
  }

  /** Calls `listener` after every stored change of any listener's state; returns the way to stop. */
  onChange(listener: StateListener): () => void {
    return this.ledger.onChange(listener);
  }

  // Devices and presence.

  /**
   * Registers (or renames) the device held by `connectionId`. The same device id held by another socket
   * (another tab of the same browser profile) is taken over: the socket that held it is told, through
   * the listener's topic, whichever process it is connected to.
   */
  async register(userId: string, connectionId: string, device: DeviceInput): Promise<void> {
    const before = await this.ledger.holder(userId, device.id);
    await this.repo.upsertDevice(userId, connectionId, device);
    // Rows a dead process left are long filtered out; a day on they go (a socket silent that long is closed).
    await this.repo.sweepDevices(userId, STALE_DEVICE_MS);
    if (before && before.connectionId !== connectionId) {
      await this.ledger.publishReplaced(userId, device.id, connectionId);
    }
    await this.ledger.publishDevices(userId);
  }

  /** Refreshes presence; false when another socket has taken the device over. */
  touch(userId: string, connectionId: string, deviceId: string): Promise<boolean> {
    return this.repo.touchDevice(userId, connectionId, deviceId);
  }

  /** The socket holding the device closed: the device is gone, and playback stops being active on it. */
  async disconnect(userId: string, connectionId: string, deviceId: string): Promise<void> {
    if (!(await this.repo.deleteDevice(userId, connectionId, deviceId))) return;
    await this.ledger.publishDevices(userId);
    await this.ledger.deactivate(userId, deviceId);
  }

  async rename(userId: string, deviceId: string, name: string): Promise<void> {
    if (!(await this.repo.renameDevice(userId, deviceId, name, this.ledger.presenceTtlMs))) {
      throw new NotFound('Device not found', 'id');
    }
    await this.ledger.publishDevices(userId);
  }

  devices(userId: string): Promise<DeviceView[]> {
    return this.ledger.devices(userId);
  }

  // Reads.

  /** The stored state (whatever the devices), or undefined before the listener ever played. */
  state(userId: string): Promise<PlayerState | undefined> {
    return this.repo.state(userId);
  }

  /** What plays on the active device; null when no device is active (Spotify's 204). */
  async playback(userId: string): Promise<Playback | null> {
    const state = await this.repo.state(userId);
    if (!state?.activeDeviceId) return null;
    const playback = await this.ledger.playbackOf(userId, state);
    // The active device went away without closing (its process died): playback stops being active.
    if (!playback) await this.ledger.deactivate(userId, state.activeDeviceId);
    return playback;
  }

  /** The current track and the next ones (at most `limit`). */
  async queue(userId: string, limit = 20): Promise<{ current: Track | null; next: Track[] }> {
    const state = await this.repo.state(userId);
    if (!state?.trackId) return { current: null, next: [] };
    const ids = [state.trackId, ...state.queue.slice(state.queueIndex + 1, state.queueIndex + 1 + limit)];
    const [current, ...next] = await this.ledger.tracks(ids);
    return { current: current ?? null, next: next.filter((t): t is Track => t !== null) };
  }

  // Commands.

  /** `PUT /v1/me/player`: playback moves to `deviceId` from where it is now; the old device stops. */
  async transfer(userId: string, deviceId: string, play?: boolean): Promise<void> {
    const target = await this.holder(userId, deviceId, 'device_ids');
    await this.moveTo(userId, target, play === true);
  }

  /** `PUT /v1/me/player/play`: a context or tracks, or (with neither) resume. */
  async play(userId: string, request: PlayRequest): Promise<void> {
    const target = await this.target(userId, request.deviceId, true);
    if (request.contextUri === undefined && request.uris === undefined) {
      if (request.deviceId !== undefined && !(await this.isActive(userId, target))) {
        return this.moveTo(userId, target, true);
      }
      const at = request.positionMs;
      await this.ledger.change(
        userId,
        (current) => {
          const now = this.now();
          const resumed = heldAt(base(current), now, true);
          return at === undefined ? resumed : seekTo(resumed, at, now);
        },
        () => [
          ...(at === undefined ? [] : [{ to: target, command: { kind: 'seek', position_ms: at } } as Sent]),
          { to: target, command: { kind: 'resume' } },
        ],
      );
      return;
    }
    if (request.contextUri !== undefined && request.uris !== undefined) {
      throw new Invalid('give either context_uri or uris, not both', 'uris');
    }
    const { trackIds, contextUri } =
      request.contextUri !== undefined
        ? await this.o.contexts
            .context(userId, request.contextUri)
            .then((c) => ({ trackIds: c.trackIds, contextUri: c.uri as string | null }))
        : { trackIds: await this.o.contexts.tracks(request.uris ?? []), contextUri: null };
    if (trackIds.length === 0) throw new Invalid('uris must list at least one track', 'uris');
    const index = this.offsetIndex(trackIds, request.offset);
    const [track] = await this.ledger.tracks([trackIds[index]!]);
    const load = {
      trackIds,
      index,
      positionMs: request.positionMs ?? 0,
      contextUri,
      durationMs: track?.durationMs ?? 0,
    };
    const previous = await this.ledger.activeHolder(userId);
    await this.ledger.change(
      userId,
      (current) => loaded(base(current), load, target.device.id, this.now()),
      (s) => [
        { to: target, command: this.loadCommand(s, true) },
        ...(previous && previous.device.id !== target.device.id ? [{ to: previous, command: stop } as Sent] : []),
      ],
    );
  }

  async pause(userId: string, deviceId?: string): Promise<void> {
    const target = await this.target(userId, deviceId);
    await this.command(userId, target, (s, now) => heldAt(s, now, false), { kind: 'pause' });
  }

  async seek(userId: string, positionMs: number, deviceId?: string): Promise<void> {
    const target = await this.target(userId, deviceId);
    await this.command(userId, target, (s, now) => seekTo(heldAt(s, now, s.isPlaying), positionMs, now), {
      kind: 'seek',
      position_ms: positionMs,
    });
  }

  async next(userId: string, deviceId?: string): Promise<void> {
    await this.step(userId, deviceId, 'next');
  }

  async previous(userId: string, deviceId?: string): Promise<void> {
    await this.step(userId, deviceId, 'previous');
  }

  async repeat(userId: string, state: RepeatState, deviceId?: string): Promise<void> {
    const target = await this.target(userId, deviceId);
    await this.command(userId, target, (s) => ({ ...s, repeat: state }), { kind: 'repeat', state });
  }

  async shuffle(userId: string, state: boolean, deviceId?: string): Promise<void> {
    const target = await this.target(userId, deviceId);
    await this.command(userId, target, (s) => ({ ...s, shuffle: state }), { kind: 'shuffle', state });
  }

  async volume(userId: string, volumePercent: number, deviceId?: string): Promise<void> {
    const target = await this.target(userId, deviceId);
    if (!target.device.supportsVolume) {
      throw new VolumeControlDisallowed();
    }
    await this.repo.setDeviceVolume(userId, target.device.id, volumePercent);
    await this.command(userId, target, (s) => ({ ...s, volumePercent }), {
      kind: 'volume',
      volume_percent: volumePercent,
    });
    await this.ledger.publishDevices(userId);
  }

  /** `POST /v1/me/player/queue?uri=`: plays after the current track and those added before it. */
  async enqueue(userId: string, uri: string, deviceId?: string): Promise<void> {
    const trackId = trackIdOf(uri, 'uri');
    await this.o.contexts.requireTracks([trackId], 'uri');
    const target = await this.target(userId, deviceId);
    const [track] = await this.ledger.tracks([trackId]);
    await this.command(
      userId,
      target,
      (s) => {
        const next = enqueued(s, trackId);
        return s.trackId === null ? { ...next, durationMs: track?.durationMs ?? 0 } : next;
      },
      // After the current track and those added before it: the device puts it where the stored queue has it.
      (s) => ({
        kind: 'enqueue',
        track_ids: [trackId],
        offset: (s.queueInsertAt ?? s.queueIndex + 1) - 1 - s.queueIndex,
      }),
    );
  }

  // Reports from the active device.

  /**
   * A device's report, accepted from the active device (or, with `claim`, from a device pressed play
   * on while no other one is active and playing, which then becomes the active device). Who is active
   * is judged under the state's row lock, so a report racing a transfer cannot take playback back. A
   * report older than the last command sent to the device (`commandVersion`) is refused as stale: the
   * device made it before it followed that command, and reports again once it has. The position is
   * stamped with the server time it held at (`reportedAt`): the frame's arrival, or the device's own
   * estimate a little before it, never the time the report is stored.
   */
  async report(userId: string, connectionId: string, report: PlayerReport): Promise<ReportOutcome> {
    // When the position held: taken before any database read, which would only make it later.
    const at = reportedAt(report, this.now());
    if (report.queueIndex > Math.max(0, report.queue.length - 1)) {
      throw new Invalid(
        `queue_index: ${report.queueIndex} is past the end of the queue (${report.queue.length} tracks)`,
        'queue_index',
      );
    }
    const holder = await this.ledger.holder(userId, report.deviceId);
    if (!holder || holder.connectionId !== connectionId) {
      throw new Conflict(`device_id: device ${report.deviceId} is not registered on this connection`, 'device_id');
    }
    const before = await this.repo.state(userId);
    const previous = before?.activeDeviceId ? await this.ledger.holder(userId, before.activeDeviceId) : undefined;
    let refused: 'inactive' | 'stale' | undefined;
    let stopped: Holder | undefined;
    const state = await this.ledger.change(
      userId,
      (s) => {
        refused = undefined;
        stopped = undefined;
        const active = s?.activeDeviceId ?? null;
        if (active === report.deviceId) {
          if (report.commandVersion !== undefined && s && report.commandVersion < s.commandVersion) {
            refused = 'stale';
            return undefined;
          }
        } else {
          // Another device is active: it plays unless it is the one read before and has gone away.
          const gone = active === null || (active === before?.activeDeviceId && previous === undefined);
          if (!report.claim || (s?.isPlaying && !gone)) {
            refused = 'inactive';
            return undefined;
          }
          if (active !== null && previous?.device.id === active) stopped = previous;
        }
        return reported(base(s), report, at);
      },
      () => (stopped ? [{ to: stopped, command: stop }] : []),
      // The device's volume is part of the state every screen is sent: stored before it is published.
      async () => {
        if (holder.device.volumePercent !== report.volumePercent) {
          await this.repo.setDeviceVolume(userId, report.deviceId, report.volumePercent);
        }
      },
    );
    if (refused === 'inactive') {
      throw new Conflict('device_id: only the active device reports (claim: true takes over when nothing plays)');
    }
    const outcome = {
      version: state?.version ?? 0,
      stale: refused === 'stale',
      commandVersion: state?.commandVersion ?? 0,
    };
    if (outcome.stale) return { ...outcome, ...(state ? { stored: this.restoreCommand(state) } : {}) };
    if (holder.device.volumePercent !== report.volumePercent) await this.ledger.publishDevices(userId);
    if (report.trackId) await this.share(userId, report.trackId, report.positionMs, report.isPlaying);
    return outcome;
  }

  // Internals.

  /** Friend activity from a report: a new track, a pause or a resume (the feed shows nothing finer). */
  private async share(userId: string, trackId: string, progressMs: number, isPlaying: boolean): Promise<void> {
    const key = `${trackId}:${isPlaying}`;
    if (this.shared.get(userId) === key) return;
    this.shared.delete(userId);
    this.shared.set(userId, key);
    if (this.shared.size > SHARED_KEPT) this.shared.delete(this.shared.keys().next().value!);
    await this.o.shareActivity(userId, { trackId, progressMs, isPlaying }).catch((err) => {
      this.shared.delete(userId);
      this.o.onError(err, 'friend activity from a player report failed');
    });
  }

  private async step(userId: string, deviceId: string | undefined, kind: 'next' | 'previous'): Promise<void> {
    const target = await this.target(userId, deviceId);
    const before = base(await this.repo.state(userId));
    const index = kind === 'next' ? nextIndex(before) : previousIndex(before, this.now());
    const [track] = index === null ? [] : await this.ledger.tracks([before.queue[index]!]);
    await this.command(
      userId,
      target,
      (s, now) => {
        const at = kind === 'next' ? nextIndex(s) : previousIndex(s, now);
        // At the end of the queue without repeat: stopped on the last track, from its start.
        if (at === null) return { ...s, isPlaying: false, progressMs: 0, progressAt: now };
        const durationMs = track && s.queue[at] === track.id ? track.durationMs : 0;
        return movedTo(s, at, durationMs, now);
      },
      { kind },
    );
  }

  /** Playback moves to `target`, from the position now; it plays there if it was playing or `play`. */
  private async moveTo(userId: string, target: Holder, play: boolean): Promise<void> {
    const previous = await this.ledger.activeHolder(userId);
    const same = previous?.device.id === target.device.id;
    await this.ledger.change(
      userId,
      (current) => {
        const s = base(current);
        return { ...heldAt(s, this.now(), play || s.isPlaying), activeDeviceId: target.device.id };
      },
      (s) => {
        const sent: Sent[] = [];
        if (same) {
          if (play) sent.push({ to: target, command: { kind: 'resume' } });
        } else if (s.trackId) sent.push({ to: target, command: this.loadCommand(s, s.isPlaying) });
        if (previous && !same) sent.push({ to: previous, command: stop });
        return sent;
      },
    );
  }

  /**
   * The stored state as a load, for a device whose report was refused as stale: it may have missed a
   * command (a message lost on the bus or while its socket was down), and the stored state, not the
   * device's memory, says what must play. The position runs on to now; the settings come along.
   */
  private restoreCommand(state: PlayerState): PlayerCommand {
    const s = heldAt(base(state), this.now(), state.isPlaying);
    const { shuffle, repeat, volumePercent } = s;
    return { ...this.loadCommand(s, s.isPlaying), shuffle, repeat, volume_percent: volumePercent };
  }

  private loadCommand(s: StateChange, play: boolean): Extract<PlayerCommand, { kind: 'load' }> {
    return {
      kind: 'load',
      track_ids: s.queue,
      index: s.queueIndex,
      position_ms: Math.round(s.progressMs),
      play,
      context_uri: s.contextUri,
    };
  }

  private offsetIndex(trackIds: string[], offset: PlayRequest['offset']): number {
    if (!offset) return 0;
    if (offset.position !== undefined && offset.uri !== undefined) {
      throw new Invalid('offset takes either position or uri', 'offset');
    }
    if (offset.uri !== undefined) {
      const index = trackIds.indexOf(trackIdOf(offset.uri, 'offset.uri'));
      if (index < 0) throw new Invalid('offset.uri is not a track of the context', 'offset.uri');
      return index;
    }
    const position = offset.position ?? 0;
    if (position >= trackIds.length) {
      throw new Invalid(
        `offset.position must be below the ${trackIds.length} tracks of the context`,
        'offset.position',
      );
    }
    return position;
  }

  /** One command to one device, with the state change that goes with it. */
  private command(
    userId: string,
    target: Holder,
    transition: (s: StateChange, now: number) => StateChange,
    command: PlayerCommand | ((s: PlayerState) => PlayerCommand),
  ): Promise<PlayerState | undefined> {
    return this.ledger.change(
      userId,
      (current) => transition(base(current), this.now()),
      (s) => [{ to: target, command: typeof command === 'function' ? command(s) : command }],
    );
  }

  /** The device named (field `device_id`), or the active one; play may name an inactive device. */
  private async target(userId: string, deviceId: string | undefined, anyDevice = false): Promise<Holder> {
    if (deviceId !== undefined) {
      const named = await this.holder(userId, deviceId, 'device_id');
      if (anyDevice || (await this.isActive(userId, named))) return named;
      throw new NoActiveDevice();
    }
    const active = await this.ledger.activeHolder(userId);
    if (!active) throw new NoActiveDevice();
    return active;
  }

  private async holder(userId: string, deviceId: string, field: string): Promise<Holder> {
    const holder = await this.ledger.holder(userId, deviceId);
    if (!holder) throw new NotFound('Device not found', field);
    return holder;
  }

  private async isActive(userId: string, holder: Holder): Promise<boolean> {
    return (await this.repo.state(userId))?.activeDeviceId === holder.device.id;
  }
}

const stop: PlayerCommand = { kind: 'stop' };

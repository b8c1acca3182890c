import { type EventBus, topics } from '../../ports/event-bus.js';
import type { CatalogService } from '../catalog/catalog-service.js';
import type { Track } from '../catalog/types.js';
import { base, heldAt } from './transitions.js';
import type { Device, DeviceView, PlayerCommand, PlayerRepository, PlayerState, StateChange } from './types.js';

/**
 * The player's storage and broadcasting: present devices, the stored state, and each change published
 * on the listener's topic (`player.command` for the device that must act, carrying the socket that holds
 * it so only that socket hears it, then `player.state` for every open player) and told to in-process
 * listeners. The bus may lose messages; the stored state never does.
 */

export interface Playback {
  state: PlayerState;
  device: DeviceView;
  track: Track | null;
  /** The time the progress is shown at. */
  now: number;
}

/** A present device and the socket that holds it. */
export interface Holder {
  device: Device;
  connectionId: string;
}

export interface Sent {
  to: Holder;
  command: PlayerCommand;
}

export type StateListener = (userId: string, state: PlayerState) => void;

export interface LedgerOptions {
  repo: PlayerRepository;
  bus: EventBus;
  catalog: Pick<CatalogService, 'tracks'>;
  /** The `GET /v1/me/player` body of a playback (null: no active device), for `player.state` frames. */
  present(playback: Playback | null): unknown;
  /** The body of `GET /v1/me/player/devices` for `player.devices` frames. */
  presentDevices(devices: DeviceView[]): unknown;
  privateSession(userId: string): Promise<boolean>;
  /** How often sockets holding a device are pinged; a device unseen for three of these is gone. */
  heartbeatMs: number;
  onError(err: unknown, what: string): void;
  /** Server time; by default `serverMs`, the clock of `time` frames, so stamps and offsets agree. */
  now?: () => number;
}

/**
 * High-resolution server time (epoch ms with a fraction): the one clock of Connect and Jam. `time`
 * frames answer with it, report stamps, progress times and `server_ms` of state frames are taken
 * from it; `Date.now()` drifts from it by a millisecond or so, so the two are never mixed.
 */
export const serverMs = () => performance.timeOrigin + performance.now();

export class PlayerLedger {
  private readonly listeners = new Set<StateListener>();
  readonly now: () => number;

  constructor(private readonly o: LedgerOptions) {
    this.now = o.now ?? serverMs;
  }

  get presenceTtlMs(): number {
    return 3 * this.o.heartbeatMs;
  }

  onChange(listener: StateListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  holder(userId: string, deviceId: string): Promise<Holder | undefined> {
    return this.o.repo.holder(userId, deviceId, this.presenceTtlMs);
  }

  async activeHolder(userId: string): Promise<Holder | undefined> {
    const state = await this.o.repo.state(userId);
    return state?.activeDeviceId ? this.holder(userId, state.activeDeviceId) : undefined;
  }

  async devices(userId: string): Promise<DeviceView[]> {
    const [devices, state, isPrivateSession] = await Promise.all([
      this.o.repo.devices(userId, this.presenceTtlMs),
      this.o.repo.state(userId),
      this.o.privateSession(userId),
    ]);
    return devices.map((d) => ({ ...d, isActive: d.id === state?.activeDeviceId, isPrivateSession }));
  }

  /** Playback stops being active on a device that went away; the track and position stay. */
  async deactivate(userId: string, deviceId: string): Promise<void> {
    await this.change(userId, (current) =>
      current?.activeDeviceId === deviceId
        ? { ...heldAt(base(current), this.now(), false), activeDeviceId: null }
        : undefined,
    );
  }

  async tracks(ids: string[]): Promise<(Track | null)[]> {
    const out: (Track | null)[] = [];
    for (let i = 0; i < ids.length; i += 50) out.push(...(await this.o.catalog.tracks(ids.slice(i, i + 50))));
    return out;
  }

  async playbackOf(userId: string, state: PlayerState): Promise<Playback | null> {
    if (!state.activeDeviceId) return null;
    const devices = await this.devices(userId);
    const device = devices.find((d) => d.id === state.activeDeviceId);
    if (!device) return null;
    const [track] = state.trackId ? await this.tracks([state.trackId]) : [null];
    return { state, device, track: track ?? null, now: this.now() };
  }

  /**
   * Stores a change, then publishes the commands it calls for and the new state, and tells the
   * in-process listeners. Commands go first: a device acts before its screen shows the result. When
   * the active device changed, the device list (its `is_active`) is published again too. `stored` runs
   * after the change is stored and before anything is published (what the published state must show).
   * A change that sends the active device a command records its version as the state's commandVersion;
   * a new active device that was sent none starts from 0.
   */
  async change(
    userId: string,
    transition: (current: PlayerState | undefined) => StateChange | undefined,
    commands: (state: PlayerState) => Sent[] = () => [],
    stored?: (state: PlayerState) => Promise<void>,
  ): Promise<PlayerState | undefined> {
    let activeBefore: string | null = null;
    const { state, changed } = await this.o.repo.update(userId, (current) => {
      activeBefore = current?.activeDeviceId ?? null;
      const next = transition(current);
      if (!next) return undefined;
      const draft = { ...next, version: (current?.version ?? 0) + 1, updatedAt: this.now() };
      const commanded = commands(draft).some((sent) => sent.to.device.id === next.activeDeviceId);
      const commandVersion = next.activeDeviceId === activeBefore ? next.commandVersion : 0;
      return { ...next, commandVersion, commanded };
    });
    if (!changed || !state) return state;
    if (stored) await stored(state);
    const topic = topics.user(userId);
    try {
      for (const { to, command } of commands(state)) {
        await this.o.bus.publish(topic, {
          type: 'player.command',
          device_id: to.device.id,
          version: state.version,
          command,
          connection_id: to.connectionId,
        });
      }
      const playback = await this.playbackOf(userId, state);
      await this.o.bus.publish(topic, {
        type: 'player.state',
        state: this.o.present(playback),
        version: state.version,
        // The time the body's progress was worked out for.
        server_ms: playback?.now ?? this.now(),
      });
    } catch (err) {
      // Stored already: devices and screens that missed the message read the state when they reconnect.
      this.o.onError(err, 'player change broadcast failed');
    }
    if (state.activeDeviceId !== activeBefore) await this.publishDevices(userId);
    for (const listener of this.listeners) {
      try {
        listener(userId, state);
      } catch (err) {
        this.o.onError(err, 'player state listener failed');
      }
    }
    return state;
  }

  /**
   * The device is now held by `connectionId`: `{type:'device.replaced', device_id, connection_id}` on the
   * listener's topic tells the socket that held it before (the gateway passes it to that socket only).
   */
  async publishReplaced(userId: string, deviceId: string, connectionId: string): Promise<void> {
    const message = { type: 'device.replaced', device_id: deviceId, connection_id: connectionId };
    await this.o.bus.publish(topics.user(userId), message).catch((err) => {
      // The old socket still learns it at its next pong (its presence refresh finds the row not its own).
      this.o.onError(err, 'device takeover broadcast failed');
    });
  }

  async publishDevices(userId: string): Promise<void> {
    try {
      const devices = this.o.presentDevices(await this.devices(userId));
      await this.o.bus.publish(topics.user(userId), { type: 'player.devices', ...(devices as object) });
    } catch (err) {
      this.o.onError(err, 'player devices broadcast failed');
    }
  }
}

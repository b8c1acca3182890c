import { api } from '../api/client.js';
import { type Frame, live } from '../api/live.js';
import type { Track } from '../api/types.js';
import { CommandVersions } from './command-versions.js';
import { deviceId, deviceName, saveDeviceName } from './device.js';
import { type HeldAt, progressNow } from './remote-view.js';
import type { ConnectFrame, Device, Playback, PlayerCommand, PlayerReport } from './types.js';

/** Clock samples taken after each `welcome`; the one with the shortest round trip gives the offset. */
const TIME_SAMPLES = 5;

/** This page's clock, to the microsecond: clock samples, report stamps and a remote's progress use it. */
const clientNow = (): number => performance.timeOrigin + performance.now();

export interface ConnectEvents {
  /**
   * A command for this device (it is the active one); call `followed(version)` once it is applied. A
   * `load` with settings is the stored state, for commands this device missed.
   */
  command(command: PlayerCommand, version: number): void;
  /** The devices, the playback elsewhere or this device's name changed. */
  change(): void;
  /**
   * After a (re)connection the stored state was read again: say what this device plays now. Should it
   * have missed a command meanwhile, the server refuses that report and sends the stored state instead.
   */
  reconciled(): void;
  /** This device's volume, 0–100, for its registration. */
  volumePercent(): number;
  /** Another tab of this browser profile took this device over: stop making sound here. */
  replaced(): void;
}

/**
 * This browser's side of Connect: registers the device on the live socket (again after every
 * `welcome`), keeps the listener's devices and playback state from `player.devices` / `player.state`
 * frames (and from `GET /v1/me/player` after a reconnection, since frames sent while the socket was down
 * are lost), estimates the server clock so a remote's progress can run on between frames, and hands
 * this device's `player.command`s to the player.
 */
export class ConnectClient {
  readonly id = deviceId();
  private name = deviceName();
  private devicesList: Device[] = [];
  private playback: Playback | null = null;
  /** When `playback.progress_ms` held. */
  private playbackAt: HeldAt = { localMs: 0 };
  private version = -1;
  /** Bumped by every state frame, so a `GET /v1/me/player` answered after a newer frame is dropped. */
  private frames = 0;
  /** Set by a command before the state frame that follows it: who is active meanwhile. */
  private assumed: { active: string | null } | null = null;
  /** Server clock minus this clock, in ms. */
  private offset = 0;
  private bestRtt = Number.POSITIVE_INFINITY;
  private timeSamples = 0;
  /** What follows the remote's track, read again when its track changes. */
  private remoteQueue: { trackId: string; tracks: Track[] } | null = null;
  private readonly versions = new CommandVersions();
  /** Another tab holds this device id now; this one registers again only when asked (`takeBack`). */
  private isReplaced = false;
  /** Taken back: once registered, say what this tab plays (the other tab's last report says otherwise). */
  private tookBack = false;

  constructor(private readonly events: ConnectEvents) {}

  /** Starts listening on the live socket; returns the function that stops it. */
  start(): () => void {
    const stop = live.listen((frame) => this.onFrame(frame));
    return stop;
  }

  /** Another tab of this browser profile plays as this device: this one is silent until `takeBack`. */
  get replaced(): boolean {
    return this.isReplaced;
  }

  /** Takes the device back from the other tab (which is told, and goes silent in turn). */
  takeBack(): void {
    if (!this.isReplaced) return;
    this.isReplaced = false;
    this.tookBack = true;
    this.register();
    this.events.change();
  }

  get deviceName(): string {
    return this.name;
  }

  get devices(): readonly Device[] {
    return this.devicesList;
  }

  /** The id of the device that plays now, or null when none does. */
  get activeId(): string | null {
    if (this.assumed) return this.assumed.active;
    return this.playback?.device.id ?? null;
  }

  /** The playback of another device, when another device is the active one. */
  get remote(): Playback | null {
    const active = this.activeId;
    return active && active !== this.id && this.playback?.device.id === active ? this.playback : null;
  }

  /** Tracks after the remote's current one (GET /v1/me/player/queue), once fetched. */
  get remoteUpNext(): Track[] {
    const remote = this.remote;
    return remote?.item && this.remoteQueue?.trackId === remote.item.id ? this.remoteQueue.tracks : [];
  }

  /** The remote's progress now: run on from when the last state held while it plays. */
  progressNow(): number {
    return progressNow(this.playback, this.playbackAt, clientNow(), this.offset);
  }

  rename(name: string): void {
    this.name = saveDeviceName(name);
    // A tab another took the device from keeps its name for when it takes it back.
    if (!this.isReplaced) this.register();
    this.events.change();
  }

  /** A command arrived for this device: it is the active one until a state frame says otherwise. */
  assumeActive(active: string | null): void {
    this.assumed = { active };
  }

  /**
   * Sends what this device plays, read just now: `at_server_ms` says when its position held by the
   * server's clock (once the offset is estimated), so the server stamps it right however late it gets
   * to it. A tab another took the device from says nothing.
   */
  report(report: Omit<PlayerReport, 'type' | 'device_id' | 'command_version' | 'at_server_ms'>): boolean {
    if (this.isReplaced) return false;
    const at = Number.isFinite(this.bestRtt) ? { at_server_ms: clientNow() + this.offset } : {};
    return live.send({
      type: 'player.report',
      device_id: this.id,
      ...report,
      command_version: this.versions.applied,
      ...at,
    });
  }

  /** The command of `version` is applied: reports from now on say what came of it. */
  followed(version: number): void {
    this.versions.followed(version);
  }

  /** Sends a REST player command to `device` (`/v1/me/player/<path>?device_id=…`). */
  command(method: 'PUT' | 'POST', path: string, query: Record<string, string> = {}, body?: unknown): Promise<void> {
    const search = new URLSearchParams(query);
    const target = this.remote?.device.id;
    if (target) search.set('device_id', target);
    const url = `/v1/me/player/${path}?${search}`;
    return method === 'PUT' ? api.put<void>(url, body) : api.post<void>(url, body);
  }

  /** Moves playback to `device` and starts it there. */
  transfer(device: string): Promise<void> {
    return api.put('/v1/me/player', { device_ids: [device], play: true });
  }

  private register(): void {
    live.send({
      type: 'device.register',
      device_id: this.id,
      name: this.name,
      device_type: 'Computer',
      volume_percent: this.events.volumePercent(),
      supports_volume: true,
    });
  }

  private onFrame(raw: Frame): void {
    if (raw.type === 'welcome') {
      if (!this.isReplaced) this.register();
      this.timeSamples = 0;
      this.bestRtt = Number.POSITIVE_INFINITY;
      this.askTime();
      void this.reload();
      return;
    }
    const frame = raw as ConnectFrame;
    switch (frame.type) {
      case 'device.registered':
        void this.reloadDevices();
        if (this.tookBack && frame.device_id === this.id) {
          this.tookBack = false;
          this.events.reconciled();
        }
        return;
      case 'player.devices':
        this.devicesList = frame.devices;
        this.events.change();
        return;
      case 'player.state':
        if (frame.version < this.version) return;
        this.version = frame.version;
        this.frames++;
        // `progress_ms` is the position when the frame was made (`timestamp` is when the state last changed).
        this.setPlayback(frame.state, { serverMs: frame.server_ms });
        return;
      case 'player.command':
        // Skipped when the stored state applied since includes it (it arrived late).
        if (frame.device_id === this.id && this.versions.heard(frame.version)) {
          this.events.command(frame.command, frame.version);
        }
        return;
      case 'player.stale':
        if (frame.device_id === this.id) this.onStale(frame);
        return;
      case 'time':
        this.noteTime(frame.client_ms, frame.server_ms);
        return;
      case 'device.replaced':
        if (frame.device_id !== this.id || this.isReplaced) return;
        this.isReplaced = true;
        this.events.replaced();
        this.events.change();
        return;
    }
  }

  /**
   * A report was made before this device followed the command of `command_version` (command-versions.ts).
   * A command it never heard is recovered from the stored state the refusal carries, never from what
   * this device plays: that is applied as the command of that version, and reported once it is.
   */
  private onStale(frame: Extract<ConnectFrame, { type: 'player.stale' }>): void {
    const version = frame.command_version;
    const next = this.versions.onStale(version);
    if (next === 'report') this.events.reconciled();
    if (next !== 'restore' || !frame.command) return;
    this.versions.restoring(version);
    this.events.command(frame.command, version);
  }

  private setPlayback(playback: Playback | null, at: HeldAt): void {
    this.playback = playback;
    this.playbackAt = at;
    this.assumed = null;
    this.events.change();
    void this.loadRemoteQueue();
  }

  /** Reads the stored state again (after a reconnection) and lets the player reconcile with it. */
  private async reload(): Promise<void> {
    const seen = this.frames;
    try {
      const playback = await api.get<Playback | undefined>('/v1/me/player');
      // Over a short round trip the answer's progress holds at about the moment it arrives (by this
      // clock: the offset to the server's may still be being measured). A frame since is newer.
      if (this.frames === seen) this.setPlayback(playback ?? null, { localMs: clientNow() });
    } catch {
      // The frames that follow keep the state; the next reconnection reads it again.
    }
    this.events.reconciled();
  }

  private async reloadDevices(): Promise<void> {
    try {
      const { devices } = await api.get<{ devices: Device[] }>('/v1/me/player/devices');
      this.devicesList = devices;
      this.events.change();
    } catch {
      // `player.devices` frames keep the list.
    }
  }

  /** The queue screen of a remote shows what follows on the remote. */
  private async loadRemoteQueue(): Promise<void> {
    const trackId = this.remote?.item?.id;
    if (!trackId || this.remoteQueue?.trackId === trackId) return;
    this.remoteQueue = { trackId, tracks: [] };
    try {
      const answer = await api.get<{ queue: Track[] }>('/v1/me/player/queue');
      if (this.remoteQueue?.trackId !== trackId) return;
      this.remoteQueue = { trackId, tracks: answer.queue ?? [] };
      this.events.change();
    } catch {
      // The bar still shows the remote's track.
    }
  }

  private askTime(): void {
    live.send({ type: 'time', client_ms: clientNow() });
  }

  /** NTP-style: the sample with the shortest round trip says best where the server's clock is. */
  private noteTime(sent: number, server: number): void {
    const now = clientNow();
    const rtt = now - sent;
    if (rtt < this.bestRtt) {
      this.bestRtt = rtt;
      this.offset = server - (sent + rtt / 2);
    }
    if (++this.timeSamples < TIME_SAMPLES) this.askTime();
  }
}

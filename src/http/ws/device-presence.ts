import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from 'ws';
import { DomainError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { type PlayerService, serverMs } from '../../core/player/player-service.js';
import { statusOf } from '../errors.js';
import type { PlayerFrame } from './messages.js';

export interface PresencePorts {
  player: PlayerService;
  socket: WebSocket;
  userId: string;
  /** How often a socket holding a device is pinged (CADENZA_DEVICE_HEARTBEAT_MS). */
  heartbeatMs: number;
  /** A direct answer to the client. */
  send(frame: unknown): void;
  log: FastifyBaseLogger;
}

/** A `player.command` as the bus carries it: the socket that must hear it is named. */
interface CommandMessage {
  type: 'player.command';
  connection_id?: string;
  device_id: string;
  version: number;
  command: unknown;
}

/** A takeover as the bus carries it: `connection_id` holds the device now. */
interface ReplacedMessage {
  type: 'device.replaced';
  device_id: string;
  connection_id: string;
}

/**
 * One live socket's part in Connect: the device it holds (at most one), its presence, the active
 * device's reports, clock samples, and which of the user's `player.command` messages reach it.
 *
 * Presence: the socket is pinged every heartbeat while it holds a device, and each pong refreshes the
 * device's `seen_at`. A socket silent for three heartbeats is terminated; its close deletes the device.
 * Another socket registering the same device id (another tab of the same browser profile) takes the
 * device over: this one stops hearing its commands at once and is sent
 * `{type:'device.replaced', device_id}` as soon as the takeover reaches it over the bus (from any
 * process), or at its next pong, whose presence refresh finds the row held by another socket. It holds
 * no device from then on, until it registers again (which takes the device back).
 */
export class DevicePresence {
  /** Names this socket in the device row and in the commands meant for it. */
  readonly connectionId = newId();
  private deviceId: string | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private lastPong = Date.now();
  private closed = false;

  constructor(private readonly ports: PresencePorts) {
    ports.socket.on('pong', () => this.onPong());
  }

  /** The frames of this module; anything else is not ours. */
  async handle(frame: PlayerFrame, arrivedMs = serverMs()): Promise<void> {
    switch (frame.type) {
      case 'device.register':
        return this.register(frame);
      case 'player.report':
        return this.report(frame, arrivedMs);
      case 'time':
        return this.ports.send({ type: 'time', client_ms: frame.client_ms, server_ms: serverMs() });
    }
  }

  /**
   * What of a user-topic message goes to this socket: commands only to the socket holding the device,
   * without the bus's `connection_id`; a takeover only to the socket that lost the device. Other
   * messages pass as they are.
   */
  outgoing(message: unknown): unknown {
    const m = message as Partial<CommandMessage> | Partial<ReplacedMessage> | null;
    if (m?.type === 'device.replaced') {
      const lost = m.device_id !== undefined && m.device_id === this.deviceId && m.connection_id !== this.connectionId;
      return lost ? this.replaced() : undefined;
    }
    if (m?.type !== 'player.command') return message;
    if (m.device_id !== this.deviceId) return undefined;
    // Named for a socket (a takeover may leave two holding the id for a moment): only that one.
    if (m.connection_id !== undefined && m.connection_id !== this.connectionId) return undefined;
    return { type: m.type, device_id: m.device_id, version: m.version, command: m.command };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.heartbeat);
    const deviceId = this.deviceId;
    this.deviceId = undefined;
    if (deviceId === undefined) return;
    const { player, userId } = this.ports;
    await player.disconnect(userId, this.connectionId, deviceId).catch((err) => {
      this.ports.log.warn({ err, deviceId }, 'device disconnect failed');
    });
  }

  private async register(frame: Extract<PlayerFrame, { type: 'device.register' }>): Promise<void> {
    const { player, userId } = this.ports;
    // A second register renames this socket's device; another id replaces it.
    const previous = this.deviceId;
    if (previous !== undefined && previous !== frame.device_id) {
      this.deviceId = undefined;
      await player.disconnect(userId, this.connectionId, previous);
    }
    await player.register(userId, this.connectionId, {
      id: frame.device_id,
      name: frame.name,
      type: frame.device_type,
      volumePercent: frame.volume_percent ?? null,
      supportsVolume: frame.supports_volume ?? true,
    });
    // Held from here on (not before: a pong meanwhile would find the row not yet ours).
    this.deviceId = frame.device_id;
    if (this.closed) {
      this.deviceId = undefined;
      // The socket closed while registering: the device must not outlive it.
      await player.disconnect(userId, this.connectionId, frame.device_id);
      return;
    }
    this.startHeartbeat();
    this.ports.send({ type: 'device.registered', device_id: frame.device_id });
  }

  private async report(frame: Extract<PlayerFrame, { type: 'player.report' }>, arrivedMs: number): Promise<void> {
    if (frame.device_id !== this.deviceId) {
      return this.ports.send({ type: 'error', status: 409, message: 'device_id: register the device first' });
    }
    try {
      const outcome = await this.ports.player.report(this.ports.userId, this.connectionId, {
        deviceId: frame.device_id,
        trackId: frame.track_id,
        positionMs: frame.position_ms,
        durationMs: frame.duration_ms,
        isPlaying: frame.is_playing,
        queue: frame.queue,
        queueIndex: frame.queue_index,
        contextUri: frame.context_uri,
        shuffle: frame.shuffle,
        repeat: frame.repeat,
        volumePercent: frame.volume_percent,
        claim: frame.claim ?? false,
        ...(frame.command_version === undefined ? {} : { commandVersion: frame.command_version }),
        arrivedMs,
        ...(frame.at_server_ms === undefined ? {} : { atServerMs: frame.at_server_ms }),
      });
      if (!outcome.stale) {
        return this.ports.send({ type: 'player.reported', device_id: frame.device_id, version: outcome.version });
      }
      // Made before the device followed the last command sent to it: it reports again once it has. A
      // device that never heard that command (lost on the bus, or sent while it reconnected) applies
      // the stored state carried here instead of reporting its memory.
      this.ports.send({
        type: 'player.stale',
        device_id: frame.device_id,
        version: outcome.version,
        command_version: outcome.commandVersion,
        ...(outcome.stored ? { command: outcome.stored } : {}),
      });
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      this.ports.send({ type: 'error', status: statusOf(err), message: `player.report: ${err.message}` });
    }
  }

  private startHeartbeat(): void {
    if (this.heartbeat) return;
    const { socket, heartbeatMs } = this.ports;
    this.lastPong = Date.now();
    this.heartbeat = setInterval(() => {
      if (Date.now() - this.lastPong > 3 * heartbeatMs) socket.terminate();
      else if (socket.readyState === socket.OPEN) socket.ping();
    }, heartbeatMs);
  }

  private onPong(): void {
    this.lastPong = Date.now();
    const deviceId = this.deviceId;
    if (deviceId === undefined) return;
    const { player, userId } = this.ports;
    player
      .touch(userId, this.connectionId, deviceId)
      .then((held) => {
        // Taken over by another socket (its bus message was lost or is still on its way).
        if (!held && this.deviceId === deviceId) this.ports.send(this.replaced());
      })
      .catch((err) => this.ports.log.warn({ err, deviceId }, 'device presence refresh failed'));
  }

  /** This socket no longer holds its device (another took it over): the frame that tells its client. */
  private replaced(): { type: 'device.replaced'; device_id: string | undefined } {
    const deviceId = this.deviceId;
    this.deviceId = undefined;
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    return { type: 'device.replaced', device_id: deviceId };
  }
}

import websocket from '@fastify/websocket';
import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { Services } from '../../app.js';
import { DomainError } from '../../core/errors.js';
import { serverMs } from '../../core/player/player-service.js';
import { topics, type Unsubscribe } from '../../ports/event-bus.js';
import { requireUser } from '../auth.js';
import { statusOf } from '../errors.js';
import type { App } from '../server.js';
import { DevicePresence } from './device-presence.js';
import { JamSubscriptions } from './jam-subscription.js';
import { type ClientFrame, parseFrame } from './messages.js';
import { PlaylistSubscription } from './playlist-subscription.js';

/**
 * The live gateway, one WebSocket per client for every live feature: playlist editing (subscribe,
 * edit, catch up after a reconnect), Connect devices (device-presence.ts) and messages for the user
 * (friend activity, player state). Authenticated by the bearer token in the Authorization header or
 * `?access_token=`; kept alive by ping/pong.
 */

/** Frames a client may send per second, sustained; a burst of twice that is allowed. */
const FRAMES_PER_SECOND = 100;
const MAX_BAD_FRAMES = 20;
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/** A bus message serialised and encoded once however many sockets it goes to. */
const serialised = new WeakMap<object, Buffer>();
function encode(message: unknown): Buffer {
  if (typeof message !== 'object' || message === null) return Buffer.from(JSON.stringify(message));
  let bytes = serialised.get(message);
  if (bytes === undefined) {
    bytes = Buffer.from(JSON.stringify(message));
    serialised.set(message, bytes);
  }
  return bytes;
}

export async function registerLiveGateway(app: App, services: Services): Promise<void> {
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  app.get(
    '/v1/live',
    {
      websocket: true,
      config: { access: 'public' },
      schema: { hide: true },
      preValidation: async (request: FastifyRequest) => {
        const token = (request.query as { access_token?: string }).access_token;
        if (!request.user && token) request.user = await services.accounts.authenticate(token);
        requireUser(request);
      },
    },
    (socket, request) => {
      new LiveConnection(socket, requireUser(request).id, services, request).start();
    },
  );
}

class LiveConnection {
  private readonly playlists = new Map<string, PlaylistSubscription>();
  private readonly device: DevicePresence;
  private readonly jam: JamSubscriptions;
  private userTopic: Promise<Unsubscribe> | undefined;
  private alive = true;
  private heartbeat: NodeJS.Timeout | undefined;
  private tokens = FRAMES_PER_SECOND * 2;
  private refilledAt = Date.now();
  private badFrames = 0;

  constructor(
    private readonly socket: WebSocket,
    private readonly userId: string,
    private readonly services: Services,
    private readonly request: FastifyRequest,
  ) {
    this.device = new DevicePresence({
      player: services.player,
      socket,
      userId,
      heartbeatMs: services.config.deviceHeartbeatMs,
      send: (frame) => this.send(frame),
      log: request.log,
    });
    this.jam = new JamSubscriptions(userId, {
      jams: services.jams,
      listen: (topic, handler) => this.listen(topic, handler),
      send: (frame) => this.send(frame),
      push: (frame) => this.push(frame),
      log: request.log,
    });
  }

  start(): void {
    // A frame's arrival is taken first: a report's position held then (or before), not when it is handled.
    this.socket.on('message', (data, isBinary) => this.onFrame(isBinary ? null : data.toString(), serverMs()));
    this.socket.on('pong', () => {
      this.alive = true;
    });
    this.socket.on('close', () => void this.stop());
    this.heartbeat = setInterval(() => {
      if (!this.alive) {
        this.socket.terminate();
        return;
      }
      this.alive = false;
      this.socket.ping();
    }, this.services.config.liveHeartbeatMs);
    this.userTopic = this.listen(topics.user(this.userId), (m) => {
      const frame = this.device.outgoing(m);
      if (frame !== undefined) this.push(frame);
    });
    this.send({ type: 'welcome', user_id: this.userId, heartbeat_ms: this.services.config.liveHeartbeatMs });
  }

  /** Subscribes this socket to a topic; when the bus cannot, the client is told to reconnect later. */
  private listen(topic: string, handler: (message: unknown) => void): Promise<Unsubscribe> {
    return this.services.bus.subscribe(topic, handler).catch((err) => {
      this.request.log.warn({ err, topic }, 'live subscription failed');
      this.socket.close(1011, 'live updates are unavailable; reconnect later');
      return async () => {};
    });
  }

  private async stop(): Promise<void> {
    clearInterval(this.heartbeat);
    const playlists = [...this.playlists.values()];
    this.playlists.clear();
    await Promise.all([
      ...playlists.map((s) => s.close()),
      this.device.close(),
      this.jam.close(),
      this.userTopic?.then((unsubscribe) => unsubscribe()),
    ]);
  }

  private send(frame: unknown): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.socket.send(encode(frame), { binary: false });
  }

  /** Live traffic; a client that stops reading is disconnected rather than buffered without bound. */
  private push(message: unknown): void {
    if (this.socket.bufferedAmount > MAX_BUFFERED_BYTES) this.socket.close(1013, 'too slow to keep up');
    else this.send(message);
  }

  private allowFrame(): boolean {
    const now = Date.now();
    this.tokens = Math.min(FRAMES_PER_SECOND * 2, this.tokens + ((now - this.refilledAt) / 1000) * FRAMES_PER_SECOND);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private onFrame(data: string | null, arrivedMs: number): void {
    const frame = data === null ? 'binary frames are not accepted' : parseFrame(data);
    if (!this.allowFrame()) {
      // Over the rate: refused with 429 (an edit by its id, so the client can send it again later).
      const message = `more than ${FRAMES_PER_SECOND} frames per second; slow down`;
      if (typeof frame !== 'string' && frame.type === 'edit') {
        this.send({ type: 'rejected', client_op_id: frame.client_op_id, status: 429, message });
      } else this.send({ type: 'error', status: 429, message });
      if (++this.badFrames >= MAX_BAD_FRAMES) this.socket.close(1008, 'flooding');
      return;
    }
    if (typeof frame === 'string') {
      this.refuse(frame);
      return;
    }
    void this.handle(frame, arrivedMs).catch((err) => {
      this.request.log.error({ err }, 'live frame failed');
      this.send({ type: 'error', status: 500, message: 'internal error' });
    });
  }

  /** Answers a bad frame; a client that keeps sending them is disconnected (policy violation). */
  private refuse(message: string): void {
    this.send({ type: 'error', status: 400, message });
    if (++this.badFrames >= MAX_BAD_FRAMES) this.socket.close(1008, 'too many bad frames');
  }

  private async handle(frame: ClientFrame, arrivedMs: number): Promise<void> {
    switch (frame.type) {
      case 'ping':
        return this.send({ type: 'pong' });
      case 'subscribe':
        return this.subscribe(frame.playlist_id, frame.version);
      case 'unsubscribe': {
        const subscription = this.playlists.get(frame.playlist_id);
        this.playlists.delete(frame.playlist_id);
        await subscription?.close();
        return this.send({ type: 'unsubscribed', playlist_id: frame.playlist_id });
      }
      case 'edit':
        return this.edit(frame);
      case 'device.register':
      case 'player.report':
      case 'time':
        return this.device.handle(frame, arrivedMs);
      case 'jam.subscribe':
        return this.jam.subscribe(frame.jam_id, frame.compact ?? false);
      case 'jam.unsubscribe':
        return this.jam.unsubscribe(frame.jam_id);
    }
  }

  /** A new subscription replaces the socket's previous one to the same playlist (a resume). */
  private async subscribe(playlistId: string, version: number | undefined): Promise<void> {
    const subscription: PlaylistSubscription = new PlaylistSubscription(playlistId, this.userId, {
      editor: this.services.playlistEditor,
      listen: (topic, handler) => this.listen(topic, handler),
      send: (frame) => this.send(frame),
      push: (frame) => this.push(frame),
      ended: () => {
        if (this.playlists.get(playlistId) === subscription) this.playlists.delete(playlistId);
      },
      log: this.request.log,
    });
    const previous = this.playlists.get(playlistId);
    this.playlists.set(playlistId, subscription);
    await previous?.close();
    await subscription.start(version);
  }

  private async edit(frame: Extract<ClientFrame, { type: 'edit' }>): Promise<void> {
    // Op ids are scoped by user so no one can make the server skip someone else's edit as a re-send.
    const own = frame.client_op_id.startsWith(`${this.userId}:`);
    const clientOpId = own ? frame.client_op_id : `${this.userId}:${frame.client_op_id}`;
    try {
      const result = await this.services.playlistEditor.edit({
        playlistId: frame.playlist_id,
        userId: this.userId,
        baseVersion: frame.version,
        edits: frame.edits,
        clientOpId,
      });
      this.send({
        type: 'ack',
        client_op_id: frame.client_op_id,
        version: result.version,
        snapshot_id: result.snapshotId,
      });
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      this.send({ type: 'rejected', client_op_id: frame.client_op_id, status: statusOf(err), message: err.message });
    }
  }
}

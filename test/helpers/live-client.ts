import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { type OpMessage, type PendingEdit, PlaylistReplica } from '../../src/core/playlists/replica.js';
import type { ItemEdit } from '../../src/core/playlists/types.js';

// biome-ignore lint/suspicious/noExplicitAny: frames are read field by field
export type Frame = Record<string, any>;

/** A gateway connection that records every frame and can wait for one. */
export class LiveSocket {
  readonly frames: Frame[] = [];
  private waiters: { match: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  closed: { code: number; reason: string } | undefined;
  onFrame: (frame: Frame) => void = () => {};

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Frame;
      this.frames.push(frame);
      this.onFrame(frame);
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(frame)) return true;
        w.resolve(frame);
        return false;
      });
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
    });
  }

  static open(baseUrl: string, token: string | undefined): Promise<LiveSocket> {
    const url = `${baseUrl.replace(/^http/, 'ws')}/v1/live${token ? `?access_token=${token}` : ''}`;
    const ws = new WebSocket(url);
    const socket = new LiveSocket(ws);
    return new Promise((resolve, reject) => {
      ws.once('unexpected-response', (_req, res) => reject(new Error(`gateway answered ${res.statusCode}`)));
      ws.once('error', reject);
      socket.next((f) => f.type === 'welcome').then(() => resolve(socket), reject);
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The first frame from now on that matches (or one already received, with `past`). */
  next(match: (f: Frame) => boolean, timeoutMs = 10_000, past = false): Promise<Frame> {
    const seen = past ? this.frames.find(match) : undefined;
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out waiting for a frame; last frames: ${JSON.stringify(this.frames.slice(-3))}`)),
        timeoutMs,
      );
      this.waiters.push({
        match,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
      });
    });
  }

  waitClosed(timeoutMs = 10_000): Promise<{ code: number; reason: string }> {
    if (this.closed) return Promise.resolve(this.closed);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('socket did not close')), timeoutMs);
      this.ws.once('close', (code, reason) => {
        clearTimeout(timer);
        resolve({ code, reason: reason.toString() });
      });
    });
  }

  close(): void {
    this.ws.terminate();
  }
}

/**
 * A live editor of one playlist: a replica kept current from the gateway, edits sent against it, and
 * resume after a reconnect (catch up from its version, then re-send what was never answered).
 */
export class LiveEditor {
  socket!: LiveSocket;
  replica!: PlaylistReplica;
  readonly answers = new Map<string, Frame>();
  private readonly waiting = new Map<string, (f: Frame) => void>();

  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
    readonly userId: string,
    readonly playlistId: string,
  ) {}

  async connect(): Promise<void> {
    this.socket = await LiveSocket.open(this.baseUrl, this.token);
    this.socket.onFrame = (f) => this.onFrame(f);
    const resume = this.replica?.version;
    if (!this.replica) this.replica = new PlaylistReplica(`${this.userId}:${randomBytes(4).toString('hex')}`, [], 0);
    this.socket.send({ type: 'subscribe', playlist_id: this.playlistId, version: resume });
    await this.socket.next((f) => f.type === 'subscribed' || (f.type === 'error' && f.playlist_id === this.playlistId));
    for (const pending of this.replica.unacknowledged()) this.send(pending);
  }

  private onFrame(f: Frame): void {
    if (f.type === 'playlist_state' && f.playlistId === this.playlistId) {
      this.replica.items = f.items.map((it: Frame) => ({ itemId: it.itemId, trackId: it.trackId }));
      this.replica.version = f.version;
    } else if (f.type === 'playlist_op' && f.playlistId === this.playlistId) {
      // Our own edit, heard as a broadcast (perhaps during a catch-up): as good as its answer.
      if (f.clientOpId && this.waiting.has(f.clientOpId)) {
        this.answered({ type: 'ack', client_op_id: f.clientOpId, version: f.version });
      }
      if (!this.replica.receive(f as OpMessage)) {
        this.socket.send({ type: 'subscribe', playlist_id: this.playlistId, version: this.replica.version });
      }
    } else if (f.type === 'ack' || f.type === 'rejected') {
      this.replica.settle(f.client_op_id);
      this.answered(f);
    }
  }

  private answered(f: Frame): void {
    if (!this.answers.has(f.client_op_id)) this.answers.set(f.client_op_id, f);
    this.waiting.get(f.client_op_id)?.(f);
    this.waiting.delete(f.client_op_id);
  }

  private send(pending: PendingEdit): void {
    this.socket.send({
      type: 'edit',
      playlist_id: this.playlistId,
      client_op_id: pending.clientOpId,
      version: pending.baseVersion,
      edits: [pending.edit],
    });
  }

  /** Sends an edit made on the current replica; resolves with the server's answer. */
  edit(edit: ItemEdit): Promise<Frame> {
    const pending = this.replica.edit(edit);
    if (!this.socket.closed) this.send(pending);
    return this.answer(pending.clientOpId);
  }

  /** The server's answer to an edit, on whichever connection it arrives. */
  answer(clientOpId: string, timeoutMs = 10_000): Promise<Frame> {
    const known = this.answers.get(clientOpId);
    if (known) return Promise.resolve(known);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${clientOpId}`)), timeoutMs);
      this.waiting.set(clientOpId, (f) => {
        clearTimeout(timer);
        resolve(f);
      });
    });
  }

  trackIds(): string[] {
    return this.replica.items.map((it) => it.trackId);
  }
}

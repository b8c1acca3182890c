import type { FastifyBaseLogger } from 'fastify';
import { DomainError } from '../../core/errors.js';
import type { PlaylistEditor } from '../../core/playlists/editor.js';
import { clientOp, type LiveOp, type PlaylistTopicMessage } from '../../core/playlists/live-topic.js';
import type { OpMessage } from '../../core/playlists/replica.js';
import { snapshotId } from '../../core/playlists/snapshot.js';
import { topics, type Unsubscribe } from '../../ports/event-bus.js';
import { statusOf } from '../errors.js';

/**
 * Each broadcast's client frame, made once: every socket then gets the same object, which the gateway
 * serialises once however many sockets it goes to (the bus hands all its local handlers one object).
 */
const clientFrames = new WeakMap<LiveOp, OpMessage>();
function clientFrame(op: LiveOp): OpMessage {
  let frame = clientFrames.get(op);
  if (frame === undefined) {
    frame = clientOp(op);
    clientFrames.set(op, frame);
  }
  return frame;
}

export interface SubscriptionPorts {
  editor: Pick<PlaylistEditor, 'authorizeRead' | 'catchUp'>;
  /** Listens on a bus topic for this socket. */
  listen(topic: string, handler: (message: unknown) => void): Promise<Unsubscribe>;
  /** A direct answer to the client. */
  send(frame: unknown): void;
  /** Live traffic (dropped with the socket when the client cannot keep up). */
  push(frame: unknown): void;
  /** The subscription ended by itself (refused or dropped): the connection forgets it. */
  ended(): void;
  log: FastifyBaseLogger;
}

/**
 * One socket's subscription to one playlist's edits. The listener hears an edit only when allowed to
 * read the playlist as of that edit:
 * - access is checked before the socket listens on the topic at all, then again by the catch-up;
 *   what the topic carries meanwhile is held until the catch-up has answered;
 * - when access may have been taken away (a notice, or an edit made under a newer access version than
 *   the one last checked: see live-topic.ts) the topic's messages are held while access is checked
 *   again, then released in order, or dropped with the subscription and a frame telling the client:
 *   `{type: "unsubscribed", playlist_id, reason: "access_revoked", status: 404, message}`.
 * The bus delivers one topic's messages in order, so holding them keeps the order too.
 */
export class PlaylistSubscription {
  /** The access version last confirmed for this listener. */
  private confirmed = 0;
  /** Messages waiting for a check to finish; null while they flow straight to the client. */
  private held: PlaylistTopicMessage[] | null = [];
  private unsubscribe: Unsubscribe | undefined;
  private closed = false;

  constructor(
    private readonly playlistId: string,
    private readonly userId: string,
    private readonly ports: SubscriptionPorts,
  ) {}

  /** Authorizes, listens, then catches up from `version` (listening first, so no edit falls between). */
  async start(version: number | undefined): Promise<void> {
    const { editor } = this.ports;
    try {
      this.confirmed = await editor.authorizeRead(this.playlistId, this.userId);
    } catch (err) {
      return this.refuse(err);
    }
    if (this.closed) return;
    const unsubscribe = await this.ports.listen(topics.playlist(this.playlistId), (m) =>
      this.receive(m as PlaylistTopicMessage),
    );
    if (this.closed) return unsubscribe();
    this.unsubscribe = unsubscribe;
    let caught: Awaited<ReturnType<typeof editor.catchUp>>;
    try {
      caught = await editor.catchUp(this.playlistId, this.userId, version);
    } catch (err) {
      return this.refuse(err);
    }
    if (this.closed) return;
    const { send } = this.ports;
    if (caught.items) {
      send({
        type: 'playlist_state',
        playlistId: this.playlistId,
        version: caught.version,
        snapshot_id: snapshotId(this.playlistId, caught.version),
        items: caught.items.map(({ itemId, trackId, addedBy, addedAt }) => ({ itemId, trackId, addedBy, addedAt })),
      });
    }
    for (const m of caught.messages) send(m);
    send({ type: 'subscribed', playlist_id: this.playlistId, version: caught.version });
    this.confirmed = caught.accessVersion;
    // What was heard during the catch-up, less the edits the catch-up already sent.
    const held = (this.held ?? []).filter((m) => m.type !== 'playlist_op' || m.version > caught.version);
    this.held = null;
    this.flow(held);
  }

  /** Stops listening; nothing more is sent for this playlist. */
  async close(): Promise<void> {
    this.closed = true;
    this.held = null;
    const unsubscribe = this.unsubscribe;
    this.unsubscribe = undefined;
    await unsubscribe?.();
  }

  private receive(message: PlaylistTopicMessage): void {
    if (this.closed) return;
    if (this.held) this.held.push(message);
    else this.flow([message]);
  }

  /** Forwards messages in order until one calls for a check; that one (if an edit) and the rest wait. */
  private flow(messages: PlaylistTopicMessage[]): void {
    for (const [i, m] of messages.entries()) {
      if (this.closed) return;
      if (m.type === 'playlist_op' && !(m.accessVersion > this.confirmed)) {
        this.ports.push(clientFrame(m));
        continue;
      }
      // A notice, or an edit made after someone lost access (anything unknown too, to be safe): is this
      // listener still allowed? The notice itself is not forwarded.
      this.held = messages.slice(m.type === 'playlist_op' ? i : i + 1);
      void this.recheck();
      return;
    }
  }

  private async recheck(): Promise<void> {
    try {
      const accessVersion = await this.ports.editor.authorizeRead(this.playlistId, this.userId);
      this.confirmed = Math.max(this.confirmed, accessVersion);
    } catch (err) {
      return this.drop(err);
    }
    if (this.closed) return;
    const held = this.held ?? [];
    this.held = null;
    this.flow(held);
  }

  /** Access is gone (or cannot be confirmed: then the client may subscribe again later). */
  private async drop(err: unknown): Promise<void> {
    if (this.closed) return;
    const revoked = err instanceof DomainError;
    if (!revoked) this.ports.log.error({ err, playlistId: this.playlistId }, 'live access check failed');
    const closing = this.close();
    this.ports.ended();
    this.ports.send({
      type: 'unsubscribed',
      playlist_id: this.playlistId,
      reason: revoked ? 'access_revoked' : 'unavailable',
      status: revoked ? statusOf(err) : 503,
      message: revoked ? 'you may no longer read this playlist' : 'could not check your access; subscribe again',
    });
    await closing;
  }

  /** Refused at the start: the client gets the error frame, the socket no longer listens. */
  private async refuse(err: unknown): Promise<void> {
    if (this.closed) return;
    await this.close();
    this.ports.ended();
    if (!(err instanceof DomainError)) throw err;
    this.ports.send({ type: 'error', playlist_id: this.playlistId, status: statusOf(err), message: err.message });
  }
}

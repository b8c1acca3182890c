import {
  type OpMessage,
  type PendingEdit,
  PlaylistReplica,
  type ReplicaItem,
} from '../../../src/core/playlists/replica.js';
import type { ItemEdit } from '../../../src/core/playlists/types.js';
import type { Frame } from '../api/frames.js';

/** Where the listener's own edits stand, as the server last answered. */
export type SyncStatus =
  | { kind: 'connecting' | 'live' | 'offline' }
  | { kind: 'saving'; pending: number }
  | { kind: 'saved'; version: number }
  | { kind: 'rejected' | 'error'; message: string }
  /** The gateway dropped the subscription: the listener may no longer read the playlist. */
  | { kind: 'revoked' };

const randomId = () => Math.random().toString(36).slice(2, 10);

/**
 * One open playlist on the live gateway, without React or a socket: frames come in through
 * `receive`, frames go out through `send` (false when not connected). It keeps the replica current
 * from `playlist_state` and `playlist_op` in server order, asks to catch up when versions were
 * skipped, sends the listener's edits against the replica's version, and after a reconnect re-sends
 * every edit the server never answered (the server applies each client op id at most once).
 */
export class LivePlaylistSession {
  readonly replica: PlaylistReplica;
  private ready = false;
  /** Access was taken away: the items are stale and the session does not subscribe again. */
  private revoked = false;
  status: SyncStatus = { kind: 'connecting' };
  /** The last change made by someone else (or by this listener elsewhere), to announce. */
  remote: OpMessage | null = null;

  constructor(
    readonly playlistId: string,
    readonly userId: string,
    private readonly send: (frame: Frame) => boolean,
    private readonly changed: () => void,
    clientId = `${userId}:${randomId()}`,
  ) {
    // Op ids start with the user's id: the server keeps them as they are and echoes them back.
    this.replica = new PlaylistReplica(clientId, [], 0);
  }

  /** The items, or null until the gateway sent the playlist's state. */
  get items(): ReplicaItem[] | null {
    return this.ready ? this.replica.items : null;
  }

  /** Subscribes, from the replica's version when it has one (the gateway then sends only what was missed). */
  subscribe(): void {
    if (this.revoked) return;
    this.send({
      type: 'subscribe',
      playlist_id: this.playlistId,
      version: this.ready ? this.replica.version : undefined,
    });
  }

  unsubscribe(): void {
    this.send({ type: 'unsubscribe', playlist_id: this.playlistId });
  }

  edit = (edit: ItemEdit): void => {
    if (this.revoked) return;
    const pending = this.replica.edit(edit);
    this.setStatus({ kind: 'saving', pending: this.replica.unacknowledged().length });
    // Offline, the edit waits in the replica and goes out after the next `subscribed`.
    this.sendEdit(pending);
  };

  receive(f: Frame): void {
    if (f.type === 'welcome') this.subscribe();
    else if (f.type === 'closed') this.setStatus({ kind: 'offline' });
    else if (f.type === 'playlist_state' && f.playlistId === this.playlistId) this.reset(f);
    else if (f.type === 'playlist_op' && f.playlistId === this.playlistId) this.apply(f as OpMessage);
    else if (f.type === 'subscribed' && f.playlist_id === this.playlistId) {
      for (const p of this.replica.unacknowledged()) this.sendEdit(p);
      this.setStatus(this.saving() ?? { kind: 'live' });
    } else if (f.type === 'unsubscribed' && f.playlist_id === this.playlistId && f.reason === 'access_revoked') {
      this.revoked = true;
      this.setStatus({ kind: 'revoked' });
    } else if (f.type === 'unsubscribed' && f.playlist_id === this.playlistId && f.reason) {
      // Dropped because the server could not check access just then: ask again.
      this.setStatus({ kind: 'error', message: String(f.message) });
      this.subscribe();
    } else if (f.type === 'error' && f.playlist_id === this.playlistId) {
      this.setStatus({ kind: 'error', message: String(f.message) });
    } else if ((f.type === 'ack' || f.type === 'rejected') && this.isMine(f.client_op_id)) {
      this.replica.settle(f.client_op_id);
      if (f.type === 'rejected') this.setStatus({ kind: 'rejected', message: String(f.message) });
      else this.setStatus(this.saving() ?? { kind: 'saved', version: f.version });
    }
  }

  private reset(f: Frame): void {
    this.replica.items = (f.items as ReplicaItem[]).map(({ itemId, trackId }) => ({ itemId, trackId }));
    this.replica.version = f.version as number;
    this.ready = true;
    this.changed();
  }

  private apply(op: OpMessage): void {
    if (!this.ready) return;
    if (op.version <= this.replica.version) return;
    if (!this.replica.receive(op)) {
      this.subscribe();
      return;
    }
    if (!this.isMine(op.clientOpId)) this.remote = op;
    this.changed();
  }

  private sendEdit(p: PendingEdit): void {
    this.send({
      type: 'edit',
      playlist_id: this.playlistId,
      client_op_id: p.clientOpId,
      version: p.baseVersion,
      edits: [p.edit],
    });
  }

  private isMine(clientOpId: unknown): boolean {
    return typeof clientOpId === 'string' && clientOpId.startsWith(`${this.replica.clientId}.`);
  }

  private saving(): SyncStatus | null {
    const pending = this.replica.unacknowledged().length;
    return pending > 0 ? { kind: 'saving', pending } : null;
  }

  private setStatus(status: SyncStatus): void {
    this.status = status;
    this.changed();
  }
}

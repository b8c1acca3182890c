import type { AppliedOp } from './positions.js';
import { applyOp } from './positions.js';
import type { ItemEdit } from './types.js';

/** What the server broadcasts for every applied edit, and what a resume replays. */
export interface OpMessage {
  type: 'playlist_op';
  playlistId: string;
  version: number;
  op: AppliedOp;
  /** The new items of an add or replace, in block order; empty for removes and moves. */
  items: { itemId: string; trackId: string; addedBy: string | null; addedAt: number }[];
  userId: string | null;
  clientOpId: string | null;
}

export interface ReplicaItem {
  itemId: string;
  trackId: string;
}

export interface PendingEdit {
  clientOpId: string;
  baseVersion: number;
  edit: ItemEdit;
}

/**
 * An editor's copy of a playlist: the list at the last version it heard of, and its own edits not yet
 * acknowledged. Edits are made against the confirmed list and sent with its version; the server
 * transforms them. After a disconnect the replica catches up from the ops it missed and re-sends
 * every pending edit with its original id, which the server applies at most once.
 */
export class PlaylistReplica {
  private pending: PendingEdit[] = [];
  private sequence = 0;

  constructor(
    readonly clientId: string,
    public items: ReplicaItem[],
    public version: number,
  ) {}

  /** Records a new edit against the confirmed list; the caller sends the returned request. */
  edit(edit: ItemEdit): PendingEdit {
    const pending = { clientOpId: `${this.clientId}.${++this.sequence}`, baseVersion: this.version, edit };
    this.pending.push(pending);
    return pending;
  }

  /** Applies a broadcast. Returns false when versions were skipped: the caller must resume first. */
  receive(message: OpMessage): boolean {
    if (message.version <= this.version) return true;
    if (message.version !== this.version + 1) return false;
    const block = message.items.map(({ itemId, trackId }) => ({ itemId, trackId }));
    this.items = applyOp(this.items, message.op, block);
    this.version = message.version;
    if (message.clientOpId) this.settle(message.clientOpId);
    return true;
  }

  /** The server answered this edit (applied, unchanged, duplicate or refused): stop re-sending it. */
  settle(clientOpId: string): void {
    this.pending = this.pending.filter((p) => p.clientOpId !== clientOpId);
  }

  /** Edits to send again after a reconnect, oldest first. */
  unacknowledged(): PendingEdit[] {
    return [...this.pending];
  }
}

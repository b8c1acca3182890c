import { useCallback, useEffect, useRef, useState } from 'react';
import {
  type OpMessage,
  type PendingEdit,
  PlaylistReplica,
  type ReplicaItem,
} from '../../../src/core/playlists/replica.js';
import type { ItemEdit } from '../../../src/core/playlists/types.js';
import { type Frame, live } from '../api/live.js';

/** Where the listener's own edits stand, as the server last answered. */
export type SyncStatus =
  | { kind: 'connecting' | 'live' | 'offline' }
  | { kind: 'saving'; pending: number }
  | { kind: 'saved'; version: number }
  | { kind: 'rejected' | 'error'; message: string };

export interface LivePlaylist {
  /** Null until the gateway sent the playlist's state. */
  items: ReplicaItem[] | null;
  version: number;
  status: SyncStatus;
  /** The last change made by someone else, to announce. */
  remote: OpMessage | null;
  edit: (edit: ItemEdit) => void;
}

const randomId = () => Math.random().toString(36).slice(2, 10);

/**
 * A live copy of one playlist's items: subscribes on the gateway, applies every `playlist_op` in
 * server order, and sends the listener's edits against the replica's version. After a reconnect it
 * catches up from its version and re-sends the edits the server never answered (applied at most once).
 */
export function useLivePlaylist(playlistId: string, userId: string): LivePlaylist {
  const [replica] = useState(() => new PlaylistReplica(`${userId}:${randomId()}`, [], 0));
  const ready = useRef(false);
  const [, setTick] = useState(0);
  const [status, setStatus] = useState<SyncStatus>({ kind: 'connecting' });
  const [remote, setRemote] = useState<OpMessage | null>(null);

  const sendEdit = useCallback(
    (p: PendingEdit) =>
      live.send({
        type: 'edit',
        playlist_id: playlistId,
        client_op_id: p.clientOpId,
        version: p.baseVersion,
        edits: [p.edit],
      }),
    [playlistId],
  );

  useEffect(() => {
    const redraw = () => setTick((t) => t + 1);
    const subscribe = () =>
      live.send({ type: 'subscribe', playlist_id: playlistId, version: ready.current ? replica.version : undefined });
    const mine = (f: Frame) => typeof f.client_op_id === 'string' && f.client_op_id.startsWith(`${replica.clientId}.`);
    const settled = () => {
      const pending = replica.unacknowledged().length;
      return pending > 0 ? ({ kind: 'saving', pending } as const) : null;
    };
    const onFrame = (f: Frame) => {
      if (f.type === 'welcome') subscribe();
      else if (f.type === 'closed') setStatus({ kind: 'offline' });
      else if (f.type === 'playlist_state' && f.playlistId === playlistId) {
        replica.items = (f.items as ReplicaItem[]).map(({ itemId, trackId }) => ({ itemId, trackId }));
        replica.version = f.version as number;
        ready.current = true;
        redraw();
      } else if (f.type === 'playlist_op' && f.playlistId === playlistId && ready.current) {
        if (!replica.receive(f as OpMessage)) return void subscribe();
        if (f.userId !== userId || !String(f.clientOpId ?? '').startsWith(replica.clientId)) setRemote(f as OpMessage);
        redraw();
      } else if (f.type === 'subscribed' && f.playlist_id === playlistId) {
        for (const p of replica.unacknowledged()) sendEdit(p);
        setStatus(settled() ?? { kind: 'live' });
      } else if (f.type === 'error' && f.playlist_id === playlistId) {
        setStatus({ kind: 'error', message: f.message });
      } else if ((f.type === 'ack' || f.type === 'rejected') && mine(f)) {
        replica.settle(f.client_op_id);
        if (f.type === 'rejected') setStatus({ kind: 'rejected', message: f.message });
        else setStatus(settled() ?? { kind: 'saved', version: f.version });
        redraw();
      }
    };
    const stop = live.listen(onFrame);
    if (live.isOpen()) subscribe();
    return () => {
      live.send({ type: 'unsubscribe', playlist_id: playlistId });
      stop();
    };
  }, [playlistId, replica, userId, sendEdit]);

  const edit = useCallback(
    (e: ItemEdit) => {
      const pending = replica.edit(e);
      setStatus({ kind: 'saving', pending: replica.unacknowledged().length });
      // Offline, the edit waits in the replica and goes out after the next `subscribed`.
      sendEdit(pending);
    },
    [replica, sendEdit],
  );

  return {
    items: ready.current ? replica.items : null,
    version: replica.version,
    status,
    remote,
    edit,
  };
}

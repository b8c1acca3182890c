import { useEffect, useState } from 'react';
import type { OpMessage, ReplicaItem } from '../../../src/core/playlists/replica.js';
import type { ItemEdit } from '../../../src/core/playlists/types.js';
import { live } from '../api/live.js';
import { LivePlaylistSession, type SyncStatus } from './live-session.js';

export type { SyncStatus };

export interface LivePlaylist {
  /** Null until the gateway sent the playlist's state. */
  items: ReplicaItem[] | null;
  version: number;
  status: SyncStatus;
  /** The last change made by someone else, to announce. */
  remote: OpMessage | null;
  edit: (edit: ItemEdit) => void;
}

/** A live copy of one playlist's items on the shared gateway connection (see LivePlaylistSession). */
export function useLivePlaylist(playlistId: string, userId: string): LivePlaylist {
  const [, setTick] = useState(0);
  const [session] = useState(() => new LivePlaylistSession(playlistId, userId, live.send, () => setTick((t) => t + 1)));
  useEffect(() => {
    const stop = live.listen((frame) => session.receive(frame));
    if (live.isOpen()) session.subscribe();
    return () => {
      session.unsubscribe();
      stop();
    };
  }, [session]);
  return {
    items: session.items,
    version: session.replica.version,
    status: session.status,
    remote: session.remote,
    edit: session.edit,
  };
}

import type { OpMessage } from './replica.js';

/**
 * What travels on a playlist's bus topic (`topics.playlist(id)`) from the processes that change the
 * playlist to the live gateways that forward its edits to listeners.
 *
 * Listeners may lose the right to read a playlist while subscribed. Two things tell a gateway to check
 * again: a notice published after the change commits (prompt, but the bus delivers at most once and
 * does not order one publisher against another), and the access version every edit is stamped with
 * (the playlist's `access_version`, bumped in the same transaction as any change that takes access
 * away, under the row lock every edit holds). An edit made under a newer access version than the one
 * a listener was last checked against waits until the check is done, so no edit made after the change
 * can reach someone it no longer concerns, even when the notice is late or lost.
 */

/** An applied edit as broadcast: the client's frame plus the access version it was made under. */
export type LiveOp = OpMessage & { accessVersion: number };

/** Someone may have lost the right to read the playlist: every subscriber checks again. */
export interface AccessNarrowed {
  type: 'playlist_access_narrowed';
  playlistId: string;
}

export type PlaylistTopicMessage = LiveOp | AccessNarrowed;

export function accessNarrowed(playlistId: string): AccessNarrowed {
  return { type: 'playlist_access_narrowed', playlistId };
}

/** The frame a client gets for an edit: the broadcast without the access version (internal). */
export function clientOp({ accessVersion: _, ...message }: LiveOp): OpMessage {
  return message;
}

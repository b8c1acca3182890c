import { Conflict } from '../errors.js';

/**
 * A playlist's `snapshot_id` is opaque to clients; inside it is the playlist id and the version of its
 * items, so a write naming an older snapshot can be rebased onto the edits made since.
 */
export function snapshotId(playlistId: string, version: number): string {
  return Buffer.from(`${playlistId}:${version}`).toString('base64url');
}

/** The version a snapshot names, or a Conflict when it is not a snapshot of this playlist. */
export function snapshotVersion(playlistId: string, snapshot: string, current: number): number {
  const decoded = Buffer.from(snapshot, 'base64url').toString('utf8');
  const match = /^([0-9A-Za-z]+):(\d{1,15})$/.exec(decoded);
  const version = match ? Number(match[2]) : Number.NaN;
  if (!match || match[1] !== playlistId || version > current) {
    throw new Conflict(
      `snapshot_id is not a snapshot of this playlist; the current one is ${snapshotId(playlistId, current)}`,
      'snapshot_id',
    );
  }
  return version;
}

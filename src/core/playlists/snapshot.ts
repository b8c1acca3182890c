/**
 * A playlist's `snapshot_id` is opaque to clients; inside it is the playlist id and the version of its
 * items, so a write naming an older snapshot can be rebased onto the edits made since.
 */
export function snapshotId(playlistId: string, version: number): string {
  return Buffer.from(`${playlistId}:${version}`).toString('base64url');
}

/** The version a snapshot names, or -1 when it is not a snapshot of this playlist (the edit is refused). */
export function snapshotVersion(playlistId: string, snapshot: string): number {
  const match = /^([0-9A-Za-z]+):(\d{1,15})$/.exec(Buffer.from(snapshot, 'base64url').toString('utf8'));
  return match && match[1] === playlistId ? Number(match[2]) : -1;
}

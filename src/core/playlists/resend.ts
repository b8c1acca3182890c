import { createHash } from 'node:crypto';
import { Conflict } from '../errors.js';
import type { ItemEdit } from './types.js';

/**
 * Re-sent edits. An editor that lost an answer sends the edit again under the same client op id; the
 * server answers it as it answered the first time, whatever version the re-send now names, and applies
 * it at most once. The same op id asking for something else is refused: answering it with the first
 * ack would tell the editor its new edit was made when it was not.
 */

/** What the log holds about an op id: the version its edit made and the digest of the request. */
export interface AppliedOpId {
  version: number;
  /** Absent on entries logged before digests were kept: those are taken to match. */
  digest: string | null;
}

/** The op ids a request is logged under: its own for one edit, `id#i` for each of several. */
export function loggedOpIds(clientOpId: string | undefined, editCount: number): (string | undefined)[] {
  if (!clientOpId) return Array.from({ length: editCount }, () => undefined);
  if (editCount === 1) return [clientOpId];
  return Array.from({ length: editCount }, (_, i) => `${clientOpId}#${i}`);
}

/** What a request asks for, without the version it was made on (a re-send may name a newer one). */
export function requestDigest(edits: ItemEdit[]): string {
  return createHash('sha256')
    .update(JSON.stringify(edits.map(canonical)))
    .digest('base64url')
    .slice(0, 32);
}

/** An edit's fields in a fixed order, so the same edit digests the same however its frame was written. */
function canonical(edit: ItemEdit): unknown[] {
  switch (edit.type) {
    case 'add':
      return [edit.type, edit.index ?? null, edit.trackIds];
    case 'remove':
      return [edit.type, edit.tracks.map((t) => [t.trackId, t.positions ?? null])];
    case 'move':
      return [edit.type, edit.rangeStart, edit.rangeLength, edit.insertBefore];
    case 'replace':
      return [edit.type, edit.trackIds];
  }
}

/**
 * The version a request's earlier application answered, when any of its op ids was applied before
 * (a request's entries are committed together, so one found means all of it was made); undefined for
 * a new request. Throws Conflict when the op id was used for a different request.
 */
export function earlierAnswer(
  opIds: (string | undefined)[],
  digest: string,
  applied: ReadonlyMap<string, AppliedOpId>,
): number | undefined {
  let version: number | undefined;
  for (const id of opIds) {
    const earlier = id === undefined ? undefined : applied.get(id);
    if (!earlier) continue;
    if (earlier.digest !== null && earlier.digest !== digest) {
      throw new Conflict(
        'client_op_id was already used for a different edit; send a new edit with a new id',
        'client_op_id',
      );
    }
    version = Math.max(version ?? 0, earlier.version);
  }
  return version;
}

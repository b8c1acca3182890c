import type { EventBus } from '../../ports/event-bus.js';
import { topics } from '../../ports/event-bus.js';
import { Conflict, DomainError, Forbidden, Invalid, NotFound } from '../errors.js';
import { newId } from '../ids.js';
import { canEditItems, canRead, type PlaylistRole, roleFromRow } from './access.js';
import { type LoggedOp, PlaylistDocument, type PlaylistItem } from './document.js';
import type { LiveOp } from './live-topic.js';
import type { OpMessage } from './replica.js';
import { type AppliedOpId, earlierAnswer, loggedOpIds, requestDigest } from './resend.js';
import { snapshotId } from './snapshot.js';
import type { EditRequest, EditResult } from './types.js';

export interface LockedPlaylistRow {
  ownerId: string;
  /** The listener a generated playlist was made for (access.ts), or null. */
  madeFor: string | null;
  public: boolean;
  collaborative: boolean;
  version: number;
  /** Bumped whenever someone may have lost read access (live-topic.ts); broadcasts carry it. */
  accessVersion: number;
  /** Which of the asked users are collaborators. */
  collaborators: Set<string>;
  /** Which of the asked tracks are ready and published. */
  playable: Set<string>;
}

export interface PlaylistChanges {
  version: number;
  trackCount: number;
  deleted: string[];
  inserted: PlaylistItem[];
  rekeyed: { itemId: string; sortKey: string }[];
  /**
   * The log entries, each with the message that broadcast it (replayed to editors that resume) and
   * the digest of the request that made it (to tell a re-send from another edit under the same op id).
   */
  ops: (LoggedOp & { message: OpMessage; digest: string | null })[];
}

/** One transaction holding the playlist's row lock; what the editor needs from storage inside it. */
export interface LockedPlaylist {
  row: LockedPlaylistRow | undefined;
  items(): Promise<PlaylistItem[]>;
  opsAfter(version: number): Promise<LoggedOp[]>;
  /** The broadcasts of the edits after `version`, oldest first, at most `limit`. */
  messagesAfter(version: number, limit: number): Promise<OpMessage[]>;
  /** Which of these client op ids the whole log holds (read under the lock, after every earlier batch). */
  appliedOps(clientOpIds: string[]): Promise<Map<string, AppliedOpId>>;
  save(changes: PlaylistChanges): Promise<void>;
}

export interface PlaylistEditsRepository {
  /**
   * Locks the playlist and reads its row with what is asked about these users and tracks, in one go;
   * `readOnly` reads a consistent snapshot without the lock (and must not save).
   */
  locked<T>(
    playlistId: string,
    ask: { users: string[]; tracks: string[]; readOnly?: boolean },
    work: (playlist: LockedPlaylist) => Promise<T>,
  ): Promise<T>;
}

interface Queued {
  request: EditRequest & { clientOpId?: string };
  resolve(result: EditResult): void;
  reject(err: unknown): void;
}

/** A batch is one commit, and one playlist's batches run one after another: its edit rate is commits per second × batch. */
const BATCH = 256;
const CACHE_SIZE = 2_000;
/** Past this many missed edits a resuming editor gets the whole list instead. */
const REPLAY_LIMIT = 500;
/** Log entries kept with a cached playlist, so edits a little behind need no read of the log. */
const LOG_IN_MEMORY = 2_000;

/**
 * The one writer of playlist items. Edits for a playlist queue here and are applied in batches inside
 * one transaction on the playlist's row lock, so several API processes agree on one order; each is
 * transformed against the edits since its version (document.ts), persisted with the log entry that a
 * late editor will be transformed against, then broadcast on the event bus.
 */
export class PlaylistEditor {
  private readonly queues = new Map<string, Queued[]>();
  private readonly documents = new Map<string, PlaylistDocument>();

  constructor(
    private readonly repo: PlaylistEditsRepository,
    private readonly bus: EventBus,
    private readonly options: { now?: () => number; onPublishError?: (err: unknown) => void } = {},
  ) {}

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /**
   * Edits are committed before they are broadcast: a failed broadcast loses nothing, since editors
   * that missed it catch up from the log when they notice the gap or reconnect.
   */
  private async broadcast(playlistId: string, messages: LiveOp[]): Promise<void> {
    try {
      for (const m of messages) await this.bus.publish(topics.playlist(playlistId), m);
    } catch (err) {
      this.options.onPublishError?.(err);
    }
  }

  edit(request: EditRequest & { clientOpId?: string }): Promise<EditResult> {
    return new Promise((resolve, reject) => {
      const queue = this.queues.get(request.playlistId);
      if (queue) queue.push({ request, resolve, reject });
      else {
        this.queues.set(request.playlistId, [{ request, resolve, reject }]);
        void this.drain(request.playlistId);
      }
    });
  }

  private async drain(playlistId: string): Promise<void> {
    for (;;) {
      const queue = this.queues.get(playlistId) ?? [];
      const batch = queue.splice(0, BATCH);
      if (batch.length === 0) {
        this.queues.delete(playlistId);
        return;
      }
      try {
        const edits = batch.flatMap(({ request }) => request.edits);
        const ask = {
          users: [...new Set(batch.map((q) => q.request.userId))],
          tracks: [...new Set(edits.flatMap((e) => (e.type === 'add' || e.type === 'replace' ? e.trackIds : [])))],
        };
        const { results, messages } = await this.repo.locked(playlistId, ask, (locked) =>
          this.apply(playlistId, batch, locked),
        );
        batch.forEach((q, i) => {
          const r = results[i] as EditResult | Error;
          if (r instanceof Error) q.reject(r);
          else q.resolve(r);
        });
        await this.broadcast(playlistId, messages);
      } catch (err) {
        this.documents.delete(playlistId);
        for (const q of batch) q.reject(err);
      }
    }
  }

  private async apply(playlistId: string, batch: Queued[], locked: LockedPlaylist) {
    const row = locked.row;
    if (!row) return { results: batch.map(() => new NotFound('playlist not found')), messages: [] };
    let doc = this.documents.get(playlistId);
    if (!doc || doc.version !== row.version)
      doc = new PlaylistDocument(await locked.items(), row.version, [], row.version);
    // A version past the current one is refused edit by edit (document.ts): no log to read for it.
    const oldest = Math.max(0, Math.min(row.version, ...batch.map((q) => q.request.baseVersion ?? row.version)));
    if (!doc.covers(oldest)) doc.replaceLog(await locked.opsAfter(oldest), oldest);
    const { collaborators, playable } = row;
    const before = new Map(doc.items.map((it) => [it.itemId, it.sortKey]));
    const ops: PlaylistChanges['ops'] = [];
    const messages: OpMessage[] = [];
    // Re-sends are answered edit by edit from the whole log (and from this batch as it goes): one is
    // never applied twice, so no write of the batch can trip over the log's unique op ids.
    const opIds = batch.map(({ request }) => loggedOpIds(request.clientOpId, request.edits.length));
    const applied = await locked.appliedOps(opIds.flat().filter((id) => id !== undefined));
    const results = batch.map(({ request }, i) => {
      try {
        const role: PlaylistRole = roleFromRow(request.userId, row, (u) => collaborators.has(u));
        if (!canEditItems(role, row)) {
          throw canRead(role, row)
            ? new Forbidden('you may not edit this playlist')
            : new NotFound('playlist not found');
        }
        const digest = request.clientOpId ? requestDigest(request.edits) : null;
        const earlier = digest === null ? undefined : earlierAnswer(opIds[i] ?? [], digest, applied);
        if (earlier !== undefined) return { version: earlier, snapshotId: snapshotId(playlistId, earlier) };
        const from = ops.length;
        try {
          return this.applyOne(doc, request, playable, ops, messages, digest);
        } finally {
          // What will be saved, even of a request refused part-way, so a re-send in this batch finds it.
          for (const op of ops.slice(from)) {
            if (op.clientOpId) applied.set(op.clientOpId, { version: op.version, digest });
          }
        }
      } catch (err) {
        // A refused write tells the editor which snapshot to start again from.
        if (err instanceof Conflict) {
          return new Conflict(
            `${err.message}; the current snapshot_id is ${snapshotId(playlistId, doc.version)}`,
            err.field,
          );
        }
        if (err instanceof DomainError) return err;
        throw err;
      }
    });
    if (ops.length > 0) await locked.save(diff(doc, before, ops));
    doc.trimLog(LOG_IN_MEMORY);
    this.remember(playlistId, doc);
    return { results, messages: messages.map((m): LiveOp => ({ ...m, accessVersion: row.accessVersion })) };
  }

  private applyOne(
    doc: PlaylistDocument,
    request: EditRequest & { clientOpId?: string },
    playable: Set<string>,
    ops: PlaylistChanges['ops'],
    messages: OpMessage[],
    digest: string | null,
  ): EditResult {
    const base = request.baseVersion ?? doc.version;
    for (const edit of request.edits) {
      if (edit.type !== 'add' && edit.type !== 'replace') continue;
      const unknown = edit.trackIds.findIndex((id) => !playable.has(id));
      if (unknown >= 0)
        throw new Invalid(`uris[${unknown}] is not a playable track: ${edit.trackIds[unknown]}`, 'uris');
    }
    // Several edits in one request are one change: each is made on the list the one before it left.
    let at = base;
    let answered: number | undefined;
    const opIds = loggedOpIds(request.clientOpId, request.edits.length);
    for (const [i, edit] of request.edits.entries()) {
      const clientOpId = opIds[i];
      const outcome = doc.apply(edit, at, {
        userId: request.userId,
        now: this.now(),
        newItemId: newId,
        clientOpId,
      });
      if (outcome.kind === 'duplicate') at = answered = outcome.version;
      if (outcome.kind !== 'applied') continue;
      const { entry, block } = outcome;
      at = answered = entry.version;
      const message: OpMessage = {
        type: 'playlist_op',
        playlistId: request.playlistId,
        version: entry.version,
        op: entry.op,
        items: entry.op.moved
          ? []
          : block.map(({ itemId, trackId, addedBy, addedAt }) => ({ itemId, trackId, addedBy, addedAt })),
        userId: request.userId,
        clientOpId: entry.clientOpId,
      };
      ops.push({ ...entry, message, digest });
      messages.push(message);
    }
    // Nothing applied (a move onto itself, tracks already gone): the answer is the current version.
    const version = answered ?? doc.version;
    return { version, snapshotId: snapshotId(request.playlistId, version) };
  }

  /**
   * What an editor that saw `version` missed: the broadcasts since, or the whole list when it saw
   * nothing or too much has happened since, with the access version it was read under. Refuses who
   * may not read the playlist.
   */
  async catchUp(
    playlistId: string,
    userId: string,
    version: number | undefined,
  ): Promise<{ version: number; accessVersion: number; items?: PlaylistItem[]; messages: OpMessage[] }> {
    return this.repo.locked(playlistId, { users: [userId], tracks: [], readOnly: true }, async (locked) => {
      const row = readableBy(locked.row, userId);
      const { accessVersion } = row;
      if (version !== undefined && version <= row.version && row.version - version <= REPLAY_LIMIT) {
        return { version: row.version, accessVersion, messages: await locked.messagesAfter(version, REPLAY_LIMIT) };
      }
      return { version: row.version, accessVersion, items: await locked.items(), messages: [] };
    });
  }

  /** The playlist's access version, when `userId` may read the playlist; NotFound when not. */
  async authorizeRead(playlistId: string, userId: string): Promise<number> {
    return this.repo.locked(
      playlistId,
      { users: [userId], tracks: [], readOnly: true },
      async (locked) => readableBy(locked.row, userId).accessVersion,
    );
  }

  private remember(playlistId: string, doc: PlaylistDocument): void {
    this.documents.delete(playlistId);
    this.documents.set(playlistId, doc);
    if (this.documents.size > CACHE_SIZE) {
      const oldest = this.documents.keys().next().value;
      if (oldest !== undefined) this.documents.delete(oldest);
    }
  }
}

/** The row, when `userId` may read the playlist (followers read what strangers read); NotFound when not. */
function readableBy(row: LockedPlaylistRow | undefined, userId: string): LockedPlaylistRow {
  if (!row) throw new NotFound('playlist not found');
  const role: PlaylistRole = roleFromRow(userId, row, (u) => row.collaborators.has(u));
  if (!canRead(role, row)) throw new NotFound('playlist not found');
  return row;
}

/** What a batch changed, as rows: items gone, items new, items whose order key moved. */
function diff(doc: PlaylistDocument, before: Map<string, string>, ops: PlaylistChanges['ops']): PlaylistChanges {
  const inserted: PlaylistItem[] = [];
  const rekeyed: { itemId: string; sortKey: string }[] = [];
  const present = new Set<string>();
  for (const it of doc.items) {
    present.add(it.itemId);
    const key = before.get(it.itemId);
    if (key === undefined) inserted.push(it);
    else if (key !== it.sortKey) rekeyed.push({ itemId: it.itemId, sortKey: it.sortKey });
  }
  const deleted = [...before.keys()].filter((id) => !present.has(id));
  return { version: doc.version, trackCount: doc.items.length, deleted, inserted, rekeyed, ops };
}

import { sql } from 'kysely';
import type { LoggedOp, PlaylistItem } from '../../core/playlists/document.js';
import type { LockedPlaylist, PlaylistChanges, PlaylistEditsRepository } from '../../core/playlists/editor.js';
import type { AppliedOp } from '../../core/playlists/positions.js';
import type { OpMessage } from '../../core/playlists/replica.js';
import type { AppliedOpId } from '../../core/playlists/resend.js';
import type { Db } from './database.js';
import { VISIBLE_TRACK } from './visibility.js';

/**
 * playlist_ops.op: the normalised op, for adds the items it created (replayed on resume), and the
 * digest of the request that made it when it had a client op id (a re-send must ask the same).
 */
interface StoredOp {
  op: AppliedOp;
  items: OpMessage['items'];
  digest?: string;
}

/** Playlist item writes: every batch of edits in one transaction on the playlist's row lock. */
export class PgPlaylistEditsRepository implements PlaylistEditsRepository {
  constructor(private readonly db: Db) {}

  locked<T>(
    playlistId: string,
    ask: { users: string[]; tracks: string[]; readOnly?: boolean },
    work: (playlist: LockedPlaylist) => Promise<T>,
  ): Promise<T> {
    // A reader takes no lock: one repeatable-read snapshot keeps its row, items and log consistent.
    const transaction = ask.readOnly
      ? this.db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only')
      : this.db.transaction();
    return transaction.execute(async (tx) => {
      const found = await sql<{
        owner_id: string;
        made_for: string | null;
        public: boolean;
        collaborative: boolean;
        version: string;
        access_version: string;
        collaborators: string[];
        playable: string[];
      }>`select p.owner_id, p.made_for, p.public, p.collaborative, p.version, p.access_version,
          array(select c.user_id from playlist_collaborators c
                where c.playlist_id = p.id and c.user_id = any(${ask.users}::text[])) as collaborators,
          array(select t.id from tracks t join albums a on a.id = t.album_id
                where t.id = any(${ask.tracks}::text[]) and ${VISIBLE_TRACK}) as playable
        from playlists p where p.id = ${playlistId} ${ask.readOnly ? sql`` : sql`for update of p`}`.execute(tx);
      const row = found.rows[0];
      const locked: LockedPlaylist = {
        row: row && {
          ownerId: row.owner_id,
          madeFor: row.made_for,
          public: row.public,
          collaborative: row.collaborative,
          version: Number(row.version),
          accessVersion: Number(row.access_version),
          collaborators: new Set(row.collaborators),
          playable: new Set(row.playable),
        },
        async items() {
          const rows = await tx
            .selectFrom('playlist_items')
            .select(['item_id', 'track_id', 'sort_key', 'added_by', 'added_at'])
            .where('playlist_id', '=', playlistId)
            .orderBy('sort_key')
            .orderBy('item_id')
            .execute();
          return rows.map(
            (r): PlaylistItem => ({
              itemId: r.item_id,
              trackId: r.track_id,
              sortKey: r.sort_key,
              addedBy: r.added_by,
              addedAt: new Date(r.added_at).getTime(),
            }),
          );
        },
        async opsAfter(version) {
          const rows = await tx
            .selectFrom('playlist_ops')
            .select(['version', 'op', 'client_op_id'])
            .where('playlist_id', '=', playlistId)
            .where('version', '>', String(version))
            .orderBy('version')
            .execute();
          return rows.map(
            (r): LoggedOp => ({
              version: Number(r.version),
              op: (r.op as StoredOp).op,
              clientOpId: r.client_op_id,
            }),
          );
        },
        async messagesAfter(version, limit) {
          const rows = await tx
            .selectFrom('playlist_ops')
            .select(['version', 'op', 'client_op_id', 'user_id'])
            .where('playlist_id', '=', playlistId)
            .where('version', '>', String(version))
            .orderBy('version')
            .limit(limit)
            .execute();
          return rows.map((r): OpMessage => {
            const stored = r.op as StoredOp;
            return {
              type: 'playlist_op',
              playlistId,
              version: Number(r.version),
              op: stored.op,
              items: stored.items,
              userId: r.user_id,
              clientOpId: r.client_op_id,
            };
          });
        },
        async appliedOps(clientOpIds) {
          const applied = new Map<string, AppliedOpId>();
          if (clientOpIds.length === 0) return applied;
          // A statement of its own, after the lock: it sees every batch committed before this one.
          const rows = await sql<{ client_op_id: string; version: string; digest: string | null }>`
            select client_op_id, version, op->>'digest' as digest from playlist_ops
            where playlist_id = ${playlistId} and client_op_id = any(${clientOpIds}::text[])`.execute(tx);
          for (const r of rows.rows) applied.set(r.client_op_id, { version: Number(r.version), digest: r.digest });
          return applied;
        },
        async save(changes: PlaylistChanges) {
          // Every write of the batch in one statement: one round trip however many edits it holds.
          const { deleted, rekeyed, inserted: rows, ops } = changes;
          await sql`with
            gone as (delete from playlist_items where playlist_id = ${playlistId}
              and item_id = any(${deleted}::text[])),
            moved as (update playlist_items i set sort_key = k.sort_key
              from unnest(${rekeyed.map((r) => r.itemId)}::text[], ${rekeyed.map((r) => r.sortKey)}::text[])
                as k(item_id, sort_key)
              where i.playlist_id = ${playlistId} and i.item_id = k.item_id),
            added as (insert into playlist_items (playlist_id, item_id, sort_key, track_id, added_by, added_at)
              select ${playlistId}, * from unnest(${rows.map((r) => r.itemId)}::text[],
                ${rows.map((r) => r.sortKey)}::text[], ${rows.map((r) => r.trackId)}::text[],
                ${rows.map((r) => r.addedBy)}::text[], ${rows.map((r) => new Date(r.addedAt).toISOString())}::timestamptz[])),
            logged as (insert into playlist_ops (playlist_id, version, user_id, client_op_id, op)
              select ${playlistId}, * from unnest(${ops.map((o) => o.version)}::bigint[],
                ${ops.map((o) => o.message.userId)}::text[], ${ops.map((o) => o.clientOpId)}::text[],
                ${ops.map((o) => JSON.stringify({ op: o.op, items: o.message.items, digest: o.digest ?? undefined } satisfies StoredOp))}::jsonb[]))
            update playlists set version = ${changes.version}, track_count = ${changes.trackCount}, updated_at = now()
            where id = ${playlistId}`.execute(tx);
        },
      };
      return work(locked);
    });
  }
}

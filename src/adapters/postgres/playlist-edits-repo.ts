import { sql } from 'kysely';
import type { LoggedOp, PlaylistItem } from '../../core/playlists/document.js';
import type { LockedPlaylist, PlaylistChanges, PlaylistEditsRepository } from '../../core/playlists/editor.js';
import type { AppliedOp } from '../../core/playlists/positions.js';
import type { OpMessage } from '../../core/playlists/replica.js';
import type { Db } from './database.js';

/** playlist_ops.op: the normalised op and, for adds, the items it created (replayed on resume). */
interface StoredOp {
  op: AppliedOp;
  items: OpMessage['items'];
}

/** Playlist item writes: every batch of edits in one transaction on the playlist's row lock. */
export class PgPlaylistEditsRepository implements PlaylistEditsRepository {
  constructor(private readonly db: Db) {}

  locked<T>(playlistId: string, work: (playlist: LockedPlaylist) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(async (tx) => {
      const row = await tx
        .selectFrom('playlists')
        .select(['owner_id', 'public', 'collaborative', 'version'])
        .where('id', '=', playlistId)
        .forUpdate()
        .executeTakeFirst();
      const locked: LockedPlaylist = {
        row: row && {
          ownerId: row.owner_id,
          public: row.public,
          collaborative: row.collaborative,
          version: Number(row.version),
        },
        async collaborators(userIds) {
          if (userIds.length === 0) return new Set();
          const rows = await tx
            .selectFrom('playlist_collaborators')
            .select('user_id')
            .where('playlist_id', '=', playlistId)
            .where('user_id', 'in', userIds)
            .execute();
          return new Set(rows.map((r) => r.user_id));
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
        async playable(trackIds) {
          const rows = await tx
            .selectFrom('tracks as t')
            .innerJoin('albums as a', 'a.id', 't.album_id')
            .select('t.id')
            .where('t.id', 'in', trackIds)
            .where('t.status', '=', 'ready')
            .where('a.status', '=', 'published')
            .execute();
          return new Set(rows.map((r) => r.id));
        },
        async save(changes: PlaylistChanges) {
          if (changes.deleted.length > 0) {
            await sql`delete from playlist_items where playlist_id = ${playlistId}
              and item_id = any(${changes.deleted}::text[])`.execute(tx);
          }
          if (changes.rekeyed.length > 0) {
            await sql`update playlist_items i set sort_key = k.sort_key
              from unnest(${changes.rekeyed.map((r) => r.itemId)}::text[], ${changes.rekeyed.map((r) => r.sortKey)}::text[])
                as k(item_id, sort_key)
              where i.playlist_id = ${playlistId} and i.item_id = k.item_id`.execute(tx);
          }
          if (changes.inserted.length > 0) {
            const rows = changes.inserted;
            await sql`insert into playlist_items (playlist_id, item_id, sort_key, track_id, added_by, added_at)
              select ${playlistId}, * from unnest(${rows.map((r) => r.itemId)}::text[], ${rows.map((r) => r.sortKey)}::text[],
                ${rows.map((r) => r.trackId)}::text[], ${rows.map((r) => r.addedBy)}::text[],
                ${rows.map((r) => new Date(r.addedAt).toISOString())}::timestamptz[])`.execute(tx);
          }
          await tx
            .insertInto('playlist_ops')
            .values(
              changes.ops.map((o) => ({
                playlist_id: playlistId,
                version: o.version,
                user_id: o.message.userId,
                client_op_id: o.clientOpId,
                op: JSON.stringify({ op: o.op, items: o.message.items } satisfies StoredOp),
              })),
            )
            .execute();
          await tx
            .updateTable('playlists')
            .set({ version: changes.version, track_count: changes.trackCount, updated_at: new Date() })
            .where('id', '=', playlistId)
            .execute();
        },
      };
      return work(locked);
    });
  }
}

import { sql } from 'kysely';
import type { Page } from '../../core/catalog/types.js';
import type { LibraryRepository, SavedKind, SavedRef } from '../../core/library/types.js';
import type { Db } from './database.js';
import { VISIBLE_ALBUM, VISIBLE_TRACK } from './visibility.js';

/** What the catalog shows: a saved item whose album was unpublished or whose media is gone is hidden. */
const VISIBLE = {
  track: sql`exists (select 1 from tracks t join albums a on a.id = t.album_id
    where t.id = s.track_id and ${VISIBLE_TRACK})`,
  album: sql`exists (select 1 from albums a where a.id = s.album_id and ${VISIBLE_ALBUM})`,
};

export class PgLibraryRepository implements LibraryRepository {
  constructor(private readonly db: Db) {}

  async save(userId: string, kind: SavedKind, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    if (kind === 'track') {
      await this.db
        .insertInto('saved_tracks')
        .values(ids.map((track_id) => ({ user_id: userId, track_id })))
        .onConflict((oc) => oc.doNothing())
        .execute();
    } else {
      await this.db
        .insertInto('saved_albums')
        .values(ids.map((album_id) => ({ user_id: userId, album_id })))
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
  }

  async remove(userId: string, kind: SavedKind, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    if (kind === 'track') {
      await this.db.deleteFrom('saved_tracks').where('user_id', '=', userId).where('track_id', 'in', ids).execute();
    } else {
      await this.db.deleteFrom('saved_albums').where('user_id', '=', userId).where('album_id', 'in', ids).execute();
    }
  }

  async saved(userId: string, kind: SavedKind, ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows =
      kind === 'track'
        ? await this.db
            .selectFrom('saved_tracks')
            .select('track_id as id')
            .where('user_id', '=', userId)
            .where('track_id', 'in', ids)
            .execute()
        : await this.db
            .selectFrom('saved_albums')
            .select('album_id as id')
            .where('user_id', '=', userId)
            .where('album_id', 'in', ids)
            .execute();
    return new Set(rows.map((r) => r.id));
  }

  async page(userId: string, kind: SavedKind, limit: number, offset: number): Promise<Page<SavedRef>> {
    const table = sql.table(kind === 'track' ? 'saved_tracks' : 'saved_albums');
    const id = sql.ref(kind === 'track' ? 's.track_id' : 's.album_id');
    const where = sql`s.user_id = ${userId} and ${VISIBLE[kind]}`;
    const [rows, count] = await Promise.all([
      sql<{ id: string; added_at: Date }>`select ${id} as id, s.added_at from ${table} s where ${where}
        order by s.added_at desc, s.seq desc limit ${limit} offset ${offset}`.execute(this.db),
      sql<{ n: number }>`select count(*)::int as n from ${table} s where ${where}`.execute(this.db),
    ]);
    return { items: rows.rows.map((r) => ({ id: r.id, addedAt: r.added_at })), total: count.rows[0]!.n };
  }
}

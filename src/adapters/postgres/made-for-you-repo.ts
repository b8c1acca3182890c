import { sql } from 'kysely';
import {
  type MadeForYouKind,
  type MadeForYouStore,
  type PlaylistLook,
  type ShelfEntry,
  SYSTEM_USER_ID,
} from '../../core/home/types.js';
import { newId } from '../../core/ids.js';
import type { Db } from './database.js';
import { VISIBLE_TRACK } from './visibility.js';

/** The made-for-you shelf (migration 022) and the listening the generator reads. */
export class PgMadeForYouStore implements MadeForYouStore {
  constructor(private readonly db: Db) {}

  async shelf(userId: string): Promise<ShelfEntry[]> {
    const r = await sql<{ kind: MadeForYouKind; slot: number; playlist_id: string; period: string }>`
      select kind, slot, playlist_id, period from made_for_you where user_id = ${userId}
      order by kind, slot`.execute(this.db);
    return r.rows.map((x) => ({ kind: x.kind, slot: x.slot, playlistId: x.playlist_id, period: x.period }));
  }

  async lastRun(userId: string): Promise<string | null> {
    const r = await sql<{
      day: string;
    }>`select day::text as day from made_for_you_runs where user_id = ${userId}`.execute(this.db);
    return r.rows[0]?.day ?? null;
  }

  exclusively<T>(userId: string, work: () => Promise<T>): Promise<T> {
    // A session lock on a connection of its own, so the work's own queries use the pool as usual.
    return this.db.connection().execute(async (conn) => {
      const key = `cadenza-made-for-you:${userId}`;
      await sql`select pg_advisory_lock(hashtext(${key}))`.execute(conn);
      try {
        return await work();
      } finally {
        await sql`select pg_advisory_unlock(hashtext(${key}))`.execute(conn);
      }
    });
  }

  async finishRun(userId: string, day: string): Promise<void> {
    await sql`insert into made_for_you_runs (user_id, day) values (${userId}, ${day}::date)
      on conflict (user_id) do update set day = excluded.day, finished_at = now()`.execute(this.db);
  }

  async createPlaylist(userId: string, look: PlaylistLook): Promise<string> {
    const id = newId();
    await sql`insert into playlists (id, owner_id, made_for, name, description, public, collaborative, image_key)
      values (${id}, ${SYSTEM_USER_ID}, ${userId}, ${look.name}, ${look.description}, false, false, ${look.imageKey})`.execute(
      this.db,
    );
    return id;
  }

  async describe(playlistId: string, look: PlaylistLook): Promise<void> {
    await sql`update playlists set name = ${look.name}, description = ${look.description},
      image_key = ${look.imageKey}, updated_at = now() where id = ${playlistId}`.execute(this.db);
  }

  async place(userId: string, e: ShelfEntry): Promise<void> {
    // A slot taken meanwhile by another playlist (two runs at once) keeps the newest; the other goes.
    await this.db.transaction().execute(async (tx) => {
      const old = await sql<{ playlist_id: string }>`
        select playlist_id from made_for_you where user_id = ${userId} and kind = ${e.kind} and slot = ${e.slot}
        for update`.execute(tx);
      await sql`insert into made_for_you (user_id, kind, slot, playlist_id, period)
        values (${userId}, ${e.kind}, ${e.slot}, ${e.playlistId}, ${e.period})
        on conflict (user_id, kind, slot) do update
          set playlist_id = excluded.playlist_id, period = excluded.period, generated_at = now()`.execute(tx);
      const replaced = old.rows[0]?.playlist_id;
      if (replaced && replaced !== e.playlistId) await sql`delete from playlists where id = ${replaced}`.execute(tx);
    });
  }

  async remove(playlistId: string): Promise<void> {
    await sql`delete from playlists where id = ${playlistId} and made_for is not null`.execute(this.db);
  }

  async activeListeners(days: number): Promise<string[]> {
    const r = await sql<{ user_id: string }>`select distinct user_id from listening_days
      where day > current_date - ${days}::int order by user_id`.execute(this.db);
    return r.rows.map((x) => x.user_id);
  }

  async playedAmong(userId: string, trackIds: string[]): Promise<Set<string>> {
    if (trackIds.length === 0) return new Set();
    const r = await sql<{ track_id: string }>`
      select track_id from listening_days where user_id = ${userId} and track_id = any(${trackIds}::text[])
      union select track_id from plays where user_id = ${userId} and track_id = any(${trackIds}::text[])
      union select track_id from listening_history where user_id = ${userId} and track_id = any(${trackIds}::text[])`.execute(
      this.db,
    );
    return new Set(r.rows.map((x) => x.track_id));
  }

  async familiarTracks(userId: string, artistIds: string[], limit: number): Promise<string[]> {
    if (artistIds.length === 0) return [];
    const r = await sql<{ id: string }>`
      select d.track_id as id from listening_days d
        join tracks t on t.id = d.track_id join albums a on a.id = t.album_id
      where d.user_id = ${userId} and ${VISIBLE_TRACK}
        and exists (select 1 from track_artists ta where ta.track_id = d.track_id and ta.artist_id = any(${artistIds}::text[]))
      group by d.track_id
      having sum(d.listened_ms) >= 30000
      order by sum(d.plays) desc, sum(d.listened_ms) desc, d.track_id limit ${limit}`.execute(this.db);
    return r.rows.map((x) => x.id);
  }

  async releaseCandidates(userId: string, since: string, perAlbum: number, limit: number): Promise<string[]> {
    const r = await sql<{ id: string }>`
      with artists as (
        select artist_id, true as followed from artist_follows where user_id = ${userId}
        union all
        select ta.artist_id, false from listening_days d join track_artists ta on ta.track_id = d.track_id
        where d.user_id = ${userId} group by ta.artist_id
      ), mine as (select artist_id, bool_or(followed) as followed from artists group by artist_id),
      candidates as (
        select t.id, a.id as album_id, a.release_date, bool_or(m.followed) as followed,
          row_number() over (partition by a.id order by t.popularity desc, t.disc_number, t.track_number, t.id) as n
        from albums a join tracks t on t.album_id = a.id
          join track_artists ta on ta.track_id = t.id join mine m on m.artist_id = ta.artist_id
        where a.release_date >= ${since} and ${VISIBLE_TRACK}
        group by t.id, a.id, a.release_date
      )
      select id from candidates where n <= ${perAlbum}::int
      order by followed desc, release_date desc, album_id, n limit ${limit}`.execute(this.db);
    return r.rows.map((x) => x.id);
  }
}

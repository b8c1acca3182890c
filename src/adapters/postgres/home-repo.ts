import { sql } from 'kysely';
import type { ContextPlays, HomeReads } from '../../core/home/types.js';
import type { Db } from './database.js';
import { soldIn, VISIBLE_ALBUM } from './visibility.js';

/** Contexts a home shelf can show; anything else in `context_uri` (a show, a collection) is left out. */
const SHELF_CONTEXT = '^cadenza:(album|playlist|artist):[0-9A-Za-z]{22}$';
/** Recently played looks at this many of the newest plays: enough for a shelf, cheap on the history index. */
const RECENT_PLAYS = 500;

interface ContextRow {
  uri: string;
  last_ms: number;
  plays: number;
}

const toContext = (r: ContextRow): ContextPlays => ({
  uri: r.uri,
  lastPlayedAt: Math.round(Number(r.last_ms)),
  plays: r.plays,
});

/** The reads of the personalised home, from the listening history, the library and the catalogue. */
export class PgHomeReads implements HomeReads {
  constructor(private readonly db: Db) {}

  async recentContexts(userId: string, limit: number): Promise<ContextPlays[]> {
    const r = await sql<ContextRow>`
      select uri, extract(epoch from max(played_at)) * 1000 as last_ms, count(*)::int as plays from (
        select coalesce(h.context_uri, 'cadenza:album:' || t.album_id) as uri, h.played_at
        from (select context_uri, track_id, played_at from listening_history
              where user_id = ${userId} and played_at > now() - interval '90 days'
              order by played_at desc limit ${RECENT_PLAYS}) h
          join tracks t on t.id = h.track_id) x
      where uri ~ ${SHELF_CONTEXT}
      group by uri order by max(played_at) desc, uri limit ${limit}`.execute(this.db);
    return r.rows.map(toContext);
  }

  async jumpBackIn(
    userId: string,
    w: { fromDays: number; toDays: number; minPlays: number; limit: number },
  ): Promise<ContextPlays[]> {
    const r = await sql<ContextRow>`
      select uri, extract(epoch from max(played_at)) * 1000 as last_ms, count(*)::int as plays from (
        select coalesce(h.context_uri, 'cadenza:album:' || t.album_id) as uri, h.played_at
        from listening_history h join tracks t on t.id = h.track_id
        where h.user_id = ${userId} and h.played_at > now() - make_interval(days => ${w.fromDays}::int)) x
      where uri ~ ${SHELF_CONTEXT}
      group by uri
      having max(played_at) <= now() - make_interval(days => ${w.toDays}::int) and count(*) >= ${w.minPlays}::int
      order by count(*) desc, max(played_at) desc, uri limit ${w.limit}`.execute(this.db);
    return r.rows.map(toContext);
  }

  async hasListened(userId: string): Promise<boolean> {
    const r = await sql<{ yes: boolean }>`select exists (select 1 from listening_days where user_id = ${userId})
      or exists (select 1 from listening_history where user_id = ${userId}) as yes`.execute(this.db);
    return r.rows[0]?.yes ?? false;
  }

  async hasStatedGenres(userId: string): Promise<boolean> {
    const r = await sql<{ yes: boolean }>`select exists (
      select 1 from listener_genres where user_id = ${userId} and cardinality(genres) > 0) as yes`.execute(this.db);
    return r.rows[0]?.yes ?? false;
  }

  async followedReleases(userId: string, since: string, limit: number, market: string): Promise<string[]> {
    const r = await sql<{ id: string }>`
      select a.id from albums a
      where a.release_date >= ${since} and ${VISIBLE_ALBUM} and ${soldIn(market)}
        and exists (select 1 from album_artists aa join artist_follows f on f.artist_id = aa.artist_id
                    where aa.album_id = a.id and f.user_id = ${userId})
      order by a.release_date desc, a.popularity desc, a.id limit ${limit}`.execute(this.db);
    return r.rows.map((x) => x.id);
  }

  async popularNear(market: string, days: number, minListeners: number, limit: number): Promise<string[]> {
    const r = await sql<{ id: string }>`
      select t.album_id as id from qualifying_streams q join tracks t on t.id = q.track_id
        join albums a on a.id = t.album_id
      where q.period >= to_char(now() - make_interval(days => ${days}::int), 'YYYY-MM') and q.market = ${market}
        and q.streamed_at > now() - make_interval(days => ${days}::int)
        and ${VISIBLE_ALBUM} and ${soldIn(market)}
      group by t.album_id having count(distinct q.user_id) >= ${minListeners}::int
      order by count(*) desc, t.album_id limit ${limit}`.execute(this.db);
    return r.rows.map((x) => x.id);
  }

  async popularAlbums(limit: number, market: string): Promise<string[]> {
    const r = await sql<{ id: string }>`
      select a.id from albums a where ${VISIBLE_ALBUM} and ${soldIn(market)}
      order by a.popularity desc, a.release_date desc nulls last, a.id limit ${limit}`.execute(this.db);
    return r.rows.map((x) => x.id);
  }

  async newAlbumsOf(userId: string, trackIds: string[], minPlays: number): Promise<string[]> {
    if (trackIds.length === 0) return [];
    const r = await sql<{ id: string }>`
      select t.album_id as id from unnest(${trackIds}::text[]) with ordinality as x(track_id, n)
        join tracks t on t.id = x.track_id
      where not exists (select 1 from saved_albums s where s.user_id = ${userId} and s.album_id = t.album_id)
        and coalesce((select sum(d.plays) from listening_days d join tracks o on o.id = d.track_id
                      where d.user_id = ${userId} and o.album_id = t.album_id), 0) < ${minPlays}::int
      group by t.album_id order by min(x.n)`.execute(this.db);
    return r.rows.map((x) => x.id);
  }

  async market(userId: string): Promise<string> {
    const r = await sql<{ country: string }>`select country from users where id = ${userId}`.execute(this.db);
    return r.rows[0]?.country ?? 'US';
  }
}

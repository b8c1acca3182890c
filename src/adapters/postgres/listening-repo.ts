import { sql } from 'kysely';
import type { Page } from '../../core/catalog/types.js';
import {
  type HistoryRow,
  type ListeningReads,
  RANGES,
  type TimeRange,
  type WrappedTotals,
} from '../../core/events/listening-service.js';
import type { Db } from './database.js';

interface HistoryDbRow {
  event_id: string;
  track_id: string;
  played_ms: number;
  context_uri: string | null;
}

/** Reads of listening history and the daily tallies, and the track check intake needs. */
export class PgListeningRepository implements ListeningReads {
  constructor(private readonly db: Db) {}

  async history(userId: string, o: { before?: number; after?: number; limit: number }): Promise<HistoryRow[]> {
    const columns = sql`event_id, track_id, extract(epoch from played_at) * 1000 as played_ms, context_uri`;
    const r =
      o.after !== undefined
        ? await sql<HistoryDbRow>`select * from (select ${columns}, played_at from listening_history
            where user_id = ${userId} and played_at > to_timestamp(${o.after / 1000})
              and played_at > now() - interval '90 days'
            order by played_at, event_id limit ${o.limit}) x order by played_at desc, event_id desc`.execute(this.db)
        : await sql<HistoryDbRow>`select ${columns} from listening_history
            where user_id = ${userId} and played_at < to_timestamp(${(o.before ?? 8.64e15) / 1000})
              and played_at > now() - interval '90 days'
            order by played_at desc, event_id desc limit ${o.limit}`.execute(this.db);
    return r.rows.map((row) => ({
      eventId: row.event_id,
      trackId: row.track_id,
      playedAt: Math.round(Number(row.played_ms)),
      contextUri: row.context_uri,
    }));
  }

  async top(
    userId: string,
    kind: 'tracks' | 'artists',
    range: TimeRange,
    limit: number,
    offset: number,
  ): Promise<Page<string>> {
    const { days, halfLifeDays } = RANGES[range];
    const since = days === null ? sql`true` : sql`d.day > current_date - ${days}::int`;
    const weight = sql`(d.plays + d.listened_ms / 60000.0) * power(0.5, (current_date - d.day) / ${halfLifeDays}::float8)`;
    const scored =
      kind === 'tracks'
        ? sql`select d.track_id as id, sum(${weight}) as score from listening_days d
            where d.user_id = ${userId} and ${since} group by d.track_id`
        : sql`select ta.artist_id as id, sum(${weight}) as score from listening_days d
            join track_artists ta on ta.track_id = d.track_id
            where d.user_id = ${userId} and ${since} group by ta.artist_id`;
    const r = await sql<{ id: string; total: number }>`with s as (${scored})
      select id, count(*) over ()::int as total from s order by score desc, id limit ${limit} offset ${offset}`.execute(
      this.db,
    );
    if (r.rows.length > 0 || offset === 0) return { items: r.rows.map((x) => x.id), total: r.rows[0]?.total ?? 0 };
    const c = await sql<{ n: number }>`select count(*)::int as n from (${scored}) s`.execute(this.db);
    return { items: [], total: c.rows[0]?.n ?? 0 };
  }

  async wrapped(userId: string, year: number, limit: number): Promise<WrappedTotals> {
    const inYear = sql`d.user_id = ${userId} and d.day >= make_date(${year}::int, 1, 1) and d.day < make_date(${year + 1}::int, 1, 1)`;
    const [totals, tracks, artists, genres] = await Promise.all([
      sql<{ ms: number; plays: number }>`select coalesce(sum(d.listened_ms), 0)::float8 as ms,
        coalesce(sum(d.plays), 0)::int as plays from listening_days d where ${inYear}`.execute(this.db),
      sql<{ id: string }>`select d.track_id as id from listening_days d where ${inYear}
        group by d.track_id order by sum(d.listened_ms) desc, sum(d.plays) desc, d.track_id limit ${limit}`.execute(
        this.db,
      ),
      sql<{
        id: string;
      }>`select ta.artist_id as id from listening_days d join track_artists ta on ta.track_id = d.track_id
        where ${inYear} group by ta.artist_id
        order by sum(d.listened_ms) desc, sum(d.plays) desc, ta.artist_id limit ${limit}`.execute(this.db),
      // A track's genres are its own tags, or its album's when it has none.
      sql<{ name: string; ms: number }>`select g.name, sum(d.listened_ms)::float8 as ms
        from listening_days d join tracks t on t.id = d.track_id join albums al on al.id = t.album_id
        cross join lateral unnest(case when cardinality(t.genres) > 0 then t.genres else al.genres end) as g(name)
        where ${inYear} group by g.name order by ms desc, g.name limit ${limit}`.execute(this.db),
    ]);
    const row = totals.rows[0] ?? { ms: 0, plays: 0 };
    return {
      minutes: Math.floor(Number(row.ms) / 60_000),
      plays: row.plays,
      trackIds: tracks.rows.map((x) => x.id),
      artistIds: artists.rows.map((x) => x.id),
      genres: genres.rows.map((g) => ({ name: g.name, minutes: Math.floor(Number(g.ms) / 60_000) })),
    };
  }

  /** Durations of the listed tracks a listener can play (ready, on a published album). */
  async trackDurations(ids: string[]): Promise<Map<string, number>> {
    if (ids.length === 0) return new Map();
    const r = await sql<{ id: string; duration_ms: number }>`select t.id, t.duration_ms from tracks t
      join albums al on al.id = t.album_id
      where t.id = any(${ids}::text[]) and t.status = 'ready' and al.status = 'published'`.execute(this.db);
    return new Map(r.rows.map((x) => [x.id, x.duration_ms]));
  }
}

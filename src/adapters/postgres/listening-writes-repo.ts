import { sql } from 'kysely';
import type { Consumed, ListeningWrites } from '../../core/events/types.js';
import { applyOnce, forgetProgress, type Tx } from './consumer-progress.js';
import type { Db } from './database.js';
import { applyPlays, dayOf, ts } from './plays-sql.js';

/** Old rows (history past 90 days, orphans past the late window) are pruned at most this often. */
const PRUNE_EVERY_MS = 60_000;
/**
 * Popularity, 0–100: w = plays started in the last 28 days, each weighted 0.5^(age in days / 7);
 * score = round(100 · ln(1 + w) / ln(1 + 10,000)), capped at 100. Logarithmic, so a track with 10
 * recent plays scores 26, 100 → 50, 1,000 → 75, 10,000 → 100. An artist's w is the sum of its
 * tracks' w; an album's score is its best track's.
 */
const POPULARITY = sql`least(100, round(100 * ln(1 + w) / ln(1 + 10000)))::int`;
const DECAYED = sql`d.plays * power(0.5, (current_date - d.day) / 7.0)`;

const starts = (entries: Consumed[]) =>
  entries.map((e) => e.event).filter((e) => e.type === 'play_start' && e.track !== undefined);

export class PgListeningWrites implements ListeningWrites {
  private readonly prunedAt = { history: 0, orphans: 0, counted: 0 };

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  async recordHistory(consumer: string, entries: Consumed[]): Promise<void> {
    await applyOnce(this.db, consumer, entries, async (tx, fresh) => {
      const plays = starts(fresh);
      if (plays.length > 0) {
        await sql`insert into listening_history (event_id, user_id, track_id, played_at, context_uri, device_id)
          select e.id, e.u, e.t, to_timestamp(e.at), e.c, e.d
          from unnest(${plays.map((e) => e.id)}::text[], ${plays.map((e) => e.user)}::text[],
            ${plays.map((e) => e.track!)}::text[], ${plays.map((e) => ts(e.at))}::float8[],
            ${plays.map((e) => e.context ?? null)}::text[], ${plays.map((e) => e.device)}::text[]) as e(id, u, t, at, c, d)
          where to_timestamp(e.at) > now() - interval '90 days'
          on conflict (event_id) do nothing`.execute(tx);
      }
      if (this.dueForPruning('history')) {
        await sql`delete from listening_history where played_at < now() - interval '90 days'`.execute(tx);
      }
    });
  }

  async countPlays(consumer: string, entries: Consumed[]): Promise<void> {
    await applyOnce(this.db, consumer, entries, async (tx, fresh) => {
      const plays = starts(fresh);
      if (plays.length > 0) {
        // Each play counts once, by its id, even if the log delivers it again under a new offset.
        const counted = await sql<{ track_id: string }>`with fresh as (
            insert into counted_plays (play_id, day)
            select id, day from unnest(${plays.map((e) => e.id)}::text[], ${plays.map((e) => dayOf(e.at))}::date[]) as p(id, day)
            on conflict (play_id) do nothing
            returning play_id, day)
          insert into track_play_days (track_id, day, plays)
          select p.track, f.day, count(*)
          from fresh f join (select distinct id, track
              from unnest(${plays.map((e) => e.id)}::text[], ${plays.map((e) => e.track!)}::text[]) as u(id, track)) p
            on p.id = f.play_id
          group by p.track, f.day
          on conflict (track_id, day) do update set plays = track_play_days.plays + excluded.plays
          returning track_id`.execute(tx);
        if (counted.rows.length > 0)
          await this.refreshPopularity(tx, [...new Set(counted.rows.map((r) => r.track_id))]);
      }
      if (this.dueForPruning('counted')) {
        await sql`delete from counted_plays where day < current_date - 35`.execute(tx);
      }
    });
  }

  async recordPlays(consumer: string, entries: Consumed[]): Promise<void> {
    await applyOnce(this.db, consumer, entries, async (tx, fresh) => {
      await applyPlays(
        tx,
        fresh.map((e) => e.event),
      );
      if (this.dueForPruning('orphans')) {
        await sql`delete from play_orphans where at < now() - interval '31 days'`.execute(tx);
      }
    });
  }

  async clear(consumer: string, what: 'history' | 'popularity' | 'plays'): Promise<void> {
    await forgetProgress(this.db, consumer, async (tx) => {
      if (what === 'history') await sql`delete from listening_history`.execute(tx);
      if (what === 'popularity') {
        await sql`delete from track_play_days`.execute(tx);
        await sql`delete from counted_plays`.execute(tx);
      }
      // qualifying_streams is a ledger the royalties read: a rebuild adds what is missing, never moves a row.
      if (what === 'plays') {
        await sql`delete from plays`.execute(tx);
        await sql`delete from play_orphans`.execute(tx);
        await sql`delete from listening_days`.execute(tx);
      }
    });
  }

  /** Writes only scores that changed: each write wakes the search index (the catalog change trigger). */
  private async refreshPopularity(tx: Tx, tracks: string[]): Promise<void> {
    await sql`with w as (
        select d.track_id, sum(${DECAYED}) as w from track_play_days d
        where d.track_id = any(${tracks}::text[]) and d.day > current_date - 28 group by d.track_id
      ), s as (select track_id, ${POPULARITY} as score from w)
      update tracks t set popularity = s.score from s where t.id = s.track_id and t.popularity <> s.score`.execute(tx);
    await sql`with a as (select distinct artist_id from track_artists where track_id = any(${tracks}::text[])),
      w as (
        select a.artist_id, sum(${DECAYED}) as w from a
        join track_artists ta on ta.artist_id = a.artist_id
        join track_play_days d on d.track_id = ta.track_id and d.day > current_date - 28
        group by a.artist_id
      ), s as (select artist_id, ${POPULARITY} as score from w)
      update artists ar set popularity = s.score from s where ar.id = s.artist_id and ar.popularity <> s.score`.execute(
      tx,
    );
    await sql`with s as (
        select album_id, max(popularity) as score from tracks
        where album_id in (select album_id from tracks where id = any(${tracks}::text[])) group by album_id)
      update albums al set popularity = s.score from s where al.id = s.album_id and al.popularity <> s.score`.execute(
      tx,
    );
  }

  private dueForPruning(what: keyof PgListeningWrites['prunedAt']): boolean {
    const now = this.now();
    if (now - this.prunedAt[what] < PRUNE_EVERY_MS) return false;
    this.prunedAt[what] = now;
    return true;
  }
}

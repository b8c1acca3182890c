import { sql } from 'kysely';
import { type LoggedEvent, PLAYBACK_TYPES } from '../../core/events/types.js';
import type { Tx } from './consumer-progress.js';

/** A play qualifies for royalties once this much of it was heard. */
export const QUALIFYING_MS = 30_000;

/** Epoch ms as PostgreSQL's to_timestamp takes it, and as a UTC day. */
export const ts = (ms: number) => ms / 1000;
export const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

interface Tally {
  user: string;
  track: string;
  day: string;
  plays: number;
  ms: number;
}

/**
 * Play sessions from playback events. A play_start opens a play (its event id is the play id); a later
 * event of the same user, device and track belongs to the latest play started on that device before
 * it. What a play proves was heard only grows: the most any of its events shows, each event showing
 * min(position advanced since the start, time passed since the start) — a seek forward cannot claim
 * more than the time that passed, a long pause cannot claim more than the audio that advanced. That
 * rule is a maximum, so it is the same whatever order events arrive in. An event that arrives before
 * its play_start waits in play_orphans and is credited when the play_start comes.
 */
export async function applyPlays(tx: Tx, events: LoggedEvent[]): Promise<void> {
  const withTrack = events.filter((e) => e.track && PLAYBACK_TYPES.has(e.type));
  const starts = withTrack.filter((e) => e.type === 'play_start');
  const marks = withTrack.filter((e) => e.type !== 'play_start');
  const tallies = new Map<string, Tally>();
  const tally = (user: string, track: string, day: string, plays: number, ms: number) => {
    const key = `${user}\u0000${track}\u0000${day}`;
    const t = tallies.get(key) ?? { user, track, day, plays: 0, ms: 0 };
    t.plays += plays;
    t.ms += ms;
    tallies.set(key, t);
  };

  let opened: string[] = [];
  if (starts.length > 0) {
    const r = await sql<{ play_id: string; user_id: string; track_id: string; started_ms: number }>`
      insert into plays (play_id, user_id, device_id, track_id, started_at, start_position_ms, market, product, private)
      select e.id, e.u, e.d, e.t, to_timestamp(e.at), e.p, e.m, e.pr, e.pv
      from unnest(${starts.map((e) => e.id)}::text[], ${starts.map((e) => e.user)}::text[],
        ${starts.map((e) => e.device)}::text[], ${starts.map((e) => e.track!)}::text[],
        ${starts.map((e) => ts(e.at))}::float8[], ${starts.map((e) => e.position)}::int[],
        ${starts.map((e) => e.market)}::text[], ${starts.map((e) => e.product)}::text[],
        ${starts.map((e) => e.private === true)}::bool[]) as e(id, u, d, t, at, p, m, pr, pv)
      on conflict (play_id) do nothing
      returning play_id, user_id, track_id, extract(epoch from started_at) * 1000 as started_ms`.execute(tx);
    opened = r.rows.map((row) => row.play_id);
    for (const row of r.rows) tally(row.user_id, row.track_id, dayOf(Number(row.started_ms)), 1, 0);
  }

  const credits = new Map<string, number>();
  const credit = (rows: Array<{ play_id: string; c: number }>) => {
    for (const { play_id, c } of rows) credits.set(play_id, Math.max(credits.get(play_id) ?? 0, Number(c)));
  };
  if (marks.length > 0) {
    const r = await sql<{ play_id: string; c: number }>`
      with ev as (
        select * from unnest(${marks.map((e) => e.id)}::text[], ${marks.map((e) => e.user)}::text[],
          ${marks.map((e) => e.device)}::text[], ${marks.map((e) => e.track!)}::text[],
          ${marks.map((e) => ts(e.at))}::float8[], ${marks.map((e) => e.position)}::int[]) as e(id, u, d, tr, at, pos)
      ), dev as (
        select u, d, min(at) as lo, max(at) as hi from ev group by u, d
      ), cand as (
        -- Per device, not per event: the plays any of its events can belong to (the latest started by
        -- its earliest event, and those started up to its latest).
        select p.* from dev cross join lateral (
          (select play_id, user_id, device_id, track_id, started_at, start_position_ms from plays p
            where p.user_id = dev.u and p.device_id = dev.d and p.started_at <= to_timestamp(dev.lo)
            order by p.started_at desc limit 1)
          union all
          select play_id, user_id, device_id, track_id, started_at, start_position_ms from plays p
          where p.user_id = dev.u and p.device_id = dev.d and p.started_at > to_timestamp(dev.lo)
            and p.started_at <= to_timestamp(dev.hi)) p
      ), timeline as (
        -- Plays and events of a device in time order (a play before an event at the same instant):
        -- each event belongs to the latest play before it, the one that opened its run.
        select u, d, to_timestamp(at) as t, 1 as kind, id, tr, at, pos, null::text as play_id from ev
        union all
        select user_id, device_id, started_at, 0, null, null, null, null, play_id from cand
      ), runs as (
        select *, count(play_id) over (partition by u, d order by t, kind rows unbounded preceding) as run
        from timeline
      ), owned as (
        select *, first_value(play_id) over (partition by u, d, run order by kind) as owner from runs
      ), m as (
        select o.id, o.u, o.d, o.tr as t, o.at, o.pos, c.play_id, c.track_id as play_track, c.started_at,
          c.start_position_ms
        from owned o left join cand c on c.play_id = o.owner where o.kind = 1
      ), orphaned as (
        insert into play_orphans (event_id, user_id, device_id, track_id, at, position_ms)
        select id, u, d, t, to_timestamp(at), pos from m where play_id is null or play_track <> t
        on conflict (event_id) do nothing
      )
      select play_id, max(least(pos - start_position_ms, (at - extract(epoch from started_at)) * 1000))::int as c
      from m where play_id is not null and play_track = t group by play_id`.execute(tx);
    credit(r.rows);
  }
  if (opened.length > 0) {
    const r = await sql<{ play_id: string; c: number }>`
      select p.play_id, max(least(o.position_ms - p.start_position_ms,
        extract(epoch from o.at - p.started_at) * 1000))::int as c
      from plays p join play_orphans o on o.user_id = p.user_id and o.device_id = p.device_id
        and o.track_id = p.track_id and o.at >= p.started_at
      where p.play_id = any(${opened}::text[]) and not exists (
        select 1 from plays later where later.user_id = p.user_id and later.device_id = p.device_id
          and later.started_at > p.started_at and later.started_at <= o.at)
      group by p.play_id`.execute(tx);
    credit(r.rows);
  }

  const grown = [...credits].filter(([, c]) => c > 0);
  if (grown.length > 0) {
    const r = await sql<{
      play_id: string;
      user_id: string;
      track_id: string;
      started_ms: number;
      delta: number;
      listened_ms: number;
    }>`
      update plays p set listened_ms = x.c
      from (
        select c.play_id, c.c, old.listened_ms as before
        from unnest(${grown.map(([id]) => id)}::text[], ${grown.map(([, c]) => c)}::int[]) as c(play_id, c)
        join plays old on old.play_id = c.play_id
      ) x
      where p.play_id = x.play_id and x.c > x.before
      returning p.play_id, p.user_id, p.track_id, extract(epoch from p.started_at) * 1000 as started_ms,
        x.c - x.before as delta, p.listened_ms`.execute(tx);
    for (const row of r.rows) tally(row.user_id, row.track_id, dayOf(Number(row.started_ms)), 0, row.delta);
    const qualified = r.rows.filter((row) => row.listened_ms >= QUALIFYING_MS).map((row) => row.play_id);
    if (qualified.length > 0) {
      // Once in, a stream stays in its period: a rebuild or a late event never moves it.
      await sql`insert into qualifying_streams (play_id, user_id, track_id, market, product, streamed_at, period)
        select play_id, user_id, track_id, market, product, started_at, cadenza_open_period(started_at)
        from plays where play_id = any(${qualified}::text[])
        on conflict (play_id) do nothing`.execute(tx);
    }
  }

  const rows = [...tallies.values()];
  if (rows.length > 0) {
    await sql`insert into listening_days (user_id, track_id, day, plays, listened_ms)
      select * from unnest(${rows.map((t) => t.user)}::text[], ${rows.map((t) => t.track)}::text[],
        ${rows.map((t) => t.day)}::date[], ${rows.map((t) => t.plays)}::int[], ${rows.map((t) => t.ms)}::bigint[])
      on conflict (user_id, day, track_id) do update set plays = listening_days.plays + excluded.plays,
        listened_ms = listening_days.listened_ms + excluded.listened_ms`.execute(tx);
  }
}

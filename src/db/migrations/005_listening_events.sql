-- Listening events: the embedded event log with its consumer offsets, what each consumer derives
-- from it (history, plays, daily tallies, qualifying streams for royalties) and the progress each
-- consumer applied, written in the same transaction as its effects so a replay applies nothing twice.

-- The embedded EventLog. Readers order by (tx, seq) and only read rows of transactions older than
-- every running one, so an entry never appears behind an offset a reader has already passed.
create table event_log (
  seq bigserial not null,
  tx xid8 not null default pg_current_xact_id(),
  -- The event's id, unique: appending it again is a no-op (intake's idempotency).
  id text not null,
  body text not null,
  appended_at timestamptz not null default now(),
  primary key (tx, seq)
);
create unique index event_log_id_key on event_log (id);

create table event_log_offsets (
  consumer text primary key,
  "offset" text not null,
  updated_at timestamptz not null default now()
);

-- The last offset whose effects each consumer has applied; skipped on redelivery.
create table event_consumer_progress (
  consumer text primary key,
  applied text not null
);

-- Recently played: one row per play start, kept for 90 days.
create table listening_history (
  event_id text primary key,
  user_id text not null,
  track_id text not null,
  played_at timestamptz not null,
  context_uri text,
  device_id text not null
);
create index listening_history_user_idx on listening_history (user_id, played_at desc, event_id);
create index listening_history_age_idx on listening_history (played_at);

-- One row per play session (a play_start and the events of that device and track after it).
-- listened_ms only grows: the most any event of the play proves was heard.
create table plays (
  play_id text primary key,
  user_id text not null,
  device_id text not null,
  track_id text not null,
  started_at timestamptz not null,
  start_position_ms int not null,
  listened_ms int not null default 0,
  market char(2) not null,
  product text not null check (product in ('free', 'premium'))
);
create index plays_device_idx on plays (user_id, device_id, started_at desc);

-- Events of a track that arrived before the play_start they belong to; absorbed when it arrives.
create table play_orphans (
  event_id text primary key,
  user_id text not null,
  device_id text not null,
  track_id text not null,
  at timestamptz not null,
  position_ms int not null
);
create index play_orphans_device_idx on play_orphans (user_id, device_id, track_id, at);

-- Per user, track and UTC day: plays started and time listened. Top lists and Wrapped read this.
create table listening_days (
  user_id text not null,
  track_id text not null,
  day date not null,
  plays int not null default 0,
  listened_ms bigint not null default 0,
  primary key (user_id, day, track_id)
);
create index listening_days_user_track_idx on listening_days (user_id, track_id);

-- Plays started per track and UTC day, for the catalog's popularity score.
create table track_play_days (
  track_id text not null,
  day date not null,
  plays int not null,
  primary key (track_id, day)
);

-- Read by the royalties run (migration 006).
create table qualifying_streams (
  play_id text primary key,
  user_id text not null,
  track_id text not null,
  market char(2) not null,
  product text not null check (product in ('free', 'premium')),
  streamed_at timestamptz not null,
  period char(7) not null
);
create index qualifying_streams_period_idx on qualifying_streams (period, market, track_id);

create table royalty_periods (
  period char(7) primary key,
  closed_at timestamptz
);

-- The period a stream at `at` counts in: its UTC month, or the first later month that is not closed
-- (late events land in the next open period).
create function cadenza_open_period(at timestamptz) returns char(7) language plpgsql stable as $$
declare
  m timestamp := date_trunc('month', at at time zone 'UTC');
begin
  while exists (select 1 from royalty_periods r where r.period = to_char(m, 'YYYY-MM') and r.closed_at is not null) loop
    m := m + interval '1 month';
  end loop;
  return to_char(m, 'YYYY-MM');
end $$;

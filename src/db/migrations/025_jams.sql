-- Issue 17: Jam, a group session. A host's playback drives everyone's player; members join by code or
-- link and share one queue. See src/core/jam/jam-service.ts for the rules these tables keep.

-- One row per session. `ended_at` set means the Jam is over: its code may be given out again and its
-- members' rows are gone. The playback columns are the host's last reported state: position
-- `position_ms` held at server time `at_server_ms` (epoch ms, fractional); `version` counts every
-- change of the row, members or queue, so a client keeps the newest `jam.state` it has seen.
-- `player_version` is the version of the host's player state they came from: a host change is applied
-- only when newer, so changes that arrive out of order (or through another process) never go back in
-- time. It restarts at 0 when the Jam passes to another host (whose player counts its own versions).
create table jams (
  id text primary key,
  code text not null check (code ~ '^[A-Z0-9]{6}$'),
  host_id text not null references users (id) on delete cascade,
  anyone_with_link boolean not null default false,
  guests_can_add boolean not null default true,
  on_host_leave text not null default 'hand_off' check (on_host_leave in ('hand_off', 'end')),
  track_id text references tracks (id) on delete set null,
  duration_ms integer not null default 0,
  position_ms integer not null default 0 check (position_ms >= 0),
  at_server_ms double precision not null,
  is_playing boolean not null default false,
  version bigint not null default 1,
  player_version bigint not null default 0,
  created_at timestamptz not null default now(),
  ended_at timestamptz
);
-- A host hosts one open Jam at a time; a code names one open Jam.
create unique index jams_open_host_idx on jams (host_id) where ended_at is null;
create unique index jams_open_code_idx on jams (code) where ended_at is null;
-- Deleting an account finds its ended Jams too (they are kept, with ended_at).
create index jams_host_idx on jams (host_id);

-- The people in an open Jam, the host included. A listener is in at most one open Jam: the primary
-- key is the user alone (rows are deleted on leave and when the Jam ends). `seq` orders members by
-- arrival, so a hand-off goes to the member present longest.
create table jam_members (
  user_id text primary key references users (id) on delete cascade,
  jam_id text not null references jams (id) on delete cascade,
  seq bigint generated always as identity,
  joined_at timestamptz not null default now()
);
create index jam_members_jam_idx on jam_members (jam_id, seq);

-- The shared queue in play order, as the host's player plays it (Spotify's queue): first the tracks
-- members added, in the order added, then the rest of the host's context (`from_context`), which
-- follows the host's player. An added entry leaves when the host's player reports its track.
create table jam_queue (
  id bigint generated always as identity primary key,
  jam_id text not null references jams (id) on delete cascade,
  track_id text not null references tracks (id) on delete cascade,
  from_context boolean not null default false,
  added_by text references users (id) on delete set null,
  added_at timestamptz not null default now()
);
create index jam_queue_jam_idx on jam_queue (jam_id, from_context, id);
-- Deleting a track cascades here: find its entries without reading every queue.
create index jam_queue_track_idx on jam_queue (track_id);
-- Deleting an account finds the entries it added.
create index jam_queue_added_by_idx on jam_queue (added_by);

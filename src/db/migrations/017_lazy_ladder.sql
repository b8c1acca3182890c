-- Lazy transcoding (issue 15): an imported library chooses when its ladder rungs are made.
--
-- A library is a folder given to `cadenza import`. `lazy` publishes each track as soon as its tags and
-- header pass quality control, with every rung listed but not yet made (track_files.size is null): the
-- edge makes a rung on its first request and the ladder job fills in the rest in the background.
-- `eager` is the upload behaviour: nothing is playable until the whole ladder exists.
create table libraries (
  path text primary key,
  transcode text not null default 'lazy' check (transcode in ('lazy', 'eager')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- Null until the rung's object exists; its bitrate is the nominal one until then.
alter table track_files alter column size drop not null;

-- False while normalization_gain_db is an estimate (from ReplayGain tags, or none) awaiting measurement.
alter table tracks add column loudness_measured boolean not null default true;

-- Higher runs first: uploads and rescans of one file ahead of a whole library's background ladder.
alter table jobs add column priority smallint not null default 0;
drop index jobs_ready_idx;
create index jobs_due_idx on jobs (priority desc, run_at, id) where state in ('queued', 'running');

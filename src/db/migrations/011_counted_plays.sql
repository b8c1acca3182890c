-- The plays the popularity consumer has counted, by the play_start's log id, so a play counts once in
-- track_play_days even when the log delivers its event again under a new offset (a batch re-published
-- to JetStream after its duplicate window). Kept for the late-event window and the 28 days popularity
-- looks back over, whichever is longer.
create table counted_plays (
  play_id text collate "C" primary key,
  day date not null
);
create index counted_plays_day_idx on counted_plays (day);
-- Plays counted before this table existed cannot be told apart from a re-delivery; they stay counted once.

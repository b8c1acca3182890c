-- The listener's library (saved tracks and albums), follows of artists and users, blocks, and what
-- each user shares of their playback with the people who follow them.

create table saved_tracks (
  user_id text not null references users (id) on delete cascade,
  track_id text not null references tracks (id) on delete cascade,
  added_at timestamptz not null default now(),
  -- Orders ids saved by one request (same added_at): a later id in the list counts as newer.
  seq bigserial not null,
  primary key (user_id, track_id)
);
create index saved_tracks_recent_idx on saved_tracks (user_id, added_at desc, seq desc);

create table saved_albums (
  user_id text not null references users (id) on delete cascade,
  album_id text not null references albums (id) on delete cascade,
  added_at timestamptz not null default now(),
  seq bigserial not null,
  primary key (user_id, album_id)
);
create index saved_albums_recent_idx on saved_albums (user_id, added_at desc, seq desc);

create table artist_follows (
  user_id text not null references users (id) on delete cascade,
  artist_id text not null references artists (id) on delete cascade,
  followed_at timestamptz not null default now(),
  primary key (user_id, artist_id)
);
-- Follower counts on artist objects.
create index artist_follows_artist_idx on artist_follows (artist_id);

create table user_follows (
  follower_id text not null references users (id) on delete cascade,
  followee_id text not null references users (id) on delete cascade,
  followed_at timestamptz not null default now(),
  primary key (follower_id, followee_id),
  check (follower_id <> followee_id)
);
-- Follower counts and the fan-out of a user's activity to their followers.
create index user_follows_followee_idx on user_follows (followee_id);

create table user_blocks (
  blocker_id text not null references users (id) on delete cascade,
  blocked_id text not null references users (id) on delete cascade,
  blocked_at timestamptz not null default now(),
  primary key (blocker_id, blocked_id),
  check (blocker_id <> blocked_id)
);
create index user_blocks_blocked_idx on user_blocks (blocked_id);

-- The last playback report each user shared: what their followers' friend feeds show. Reports made
-- in a private session never land here.
create table shared_activity (
  user_id text primary key references users (id) on delete cascade,
  track_id text not null references tracks (id) on delete cascade,
  progress_ms int not null,
  is_playing boolean not null,
  reported_at timestamptz not null
);

-- A private session hides the user's playback from followers until switched off or expired
-- (six hours after the last report made in it, like Spotify's).
create table private_sessions (
  user_id text primary key references users (id) on delete cascade,
  started_at timestamptz not null default now(),
  expires_at timestamptz not null
);

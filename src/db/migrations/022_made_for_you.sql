-- Made-for-you playlists (issue 16): Discover Weekly, Daily Mixes and Release Radar are ordinary
-- playlists owned by the system account "Cadenza" and made for one listener, who alone may read them.

-- The system account. Its username cannot be signed up for (usernames start with a letter or digit)
-- and its password hash is no argon2 hash, so no password ever verifies against it: nobody signs in.
insert into users (id, username, display_name, password_hash, role, product, country)
values ('0000000000000000000000', '~cadenza', 'Cadenza', '!', 'listener', 'premium', 'US')
on conflict do nothing;

-- The listener a generated playlist was made for; null for every playlist a person made.
alter table playlists add column made_for text references users (id) on delete cascade;
-- Such a playlist is never public or collaborative: only its listener reads it, and nobody edits it.
alter table playlists add constraint playlists_made_for_private
  check (made_for is null or (not public and not collaborative));
create index playlists_made_for_idx on playlists (made_for) where made_for is not null;

-- Which generated playlist fills which slot of a listener's made-for-you shelf, and the period its
-- content belongs to (the UTC week for Discover Weekly and Release Radar, the UTC day for Daily
-- Mixes): content is replaced only when the period has moved on, so a playlist is stable within it.
create table made_for_you (
  user_id text not null references users (id) on delete cascade,
  kind text not null check (kind in ('discover-weekly', 'daily-mix', 'release-radar')),
  slot int not null default 0,
  playlist_id text not null unique references playlists (id) on delete cascade,
  period text not null,
  generated_at timestamptz not null default now(),
  primary key (user_id, kind, slot)
);

-- When a listener's shelf was last brought up to date (UTC day), so a stale one is noticed cheaply.
create table made_for_you_runs (
  user_id text primary key references users (id) on delete cascade,
  day date not null,
  finished_at timestamptz not null default now()
);

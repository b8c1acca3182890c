-- Playlists, their items in order, the log of applied edits, collaborators and followers.

create table playlists (
  id text primary key,
  owner_id text not null references users (id) on delete cascade,
  name text not null,
  description text not null default '',
  public boolean not null default true,
  -- Spotify's rule: a collaborative playlist is never public.
  collaborative boolean not null default false check (not (collaborative and public)),
  image_key text,
  -- Random token of the share link; null until the owner asks for one.
  share_token text unique,
  -- Bumped by every edit of the items; the snapshot_id encodes it.
  version bigint not null default 0,
  track_count int not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index playlists_owner_idx on playlists (owner_id, created_at);

-- Order is by sort_key (fractional index, compared bytewise) so an insert or move touches one row.
create table playlist_items (
  playlist_id text not null references playlists (id) on delete cascade,
  item_id text not null,
  sort_key text collate "C" not null,
  track_id text not null references tracks (id) on delete cascade,
  added_by text references users (id) on delete set null,
  added_at timestamptz not null default now(),
  primary key (playlist_id, item_id)
);
-- Not unique: respacing rewrites many keys in one statement, and item_id breaks any tie.
create index playlist_items_order_idx on playlist_items (playlist_id, sort_key, item_id);

-- Every applied edit in server order, normalised to positions; concurrent edits are transformed
-- against the entries after the version they were made on.
create table playlist_ops (
  playlist_id text not null references playlists (id) on delete cascade,
  version bigint not null,
  user_id text,
  -- The editor's own id for the edit, so an edit re-sent after a reconnect is applied once.
  client_op_id text,
  op jsonb not null,
  created_at timestamptz not null default now(),
  primary key (playlist_id, version)
);
create unique index playlist_ops_client_idx on playlist_ops (playlist_id, client_op_id) where client_op_id is not null;

create table playlist_collaborators (
  playlist_id text not null references playlists (id) on delete cascade,
  user_id text not null references users (id) on delete cascade,
  added_at timestamptz not null default now(),
  primary key (playlist_id, user_id)
);
create index playlist_collaborators_user_idx on playlist_collaborators (user_id);

create table playlist_follows (
  playlist_id text not null references playlists (id) on delete cascade,
  user_id text not null references users (id) on delete cascade,
  -- Whether the follow shows on the follower's public profile (Spotify's `public` flag).
  public boolean not null default true,
  followed_at timestamptz not null default now(),
  primary key (playlist_id, user_id)
);
create index playlist_follows_user_idx on playlist_follows (user_id, followed_at);

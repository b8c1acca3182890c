-- Accounts, catalog, ingest bookkeeping and the durable job queue.

create table users (
  id text primary key,
  username text not null,
  display_name text not null,
  password_hash text not null,
  role text not null check (role in ('listener', 'artist', 'admin')),
  product text not null check (product in ('free', 'premium')),
  country char(2) not null,
  created_at timestamptz not null default now()
);
create unique index users_username_key on users (lower(username));

create table tokens (
  hash bytea primary key,
  user_id text not null references users (id) on delete cascade,
  kind text not null check (kind in ('access', 'refresh')),
  expires_at timestamptz not null,
  revoked_at timestamptz,
  created_at timestamptz not null default now()
);
create index tokens_user_idx on tokens (user_id);

create table artists (
  id text primary key,
  name text not null,
  -- Folded name used to merge "The Band" spelled the same way by several files.
  name_key text not null,
  owner_user_id text references users (id) on delete set null,
  genres text[] not null default '{}',
  popularity int not null default 0,
  image_key text,
  created_at timestamptz not null default now()
);
create unique index artists_unowned_name_key on artists (name_key) where owner_user_id is null;
create unique index artists_owned_name_key on artists (owner_user_id, name_key) where owner_user_id is not null;

create table albums (
  id text primary key,
  name text not null,
  name_key text not null,
  album_type text not null check (album_type in ('album', 'single', 'compilation')),
  release_date text,
  release_date_precision text check (release_date_precision in ('year', 'month', 'day')),
  label text,
  upc text,
  genres text[] not null default '{}',
  owner_user_id text references users (id) on delete set null,
  status text not null check (status in ('draft', 'published')),
  available_markets text[],
  image_key text,
  popularity int not null default 0,
  -- The imported folder grouping key (album artist + album name); null for uploads.
  import_key text unique,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table album_artists (
  album_id text not null references albums (id) on delete cascade,
  artist_id text not null references artists (id) on delete cascade,
  position int not null,
  primary key (album_id, artist_id)
);
create index album_artists_artist_idx on album_artists (artist_id);

create table tracks (
  id text primary key,
  album_id text not null references albums (id) on delete cascade,
  name text not null,
  disc_number int not null default 1,
  track_number int not null default 1,
  duration_ms int not null default 0,
  explicit boolean not null default false,
  isrc text,
  genres text[] not null default '{}',
  popularity int not null default 0,
  -- processing: being ingested; ready: playable; failed: ingest gave up; retired: source removed.
  status text not null check (status in ('processing', 'ready', 'failed', 'retired')),
  failure_reason text,
  -- Version of the ready media files: part of every blob key and signed URL, so objects are immutable.
  media_version text,
  source_sha256 text,
  lossless boolean not null default false,
  loudness_lufs double precision,
  true_peak_dbtp double precision,
  normalization_gain_db double precision,
  available_markets text[],
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index tracks_album_idx on tracks (album_id, disc_number, track_number);

create table track_artists (
  track_id text not null references tracks (id) on delete cascade,
  artist_id text not null references artists (id) on delete cascade,
  position int not null,
  primary key (track_id, artist_id)
);
create index track_artists_artist_idx on track_artists (artist_id);

create table track_files (
  track_id text not null references tracks (id) on delete cascade,
  quality text not null,
  media_version text not null,
  mime_type text not null,
  bitrate int not null,
  size bigint not null,
  primary key (track_id, quality)
);

-- One row per file found by `cadenza import`, to make re-runs incremental.
create table library_files (
  path text primary key,
  size bigint not null,
  mtime_ms bigint not null,
  track_id text references tracks (id) on delete set null,
  failure_reason text,
  updated_at timestamptz not null default now()
);

create table jobs (
  id bigserial primary key,
  name text not null,
  -- Idempotency key: enqueueing the same key twice is a no-op while the first is alive.
  key text not null unique,
  payload jsonb not null,
  state text not null check (state in ('queued', 'running', 'done', 'failed')),
  attempts int not null default 0,
  max_attempts int not null default 4,
  run_at timestamptz not null default now(),
  locked_by text,
  locked_until timestamptz,
  progress real not null default 0,
  last_error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index jobs_ready_idx on jobs (run_at) where state in ('queued', 'running');

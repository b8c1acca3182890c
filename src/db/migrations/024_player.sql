-- Issue 17: playback across devices (Connect). See docs in src/core/player/player-service.ts.

-- A listener's open players. A device is present while seen_at is within the presence TTL (three
-- device heartbeats): the process holding its socket refreshes seen_at at each pong and deletes the
-- row when the socket closes; rows left by a process that died simply expire (every read filters).
-- `connection_id` names the socket holding the device, so a socket that lost the device to a newer one
-- (same device id, new socket) neither refreshes nor deletes it.
create table player_devices (
  user_id text not null references users (id) on delete cascade,
  id text not null,
  name text not null check (char_length(name) between 1 and 64),
  type text not null,
  volume_percent int check (volume_percent between 0 and 100),
  supports_volume boolean not null default true,
  connection_id text not null,
  connected_at timestamptz not null default now(),
  seen_at timestamptz not null default now(),
  primary key (user_id, id)
);

-- One row per listener: what plays (or played last), where, and how. `version` grows with every
-- change; `progress_ms` held at `progress_at`, so the position now is extrapolated while playing.
-- `queue` is the whole play order (track ids), `queue_index` the current one. `queue_insert_at` is
-- where the next track added to the queue goes (after those added before it), null after a new load.
create table player_states (
  user_id text primary key references users (id) on delete cascade,
  version bigint not null default 0,
  active_device_id text,
  is_playing boolean not null default false,
  track_id text,
  progress_ms int not null default 0,
  progress_at timestamptz not null default now(),
  duration_ms int not null default 0,
  context_uri text,
  queue jsonb not null default '[]',
  queue_index int not null default 0,
  queue_insert_at int,
  shuffle boolean not null default false,
  repeat text not null default 'off' check (repeat in ('off', 'track', 'context')),
  volume_percent int not null default 100 check (volume_percent between 0 and 100),
  -- The version of the last change that sent the active device a command; its reports older than that
  -- (made before it followed the command) are refused, so a REST pause is never undone by one in flight.
  command_version bigint not null default 0,
  updated_at timestamptz not null default now()
);

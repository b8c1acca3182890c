-- Royalties: rights holders, per-track splits, market prices per period, runs and statement lines.
-- Reads qualifying_streams and royalty_periods (migration 005, the event consumers'). Money is in
-- integer micro-units of the market's currency (bigint). See docs/royalties.md.

create table rights_holders (
  id text primary key,
  name text not null,
  -- The artist account that may read this holder's statements (GET /v1/me/royalties/statements).
  user_id text references users (id) on delete set null,
  created_at timestamptz not null default now()
);
create index rights_holders_user_idx on rights_holders (user_id) where user_id is not null;

-- A track's percentage split in basis points. The service writes a track's splits as a whole and
-- refuses sets that do not sum to exactly 10000; the run refuses them again. No foreign key to
-- tracks: like qualifying_streams, splits outlive a catalog row so money is never silently dropped.
create table royalty_splits (
  track_id text not null,
  holder_id text not null references rights_holders (id),
  share_bp int not null check (share_bp between 1 and 10000),
  primary key (track_id, holder_id)
);
create index royalty_splits_holder_idx on royalty_splits (holder_id);

-- What one premium user pays in a market for a period, the share of it paid out, and the ad revenue
-- for free listening. Frozen once the period is closed.
create table royalty_prices (
  market char(2) not null,
  period char(7) not null check (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
  premium_price_micros bigint not null check (premium_price_micros >= 0),
  payout_bp int not null check (payout_bp between 0 and 10000),
  ad_revenue_micros bigint not null check (ad_revenue_micros >= 0),
  updated_at timestamptz not null default now(),
  primary key (market, period)
);

-- The latest run of a period; `digest` is the SHA-256 of its canonical lines, compared by reruns.
create table royalty_runs (
  period char(7) primary key,
  computed_at timestamptz not null,
  streams bigint not null,
  pool_micros bigint not null,
  paid_micros bigint not null,
  unassigned_micros bigint not null,
  unallocated_micros bigint not null,
  lines bigint not null,
  digest text not null
);

create table royalty_run_markets (
  period char(7) not null references royalty_runs (period) on delete cascade,
  market char(2) not null,
  premium_users bigint not null,
  premium_streams bigint not null,
  free_streams bigint not null,
  premium_pool_micros bigint not null,
  ad_pool_micros bigint not null,
  paid_micros bigint not null,
  unassigned_micros bigint not null,
  unallocated_micros bigint not null,
  primary key (period, market)
);

-- One line per (market, track, rights holder); holder_id null holds the money of a track without
-- splits (unassigned: kept, not paid, until splits exist and an open period is rerun).
create table royalty_statement_lines (
  period char(7) not null,
  market char(2) not null,
  track_id text not null,
  holder_id text,
  share_bp int not null,
  premium_streams bigint not null,
  free_streams bigint not null,
  amount_micros bigint not null check (amount_micros >= 0)
);
create index royalty_statement_lines_period_holder_idx on royalty_statement_lines (period, holder_id);

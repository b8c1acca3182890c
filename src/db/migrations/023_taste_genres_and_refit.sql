-- Issue 16: a new listener's stated taste, and model refits asked for by an administrator.

-- The genres a listener picked at sign-up (or later from Home). Lower case, as the recommendation
-- catalogue spells them; an empty array means "asked, chose none". The engine seeds a cold
-- listener's lists from them, less and less as real listening accumulates (docs/recommendations.md).
-- At most 20 (src/core/recs/taste.ts MAX_STATED_GENRES).
create table listener_genres (
  user_id text primary key references users (id) on delete cascade,
  genres text[] not null check (cardinality(genres) <= 20),
  updated_at timestamptz not null default now()
);

-- Refits asked for on demand (POST /v1/admin/recs/refit, `cadenza recs refit`). The fitting process
-- takes the open rows on its periodic check (or at once when nudged over the event bus) and fits
-- once for all of them. `taken_at` is set in the statement that reads them, so two fitting processes
-- never both take one request; `done_at` only once that fit's model is installed. A failed fit
-- clears `taken_at`, and a row taken long ago but never done (its process died) is taken again.
-- Done rows are pruned after a week.
create table recs_refit_requests (
  id bigserial primary key,
  requested_by text references users (id) on delete set null,
  requested_at timestamptz not null default now(),
  taken_at timestamptz,
  done_at timestamptz
);
create index recs_refit_requests_open_idx on recs_refit_requests (id) where done_at is null;

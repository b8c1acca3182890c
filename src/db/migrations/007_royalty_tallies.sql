-- Royalties at scale (see docs/royalties.md, "Scale"): per-period tallies of qualifying_streams kept by
-- the database itself, so a run reads counts instead of every stream.

-- A number for every track with qualifying streams, so tallies are read as arrays of integers; the
-- primary key lists the ids in byte order, the order of a run's lines.
create table royalty_track_keys (
  track_id text collate "C" primary key,
  key int generated always as identity
);

-- Streams per (period, market, track), and premium streams per (period, user, market) for the rule
-- that a premium user counts once, in their home market. Triggers on qualifying_streams keep both
-- equal to the raw rows whoever writes them (the plays consumer, a rebuild, a bulk load, a test).
create table royalty_stream_tallies (
  period char(7) not null,
  market char(2) not null,
  track_key int not null,
  premium bigint not null,
  free bigint not null,
  primary key (period, market, track_key)
);

create table royalty_user_tallies (
  period char(7) not null,
  user_id text not null,
  market char(2) not null,
  premium bigint not null,
  primary key (period, user_id, market)
);

-- Trigger bodies. A transition table is visible only inside its trigger's own function, so each
-- function spells out its upserts. Rows are upserted in key order, so concurrent writers lock tally
-- rows in the same order and wait for each other rather than deadlock.
create function royalty_streams_added() returns trigger language plpgsql as $$
begin
  -- Only ids without a key: a conflict would still use up a number of the identity.
  insert into royalty_track_keys (track_id)
  select distinct track_id from added a
  where not exists (select 1 from royalty_track_keys k where k.track_id = a.track_id collate "C")
  order by 1 on conflict do nothing;
  insert into royalty_stream_tallies as t (period, market, track_key, premium, free)
  select a.period, a.market, k.key,
         count(*) filter (where a.product = 'premium'), count(*) filter (where a.product = 'free')
  from added a join royalty_track_keys k on k.track_id = a.track_id collate "C"
  group by a.period, a.market, k.key order by a.period, a.market, k.key
  on conflict (period, market, track_key) do update set premium = t.premium + excluded.premium, free = t.free + excluded.free;
  insert into royalty_user_tallies as t (period, user_id, market, premium)
  select period, user_id, market, count(*) from added where product = 'premium'
  group by period, user_id, market order by period, user_id, market
  on conflict (period, user_id, market) do update set premium = t.premium + excluded.premium;
  return null;
end $$;

-- Counts go down, and a tally that reaches zero is deleted (a run never sees an empty track).
create function royalty_streams_removed() returns trigger language plpgsql as $$
begin
  update royalty_stream_tallies t set premium = t.premium - g.premium, free = t.free - g.free
  from (select r.period, r.market, k.key, count(*) filter (where r.product = 'premium') as premium,
               count(*) filter (where r.product = 'free') as free
        from removed r join royalty_track_keys k on k.track_id = r.track_id collate "C"
        group by r.period, r.market, k.key order by r.period, r.market, k.key) g
  where (t.period, t.market, t.track_key) = (g.period, g.market, g.key);
  delete from royalty_stream_tallies t
  using (select distinct r.period, r.market, k.key from removed r
         join royalty_track_keys k on k.track_id = r.track_id collate "C") g
  where (t.period, t.market, t.track_key) = (g.period, g.market, g.key) and t.premium = 0 and t.free = 0;
  update royalty_user_tallies t set premium = t.premium - g.premium
  from (select period, user_id, market, count(*) as premium from removed where product = 'premium'
        group by period, user_id, market order by period, user_id, market) g
  where (t.period, t.user_id, t.market) = (g.period, g.user_id, g.market);
  delete from royalty_user_tallies t using (select distinct period, user_id, market from removed) g
  where (t.period, t.user_id, t.market) = (g.period, g.user_id, g.market) and t.premium = 0;
  return null;
end $$;

create function royalty_streams_truncated() returns trigger language plpgsql as $$
begin
  truncate royalty_stream_tallies, royalty_user_tallies;
  return null;
end $$;

-- Streams are not updated (a stream stays in its period), but if one is, the old row counts out and
-- the new one in. Both functions run for an update, each with its own transition table.
create trigger royalty_tally_insert after insert on qualifying_streams
  referencing new table as added for each statement execute function royalty_streams_added();
create trigger royalty_tally_delete after delete on qualifying_streams
  referencing old table as removed for each statement execute function royalty_streams_removed();
create trigger royalty_tally_update_old after update on qualifying_streams
  referencing old table as removed for each statement execute function royalty_streams_removed();
create trigger royalty_tally_update_new after update on qualifying_streams
  referencing new table as added for each statement execute function royalty_streams_added();
create trigger royalty_tally_truncate after truncate on qualifying_streams
  for each statement execute function royalty_streams_truncated();

insert into royalty_track_keys (track_id) select distinct track_id from qualifying_streams order by 1;
insert into royalty_stream_tallies (period, market, track_key, premium, free)
select s.period, s.market, k.key, count(*) filter (where s.product = 'premium'), count(*) filter (where s.product = 'free')
from qualifying_streams s join royalty_track_keys k on k.track_id = s.track_id collate "C"
group by s.period, s.market, k.key;
insert into royalty_user_tallies (period, user_id, market, premium)
select period, user_id, market, count(*) from qualifying_streams where product = 'premium'
group by period, user_id, market;

-- Royalties at scale (see docs/royalties.md, "Scale"): a run's statement lines stored one row per
-- (period, market, holder) with the lines in arrays, so a run writes about a million rows instead of
-- tens of millions. royalty_statement_lines becomes a view giving the same lines one a row.

-- A run's tracks, numbered in byte order of their ids (the order of its lines), with the splits the
-- run used: a closed period is recomputed with these, and its lines name tracks by number.
create table royalty_run_tracks (
  period char(7) not null,
  track_no int not null,
  track_id text not null,
  -- Holder ids in byte order and their basis points; empty when the track had no splits.
  holders text[] not null,
  share_bps int[] not null,
  primary key (period, track_no)
);

-- A run's lines for one holder in one market (holder_id null: tracks without splits, unassigned),
-- as parallel arrays in track order. royalty_statement_lines below is the same data one line a row.
create table royalty_statements (
  period char(7) not null,
  market char(2) not null,
  holder_id text,
  track_nos int[] not null,
  premium_streams bigint[] not null,
  free_streams bigint[] not null,
  amounts_micros bigint[] not null,
  unique nulls not distinct (period, holder_id, market)
);

insert into royalty_run_tracks (period, track_no, track_id, holders, share_bps)
select period, (row_number() over (partition by period order by track_id collate "C"))::int - 1, track_id,
       coalesce(array_agg(holder_id order by holder_id collate "C") filter (where holder_id is not null), '{}'),
       coalesce(array_agg(share_bp order by holder_id collate "C") filter (where holder_id is not null), '{}')
from (select distinct period, track_id, holder_id, share_bp from royalty_statement_lines) l
group by period, track_id;

insert into royalty_statements (period, market, holder_id, track_nos, premium_streams, free_streams, amounts_micros)
select l.period, l.market, l.holder_id,
       array_agg(t.track_no order by t.track_no), array_agg(l.premium_streams order by t.track_no),
       array_agg(l.free_streams order by t.track_no), array_agg(l.amount_micros order by t.track_no)
from royalty_statement_lines l join royalty_run_tracks t on t.period = l.period and t.track_id = l.track_id
group by l.period, l.market, l.holder_id;

drop table royalty_statement_lines;

create view royalty_statement_lines as
select s.period, s.market, t.track_id, s.holder_id,
       coalesce(t.share_bps[array_position(t.holders, s.holder_id)], 10000) as share_bp,
       l.premium_streams, l.free_streams, l.amount_micros
from royalty_statements s
cross join lateral unnest(s.track_nos, s.premium_streams, s.free_streams, s.amounts_micros)
  as l(track_no, premium_streams, free_streams, amount_micros)
join royalty_run_tracks t on t.period = s.period and t.track_no = l.track_no;

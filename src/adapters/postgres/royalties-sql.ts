/** The royalty run's SQL (see docs/royalties.md for the same computation as one query). */

// The planner misjudges these aggregations' sizes and would spend longer compiling them (JIT) than
// running them; a larger work_mem keeps more of the grouping in memory (it spills to disk beyond).
export const AGGREGATION_SETTINGS = `set local jit = off; set local work_mem = '128MB'`;

// Each premium user counts once, in the market holding most of their premium streams (ties: the
// smaller market code), so a user who moved country mid-period is not paid for twice.
export const PREMIUM_USERS = `with per_user as (
    select user_id, market, count(*) as n from qualifying_streams
    where period = $1 and product = 'premium' group by user_id, market),
  home as (select distinct on (user_id) user_id, market from per_user order by user_id, n desc, market collate "C")
  select market, count(*)::int as users from home group by market`;

export const CURRENT_SPLITS = `select track_id, array_agg(holder_id order by holder_id collate "C") as holders,
    array_agg(share_bp order by holder_id collate "C") as bps
  from royalty_splits group by track_id`;

// A closed period is recomputed with the splits its stored lines were computed with.
export const STORED_SPLITS = `select track_id,
    array_agg(holder_id order by holder_id collate "C") filter (where holder_id is not null) as holders,
    array_agg(share_bp order by holder_id collate "C") filter (where holder_id is not null) as bps
  from (select distinct track_id, holder_id, share_bp from royalty_statement_lines where period = $1) l
  group by track_id`;

export const marketTracksQuery = (splits: string) => `with counts as (
    select market, track_id,
      count(*) filter (where product = 'premium') as premium,
      count(*) filter (where product = 'free') as free
    from qualifying_streams where period = $1 group by market, track_id),
  splits as (${splits})
  select c.market, c.track_id, c.premium, c.free, s.holders, s.bps
  from counts c left join splits s using (track_id)
  order by c.market collate "C", c.track_id collate "C"`;

export const LINE_COLUMNS = `select l.period, l.market, l.track_id, l.holder_id, h.name as holder_name, t.name as track_name,
    l.share_bp, l.premium_streams, l.free_streams, l.amount_micros::text as amount
  from royalty_statement_lines l join rights_holders h on h.id = l.holder_id left join tracks t on t.id = l.track_id`;

export const COPY_LINES = `copy royalty_statement_lines
  (period, market, track_id, holder_id, share_bp, premium_streams, free_streams, amount_micros) from stdin`;

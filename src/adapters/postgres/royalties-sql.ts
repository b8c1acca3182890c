/** The royalty run's SQL (see docs/royalties.md for the same computation as one query). */

// Each premium user counts once, in the market holding most of their premium streams (ties: the
// smaller market code), so a user who moved country mid-period is not paid for twice. Read from the
// per-user tallies (migration 007), which the triggers keep equal to qualifying_streams.
export const PREMIUM_USERS = `select market, count(*)::int as users
  from (select distinct on (user_id) user_id, market from royalty_user_tallies
        where period = $1 and premium > 0 order by user_id, premium desc, market collate "C") home
  group by market`;

/**
 * The queries a run reads its inputs with (royalties-columns.ts), each one row of arrays so the
 * millions of values arrive as a few binary messages; `period` is a quoted literal.
 */
export const periodQueries = (period: string, splitsFrom: 'current' | 'stored') => ({
  tallies: `select market, array_agg(track_key), array_agg(premium), array_agg(free)
    from royalty_stream_tallies where period = ${period} group by market`,
  keys: 'select array_agg(key order by track_id), array_agg(track_id order by track_id) from royalty_track_keys',
  holders: 'select array_agg(id order by id collate "C") from rights_holders',
  splits: `select array_agg(k.key), array_agg(h.n), array_agg(s.share_bp)
    from ${
      splitsFrom === 'current'
        ? 'royalty_splits s'
        : // A closed period is recomputed with the splits its stored run used.
          `royalty_run_tracks t cross join lateral unnest(t.holders, t.share_bps) as s(holder_id, share_bp)`
    }
    join royalty_track_keys k on k.track_id = ${splitsFrom === 'current' ? 's' : 't'}.track_id collate "C"
    join (select id, (row_number() over (order by id collate "C"))::int - 1 as n from rights_holders) h
      on h.id = s.holder_id${splitsFrom === 'current' ? '' : ` where t.period = ${period}`}`,
});

// The view royalty_statement_lines spreads royalty_statements' arrays one line a row.
export const LINE_COLUMNS = `select l.period, l.market, l.track_id, l.holder_id, h.name as holder_name, t.name as track_name,
    l.share_bp, l.premium_streams, l.free_streams, l.amount_micros::text as amount
  from royalty_statement_lines l join rights_holders h on h.id = l.holder_id left join tracks t on t.id = l.track_id`;

export const COPY_RUN_TRACKS = `copy royalty_run_tracks (period, track_no, track_id, holders, share_bps)
  from stdin with (format binary)`;

export const COPY_STATEMENTS = `copy royalty_statements
  (period, market, holder_id, track_nos, premium_streams, free_streams, amounts_micros) from stdin with (format binary)`;

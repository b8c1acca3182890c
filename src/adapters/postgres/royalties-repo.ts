import type pg from 'pg';
import { Conflict } from '../../core/errors.js';
import type {
  HolderStatementLine,
  MarketCounts,
  MarketLines,
  MarketPrice,
  PeriodStreams,
  PeriodTracks,
  RightsHolder,
  RoyaltiesRepository,
  RunSummary,
  RunWriter,
  Split,
} from '../../core/royalties/types.js';
import { copyFrom } from './copy-from.js';
import { readPeriodStreams, runTrackRows, statementRows } from './royalties-columns.js';
import { COPY_RUN_TRACKS, COPY_STATEMENTS, LINE_COLUMNS, PREMIUM_USERS, periodQueries } from './royalties-sql.js';

interface LineRow {
  period: string;
  market: string;
  track_id: string;
  holder_id: string;
  holder_name: string;
  track_name: string | null;
  share_bp: number;
  premium_streams: number | string;
  free_streams: number | string;
  amount: string;
}

export class PgRoyaltiesRepository implements RoyaltiesRepository {
  constructor(private readonly pool: pg.Pool) {}

  async periodClosedAt(period: string): Promise<Date | null> {
    const r = await this.pool.query('select closed_at from royalty_periods where period = $1', [period]);
    return (r.rows[0]?.closed_at as Date | undefined) ?? null;
  }

  async prices(period: string): Promise<MarketPrice[]> {
    const r = await this.pool.query(
      `select market, period, premium_price_micros::text as price, payout_bp, ad_revenue_micros::text as ad
       from royalty_prices where period = $1 order by market`,
      [period],
    );
    return r.rows.map((p) => ({
      market: p.market,
      period: p.period,
      premiumPriceMicros: BigInt(p.price),
      payoutBp: p.payout_bp,
      adRevenueMicros: BigInt(p.ad),
    }));
  }

  async setPrice(p: MarketPrice): Promise<void> {
    await this.pool.query(
      `insert into royalty_prices (market, period, premium_price_micros, payout_bp, ad_revenue_micros)
       values ($1, $2, $3, $4, $5)
       on conflict (market, period) do update set premium_price_micros = excluded.premium_price_micros,
         payout_bp = excluded.payout_bp, ad_revenue_micros = excluded.ad_revenue_micros, updated_at = now()`,
      [p.market, p.period, p.premiumPriceMicros.toString(), p.payoutBp, p.adRevenueMicros.toString()],
    );
  }

  async premiumUsers(period: string): Promise<Map<string, number>> {
    const client = await this.pool.connect();
    try {
      // A million users' home markets are sorted in memory rather than on disk.
      await client.query(`begin read only; set local work_mem = '256MB'; set local jit = off`);
      const r = await client.query(PREMIUM_USERS, [period]);
      await client.query('commit');
      return new Map(r.rows.map((row) => [row.market as string, row.users as number]));
    } finally {
      await client.query('rollback').catch(() => {});
      client.release();
    }
  }

  async periodStreams(period: string, splitsFrom: 'current' | 'stored'): Promise<PeriodStreams> {
    const clients: pg.PoolClient[] = [];
    for (let i = 0; i < 4; i++) clients.push(await this.pool.connect());
    try {
      // The aggregations and sorts of millions of rows stay in memory rather than spill to disk, and
      // are not worth compiling (JIT) for one execution.
      for (const c of clients) await c.query(`set work_mem = '256MB'; set jit = off`);
      // Read at once rather than in one snapshot: a close refuses a period whose streams changed
      // meanwhile (commit below), and a closed period's inputs do not change.
      return await readPeriodStreams(clients, periodQueries(clients[0]!.escapeLiteral(period), splitsFrom));
    } finally {
      for (const c of clients) {
        await c.query('reset work_mem; reset jit').catch(() => {});
        c.release();
      }
    }
  }

  async storedDigest(period: string): Promise<string | null> {
    const r = await this.pool.query('select digest from royalty_runs where period = $1', [period]);
    return (r.rows[0]?.digest as string | undefined) ?? null;
  }

  async openRun(period: string): Promise<RunWriter> {
    const client = await this.pool.connect();
    let done = false;
    const finish = async (sql: string) => {
      if (done) return;
      done = true;
      try {
        await client.query(sql);
      } finally {
        client.release();
      }
    };
    try {
      await client.query('begin');
      // One writer per period at a time; a run that waited behind one that closed the period stops.
      await client.query('select pg_advisory_xact_lock(hashtext($1))', [`royalties:${period}`]);
      const closed = await client.query(
        'select 1 from royalty_periods p join royalty_runs r using (period) where p.period = $1 and p.closed_at is not null',
        [period],
      );
      if (closed.rowCount)
        throw new Conflict(`period ${period} was closed meanwhile; run it again to verify`, 'period');
      await client.query('delete from royalty_statements where period = $1', [period]);
      await client.query('delete from royalty_run_tracks where period = $1', [period]);
      await client.query('delete from royalty_runs where period = $1', [period]);
    } catch (err) {
      await finish('rollback');
      throw err;
    }
    return {
      tracks: (tracks: PeriodTracks) => copyFrom(client, COPY_RUN_TRACKS, runTrackRows(period, tracks)),
      lines: (tracks: PeriodTracks, counts: MarketCounts, lines: MarketLines) =>
        copyFrom(client, COPY_STATEMENTS, statementRows(period, tracks, counts, lines)),
      commit: async (summary: RunSummary, close: boolean) => {
        try {
          await insertRun(client, summary);
          if (close) {
            await client.query(
              `insert into royalty_periods (period, closed_at) values ($1, now())
               on conflict (period) do update set closed_at = coalesce(royalty_periods.closed_at, excluded.closed_at)`,
              [period],
            );
            // Streams assigned to this period while the run read it would be left out of a closed period.
            const r = await client.query(
              'select coalesce(sum(premium + free), 0)::bigint as n from royalty_stream_tallies where period = $1',
              [period],
            );
            if (Number(r.rows[0].n) !== summary.streams) {
              throw new Conflict(`streams of ${period} arrived during the run; run it again to close`, 'period');
            }
          }
        } catch (err) {
          await finish('rollback');
          throw err;
        }
        await finish('commit');
      },
      abort: () => finish('rollback'),
    };
  }

  async addHolder(h: RightsHolder): Promise<void> {
    await this.pool.query('insert into rights_holders (id, name, user_id) values ($1, $2, $3)', [
      h.id,
      h.name,
      h.userId,
    ]);
  }

  async holdersExist(ids: string[]): Promise<string[]> {
    const r = await this.pool.query('select id from rights_holders where id = any($1::text[])', [ids]);
    return r.rows.map((row) => row.id as string);
  }

  async trackExists(trackId: string): Promise<boolean> {
    const r = await this.pool.query('select 1 from tracks where id = $1', [trackId]);
    return (r.rowCount ?? 0) > 0;
  }

  async replaceSplits(trackId: string, splits: Split[]): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('begin');
      await client.query('delete from royalty_splits where track_id = $1', [trackId]);
      await client.query(
        `insert into royalty_splits (track_id, holder_id, share_bp)
         select $1, h, bp from unnest($2::text[], $3::int[]) as x(h, bp)`,
        [trackId, splits.map((s) => s.holderId), splits.map((s) => s.shareBp)],
      );
      await client.query('commit');
    } catch (err) {
      await client.query('rollback').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  async splits(trackId: string): Promise<Split[]> {
    const r = await this.pool.query(
      'select holder_id, share_bp from royalty_splits where track_id = $1 order by holder_id collate "C"',
      [trackId],
    );
    return r.rows.map((row) => ({ holderId: row.holder_id, shareBp: row.share_bp }));
  }

  async statement(period: string, filter: { holderId?: string; userId?: string }): Promise<HolderStatementLine[]> {
    const where = filter.holderId ? 'l.holder_id = $2' : filter.userId ? 'h.user_id = $2' : '$2::text is null';
    const r = await this.pool.query<LineRow>(
      `${LINE_COLUMNS} where l.period = $1 and ${where}
       order by l.holder_id collate "C", l.market collate "C", l.track_id collate "C"`,
      [period, filter.holderId ?? filter.userId],
    );
    return r.rows.map((row) => ({
      period: row.period,
      market: row.market,
      trackId: row.track_id,
      trackName: row.track_name,
      holderId: row.holder_id,
      holderName: row.holder_name,
      shareBp: row.share_bp,
      premiumStreams: Number(row.premium_streams),
      freeStreams: Number(row.free_streams),
      amountMicros: BigInt(row.amount),
    }));
  }

  async findUserId(username: string): Promise<string | null> {
    const r = await this.pool.query('select id from users where lower(username) = lower($1)', [username]);
    return (r.rows[0]?.id as string | undefined) ?? null;
  }

  async userExists(id: string): Promise<boolean> {
    const r = await this.pool.query('select 1 from users where id = $1', [id]);
    return (r.rowCount ?? 0) > 0;
  }
}

async function insertRun(client: pg.PoolClient, s: RunSummary): Promise<void> {
  await client.query(
    `insert into royalty_runs (period, computed_at, streams, pool_micros, paid_micros, unassigned_micros,
       unallocated_micros, lines, digest) values ($1, now(), $2, $3, $4, $5, $6, $7, $8)`,
    [
      s.period,
      s.streams,
      `${s.poolMicros}`,
      `${s.paidMicros}`,
      `${s.unassignedMicros}`,
      `${s.unallocatedMicros}`,
      s.lines,
      s.digest,
    ],
  );
  const m = s.markets;
  await client.query(
    `insert into royalty_run_markets (period, market, premium_users, premium_streams, free_streams,
       premium_pool_micros, ad_pool_micros, paid_micros, unassigned_micros, unallocated_micros)
     select $1, * from unnest($2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[],
       $8::bigint[], $9::bigint[], $10::bigint[])`,
    [
      s.period,
      m.map((x) => x.market),
      m.map((x) => x.premiumUsers),
      m.map((x) => x.premiumStreams),
      m.map((x) => x.freeStreams),
      m.map((x) => `${x.premiumPoolMicros}`),
      m.map((x) => `${x.adPoolMicros}`),
      m.map((x) => `${x.paidMicros}`),
      m.map((x) => `${x.unassignedMicros}`),
      m.map((x) => `${x.unallocatedMicros}`),
    ],
  );
}

import { sql } from 'kysely';
import { type EventLog, LOG_START, type LogEntry, type LogRecord, type Offset } from '../../ports/event-log.js';
import type { Db } from './database.js';

/**
 * A waiting reader looks again for entries appended by other processes after POLL_MIN_MS, backing off
 * to POLL_MAX_MS while the log stays quiet (appends in this process wake it at once).
 */
const POLL_MIN_MS = 20;
const POLL_MAX_MS = 500;

/** "tx:seq", both zero-padded: sorts like the (tx, seq) order readers walk. */
const toOffset = (tx: string, seq: string) => `${tx.padStart(20, '0')}:${seq.padStart(20, '0')}`;

function parseOffset(offset: Offset): { tx: string; seq: string } {
  if (offset === LOG_START) return { tx: '0', seq: '0' };
  const m = /^(\d{20}):(\d{20})$/.exec(offset);
  if (!m) throw new Error(`not an offset of the PostgreSQL event log: "${offset}"`);
  return { tx: BigInt(m[1]!).toString(), seq: BigInt(m[2]!).toString() };
}

const INSERTS_IN_FLIGHT = 8;
const GROUP_ROWS = 5000;
const MIN_GROUP_ROWS = 500;

interface PendingAppend {
  records: LogRecord[];
  resolve(fresh: number): void;
  reject(err: unknown): void;
}

interface Row {
  tx_text: string;
  seq_text: string;
  id: string;
  body: string;
}

/**
 * The embedded event log: a table ordered by (transaction id, sequence). A sequence alone is not a
 * safe offset, because concurrent appends commit out of sequence order and a reader could pass a
 * number whose row is not yet visible. Readers instead stop before the oldest append still running,
 * below which the set of committed rows can no longer change (see readNow).
 */
export class PgEventLog implements EventLog {
  private readonly waiters = new Set<() => void>();
  private readonly queue: PendingAppend[] = [];
  private inFlight = 0;
  /** Records waiting in `queue`, kept as appends arrive and groups leave rather than summed each pass. */
  private queuedRows = 0;
  private closed = false;

  constructor(private readonly db: Db) {}

  /**
   * Appends arriving while INSERTS_IN_FLIGHT inserts are running wait and go together in the next
   * one (up to GROUP_ROWS rows): under load, one statement and one commit carry many requests. Eight
   * in flight measured best on two cores (4: about two thirds of the rate; 16: no better).
   */
  async append(records: LogRecord[]): Promise<number> {
    if (records.length === 0) return 0;
    return new Promise((resolve, reject) => {
      this.queue.push({ records, resolve, reject });
      this.queuedRows += records.length;
      this.flush();
    });
  }

  private flush(): void {
    // While inserts run, a few queued rows wait for a fuller group: the next completion sends them.
    while (
      this.queue.length > 0 &&
      this.inFlight < INSERTS_IN_FLIGHT &&
      (this.inFlight === 0 || this.queuedRows >= MIN_GROUP_ROWS)
    ) {
      const group: PendingAppend[] = [];
      let rows = 0;
      while (this.queue.length > 0 && (rows === 0 || rows + this.queue[0]!.records.length <= GROUP_ROWS)) {
        const next = this.queue.shift()!;
        group.push(next);
        rows += next.records.length;
      }
      this.queuedRows -= rows;
      this.inFlight++;
      this.insert(group)
        .catch((err) => {
          for (const p of group) p.reject(err);
        })
        .finally(() => {
          this.inFlight--;
          this.flush();
        });
    }
  }

  private async insert(group: PendingAppend[]): Promise<void> {
    const records = group.flatMap((p) => p.records);
    const r = await sql<{ id: string }>`insert into event_log (id, body)
      select * from unnest(${records.map((x) => x.id)}::text[], ${records.map((x) => x.body)}::text[])
      on conflict (id) do nothing returning id`.execute(this.db);
    for (const wake of this.waiters) wake();
    // Each new id counts for the first append in the group that carried it.
    const fresh = new Set(r.rows.map((row) => row.id));
    for (const p of group) {
      let n = 0;
      for (const x of p.records) if (fresh.delete(x.id)) n++;
      p.resolve(n);
    }
  }

  async read(after: Offset, max: number, waitMs: number): Promise<LogEntry[]> {
    const deadline = Date.now() + waitMs;
    for (let poll = POLL_MIN_MS; ; poll = Math.min(poll * 2, POLL_MAX_MS)) {
      const entries = await this.readNow(after, max);
      const left = deadline - Date.now();
      if (entries.length > 0 || left <= 0 || this.closed) return entries;
      await this.pause(Math.min(left, poll));
    }
  }

  async fetch(consumer: string, max: number, waitMs: number): Promise<LogEntry[]> {
    return this.read(await this.committed(consumer), max, waitMs);
  }

  async commit(consumer: string, offset: Offset): Promise<void> {
    await sql`insert into event_log_offsets (consumer, "offset") values (${consumer}, ${offset})
      on conflict (consumer) do update set "offset" = excluded."offset", updated_at = now()
      where event_log_offsets."offset" < excluded."offset"`.execute(this.db);
  }

  async committed(consumer: string): Promise<Offset> {
    const r = await sql<{
      offset: string;
    }>`select "offset" from event_log_offsets where consumer = ${consumer}`.execute(this.db);
    return r.rows[0]?.offset ?? LOG_START;
  }

  async reset(consumer: string, offset: Offset): Promise<void> {
    await sql`insert into event_log_offsets (consumer, "offset") values (${consumer}, ${offset})
      on conflict (consumer) do update set "offset" = excluded."offset", updated_at = now()`.execute(this.db);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.waiters) wake();
  }

  /**
   * One snapshot (repeatable read) for the whole read. Entries are read below a watermark: the oldest
   * transaction that was running when the snapshot was taken and may be an append still to commit.
   * Appends are single statements that lock event_log before they get a transaction id and keep the
   * lock until they commit; so a running transaction whose session holds no lock on event_log, seen
   * after the snapshot, is not an append, and cannot hold the readers back (another database's
   * import, a long report). Order matters: snapshot, then locks, then the sessions' transaction ids.
   */
  private async readNow(after: Offset, max: number): Promise<LogEntry[]> {
    const { tx, seq } = parseOffset(after);
    return this.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (trx) => {
        const locks = await sql<{ pids: number[] }>`select pg_current_snapshot() is not null as taken,
          array(select pid from pg_locks where relation = 'event_log'::regclass) as pids`.execute(trx);
        const appenders = locks.rows[0]?.pids ?? [];
        // Output names differ from the columns: ORDER BY would otherwise sort the text forms.
        const r = await sql<Row>`with others as (
            select backend_xid::text::bigint as xid from pg_stat_activity
            where backend_xid is not null and not (pid = any(${appenders}::int[]))
          ), mark as (
            select min(x) as w from pg_snapshot_xip(pg_current_snapshot()) x
            where (x::text::bigint % 4294967296) not in (select xid from others)
          )
          select tx::text as tx_text, seq::text as seq_text, id, body from event_log, mark
          where (tx, seq) > (${tx}::xid8, ${seq}::bigint) and (mark.w is null or tx < mark.w)
          order by event_log.tx, event_log.seq limit ${max}`.execute(trx);
        return r.rows.map((row) => ({ offset: toOffset(row.tx_text, row.seq_text), id: row.id, body: row.body }));
      });
  }

  /** Sleeps until the poll interval passes or this process appends. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }
}

import { sql } from 'kysely';
import { type EventLog, LOG_START, type LogEntry, type LogRecord, type Offset } from '../../ports/event-log.js';
import type { Db } from './database.js';

/** How often a waiting reader looks again for entries appended by other processes. */
const POLL_MS = 20;

/** "tx:seq", both zero-padded: sorts like the (tx, seq) order readers walk. */
const toOffset = (tx: string, seq: string) => `${tx.padStart(20, '0')}:${seq.padStart(20, '0')}`;

function parseOffset(offset: Offset): { tx: string; seq: string } {
  if (offset === LOG_START) return { tx: '0', seq: '0' };
  const m = /^(\d{20}):(\d{20})$/.exec(offset);
  if (!m) throw new Error(`not an offset of the PostgreSQL event log: "${offset}"`);
  return { tx: BigInt(m[1]!).toString(), seq: BigInt(m[2]!).toString() };
}

interface Row {
  tx: string;
  seq: string;
  id: string;
  body: string;
}

/**
 * The embedded event log: a table ordered by (transaction id, sequence). A sequence alone is not a
 * safe offset, because concurrent appends commit out of sequence order and a reader could pass a
 * number whose row is not yet visible. Readers instead stop before the oldest transaction still
 * running (`pg_snapshot_xmin`), below which the set of committed rows can no longer change.
 */
export class PgEventLog implements EventLog {
  private readonly waiters = new Set<() => void>();
  private closed = false;

  constructor(private readonly db: Db) {}

  async append(records: LogRecord[]): Promise<number> {
    if (records.length === 0) return 0;
    const r = await sql`insert into event_log (id, body)
      select * from unnest(${records.map((x) => x.id)}::text[], ${records.map((x) => x.body)}::text[])
      on conflict (id) do nothing`.execute(this.db);
    for (const wake of this.waiters) wake();
    return Number(r.numAffectedRows ?? 0);
  }

  async read(after: Offset, max: number, waitMs: number): Promise<LogEntry[]> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const entries = await this.readNow(after, max);
      const left = deadline - Date.now();
      if (entries.length > 0 || left <= 0 || this.closed) return entries;
      await this.pause(Math.min(left, POLL_MS));
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

  private async readNow(after: Offset, max: number): Promise<LogEntry[]> {
    const { tx, seq } = parseOffset(after);
    const r = await sql<Row>`select tx::text as tx, seq::text as seq, id, body from event_log
      where (tx, seq) > (${tx}::xid8, ${seq}::bigint) and tx < pg_snapshot_xmin(pg_current_snapshot())
      order by tx, seq limit ${max}`.execute(this.db);
    return r.rows.map((row) => ({ offset: toOffset(row.tx, row.seq), id: row.id, body: row.body }));
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

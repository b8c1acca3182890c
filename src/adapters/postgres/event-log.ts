import { sql } from 'kysely';
import { type EventLog, LOG_START, type LogEntry, type LogRecord, type Offset } from '../../ports/event-log.js';
import type { Db } from './database.js';

/**
 * A waiting reader looks again for entries appended by other processes after POLL_MIN_MS, backing off
 * to POLL_MAX_MS while the log stays quiet (appends in this process wake it at once).
 */
const POLL_MIN_MS = 20;
const POLL_MAX_MS = 500;

/** A page's key and its offsets' prefix: "tx:seq", zero-padded, sorting like the (tx, seq) order readers walk. */
const pageKey = (tx: string, seq: string) => `${tx.padStart(20, '0')}:${seq.padStart(20, '0')}`;
/** "tx:seq:index": a record's page, then its place in the page. */
const toOffset = (page: string, index: number) => `${page}:${index.toString().padStart(10, '0')}`;

function parseOffset(offset: Offset): { tx: string; seq: string; index: number } {
  if (offset === LOG_START) return { tx: '0', seq: '0', index: -1 };
  const m = /^(\d{20}):(\d{20}):(\d{10})$/.exec(offset);
  if (!m) throw new Error(`not an offset of the PostgreSQL event log: "${offset}"`);
  return { tx: BigInt(m[1]!).toString(), seq: BigInt(m[2]!).toString(), index: Number(m[3]) };
}

/** `<length>:<text>`, the length in UTF-16 code units: a page's records, one after another. */
const frame = (text: string) => `${text.length}:${text}`;

function unframe(page: string, frames: string): LogEntry[] {
  const entries: LogEntry[] = [];
  let at = 0;
  const next = () => {
    const colon = frames.indexOf(':', at);
    const end = colon + 1 + Number(frames.slice(at, colon));
    const text = frames.slice(colon + 1, end);
    at = end;
    return text;
  };
  while (at < frames.length) {
    const id = next();
    entries.push({ offset: toOffset(page, entries.length), id, body: next() });
  }
  return entries;
}

const INSERTS_IN_FLIGHT = 8;
const GROUP_ROWS = 5000;
const MIN_GROUP_ROWS = 500;

interface PendingAppend {
  records: LogRecord[];
  resolve(fresh: number): void;
  reject(err: unknown): void;
}

interface PageRow {
  tx_text: string;
  seq_text: string;
  records: number;
}

/** Records of pages read lately kept split, so the consumers reading behind each other fetch a page once. */
const CACHED_RECORDS = 100_000;

/**
 * The embedded event log: a table of pages, one per append, ordered by (transaction id, sequence). A
 * sequence alone is not a safe offset, because concurrent appends commit out of sequence order and a
 * reader could pass a number whose row is not yet visible. Readers instead stop before the oldest
 * append still running, below which the set of committed pages can no longer change (see readNow).
 * Each record's id is also a key of event_log_ids, which makes appending it again a no-op.
 */
export class PgEventLog implements EventLog {
  private readonly waiters = new Set<() => void>();
  /** Split pages by key, oldest first (a Map keeps insertion order); pages never change once visible. */
  private readonly pages = new Map<string, LogEntry[]>();
  private cachedRecords = 0;
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

  /**
   * One statement: each record's id into event_log_ids, and one page of the records in the order they
   * came. A retry (an id already there) fails it as a whole; the group is then sent again with each
   * record sent only when its id is new (see insertNew). An id repeated within the group counts for
   * its first record only.
   */
  private async insert(group: PendingAppend[]): Promise<void> {
    const ids: string[] = [];
    let frames = '';
    const seen = new Set<string>();
    for (const p of group) {
      for (const x of p.records) {
        if (seen.has(x.id)) continue;
        seen.add(x.id);
        ids.push(x.id);
        frames += frame(x.id) + frame(x.body);
      }
    }
    let fresh: Set<string>;
    try {
      await sql`with fresh as (insert into event_log_ids (id) select unnest(${ids}::text[]))
        insert into event_log (records, frames) values (${ids.length}, ${frames})`.execute(this.db);
      fresh = seen;
    } catch (err) {
      if ((err as { code?: string }).code !== '23505') throw err;
      fresh = await this.insertNew(group, ids);
    }
    for (const wake of this.waiters) wake();
    // Each new id counts for the first append in the group that carried it.
    for (const p of group) {
      let n = 0;
      for (const x of p.records) if (fresh.delete(x.id)) n++;
      p.resolve(n);
    }
  }

  /** The slower form for a group holding ids the log already has: the page gets the new ones only. */
  private async insertNew(group: PendingAppend[], ids: string[]): Promise<Set<string>> {
    const bodies = new Map<string, string>();
    for (const p of group) for (const x of p.records) if (!bodies.has(x.id)) bodies.set(x.id, x.body);
    const r = await sql<{ id: string }>`with input as (
        select * from unnest(${ids}::text[], ${ids.map((id) => frame(id) + frame(bodies.get(id)!))}::text[])
          with ordinality as r(id, frame, n)
      ), fresh as (
        insert into event_log_ids (id) select id from input on conflict do nothing returning id
      ), page as (
        insert into event_log (records, frames)
        select count(*), string_agg(input.frame, '' order by input.n) from input
        join fresh on fresh.id = input.id collate "C" having count(*) > 0
      )
      select id from fresh`.execute(this.db);
    return new Set(r.rows.map((row) => row.id));
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
    const { tx, seq, index } = parseOffset(after);
    const afterPage = pageKey(tx, seq);
    const visible = await this.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (trx) => {
        const locks = await sql<{ pids: number[] }>`select pg_current_snapshot() is not null as taken,
          array(select pid from pg_locks where relation = 'event_log'::regclass) as pids`.execute(trx);
        const appenders = locks.rows[0]?.pids ?? [];
        // Output names differ from the columns: ORDER BY would otherwise sort the text forms. Each page
        // holds at least one record, so max + 1 pages always hold enough.
        const r = await sql<PageRow>`with others as (
            select backend_xid::text::bigint as xid from pg_stat_activity
            where backend_xid is not null and not (pid = any(${appenders}::int[]))
          ), mark as (
            select min(x) as w from pg_snapshot_xip(pg_current_snapshot()) x
            where (x::text::bigint % 4294967296) not in (select xid from others)
          )
          select tx::text as tx_text, seq::text as seq_text, records from event_log, mark
          where (tx, seq) >= (${tx}::xid8, ${seq}::bigint) and (mark.w is null or tx < mark.w)
          order by event_log.tx, event_log.seq limit ${max + 1}`.execute(trx);
        return r.rows.map((row) => ({ key: pageKey(row.tx_text, row.seq_text), records: row.records }));
      });
    // The pages that hold the next `max` records, skipping what `after` already covers.
    const wanted: Array<{ key: string; from: number }> = [];
    let count = 0;
    for (const page of visible) {
      if (count >= max) break;
      const from = page.key === afterPage ? index + 1 : 0;
      if (from >= page.records) continue;
      wanted.push({ key: page.key, from });
      count += page.records - from;
    }
    const pages = await this.loadPages(wanted.map((w) => w.key));
    const entries: LogEntry[] = [];
    for (const { key, from } of wanted) {
      const records = pages.get(key);
      if (records === undefined) throw new Error(`event log page ${key} is gone`);
      entries.push(...records.slice(from, from + max - entries.length));
    }
    return entries;
  }

  /**
   * The records of these pages: from the cache, else fetched and split, so a page is fetched once for all
   * this process's readers. They are taken before any await: another reader's eviction meanwhile cannot
   * take a page from this one.
   */
  private async loadPages(keys: string[]): Promise<Map<string, LogEntry[]>> {
    const found = new Map<string, LogEntry[]>();
    for (const key of keys) {
      const cached = this.pages.get(key);
      if (cached !== undefined) found.set(key, cached);
    }
    const missing = keys.filter((key) => !found.has(key));
    if (missing.length > 0) {
      const r = await sql<{ tx_text: string; seq_text: string; frames: string }>`
        select tx::text as tx_text, seq::text as seq_text, frames from event_log
        where (tx, seq) in (select * from unnest(${missing.map((k) => BigInt(k.slice(0, 20)).toString())}::xid8[],
          ${missing.map((k) => BigInt(k.slice(21)).toString())}::bigint[]))`.execute(this.db);
      for (const row of r.rows) {
        const key = pageKey(row.tx_text, row.seq_text);
        const records = unframe(key, row.frames);
        found.set(key, records);
        // Another reader may have cached it meanwhile.
        if (!this.pages.has(key)) {
          this.pages.set(key, records);
          this.cachedRecords += records.length;
        }
      }
    }
    // Oldest out first, but never a page this read needs.
    const needed = new Set(keys);
    for (const [key, records] of this.pages) {
      if (this.cachedRecords <= CACHED_RECORDS) break;
      if (needed.has(key)) continue;
      this.pages.delete(key);
      this.cachedRecords -= records.length;
    }
    return found;
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

import { type Kysely, sql, type Transaction } from 'kysely';
import type { Offset } from '../../ports/event-log.js';
import type { DatabaseHandle, Db } from './database.js';
import type { Database } from './schema.js';

export type Tx = Transaction<Database>;

/**
 * Runs `apply` on the entries after the consumer's applied offset, and records the new applied offset,
 * in one transaction. An entry delivered again (a crash after this commit and before the log's) is
 * skipped, so a consumer's effects happen once whatever the log redelivers. The row lock also makes
 * two runners of one consumer take turns.
 */
export async function applyOnce<E extends { offset: Offset }>(
  db: Db,
  consumer: string,
  entries: E[],
  apply: (tx: Tx, fresh: E[]) => Promise<void>,
): Promise<void> {
  if (entries.length === 0) return;
  await db.transaction().execute(async (tx) => {
    await sql`insert into event_consumer_progress (consumer, applied) values (${consumer}, '')
      on conflict (consumer) do nothing`.execute(tx);
    const r = await sql<{ applied: string }>`select applied from event_consumer_progress
      where consumer = ${consumer} for update`.execute(tx);
    const applied = r.rows[0]?.applied ?? '';
    const fresh = entries.filter((e) => e.offset > applied);
    if (fresh.length === 0) return;
    await apply(tx, fresh);
    await sql`update event_consumer_progress set applied = ${fresh.at(-1)!.offset}
      where consumer = ${consumer}`.execute(tx);
  });
}

/** Forgets what the consumer applied (with its derived rows cleared by the caller, in `clear`). */
export async function forgetProgress(db: Kysely<Database>, consumer: string, clear: (tx: Tx) => Promise<void>) {
  await db.transaction().execute(async (tx) => {
    await clear(tx);
    await sql`delete from event_consumer_progress where consumer = ${consumer}`.execute(tx);
  });
}

/**
 * A session advisory lock per consumer, held on its own connection for as long as this process runs
 * the consumer: with several worker processes, one runs each consumer and the others stand by.
 */
export function consumerLease(database: DatabaseHandle) {
  return async (consumer: string, signal: AbortSignal): Promise<(() => Promise<void>) | undefined> => {
    while (!signal.aborted) {
      const client = await database.pool.connect();
      const r = await client.query('select pg_try_advisory_lock(hashtext($1)) as ok', [`cadenza-consumer:${consumer}`]);
      if (r.rows[0].ok) {
        return async () => {
          await client
            .query('select pg_advisory_unlock(hashtext($1))', [`cadenza-consumer:${consumer}`])
            .catch(() => {});
          client.release();
        };
      }
      client.release();
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
    return undefined;
  };
}

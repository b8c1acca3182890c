import { sql } from 'kysely';
import type { Job, JobQueue, JobStatus } from '../../ports/job-queue.js';
import type { Db } from './database.js';

/**
 * Jobs in a table, claimed with `for update skip locked` so any number of workers in any number of
 * processes share it. A claim is a lease: a worker that dies stops renewing it and the job becomes
 * due again when the lease runs out (or at once, when `releaseDead` can tell the worker is gone).
 */
export class PgJobQueue implements JobQueue {
  constructor(private readonly db: Db) {}

  async enqueue(
    name: string,
    key: string,
    payload: unknown,
    options: { maxAttempts?: number; priority?: number } = {},
  ): Promise<boolean> {
    const r = await this.db
      .insertInto('jobs')
      .values({
        name,
        key,
        payload: JSON.stringify(payload),
        state: 'queued',
        max_attempts: options.maxAttempts ?? 4,
        priority: options.priority ?? 0,
      })
      .onConflict((oc) => oc.column('key').doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async claim(worker: string, names: string[], limit: number, leaseMs: number): Promise<Job[]> {
    if (names.length === 0 || limit <= 0) return [];
    const rows = await sql<{
      id: string;
      name: string;
      key: string;
      payload: unknown;
      attempts: number;
      max_attempts: number;
    }>`
      update jobs set state = 'running', attempts = attempts + 1, locked_by = ${worker},
        locked_until = now() + ${`${leaseMs} milliseconds`}::interval, updated_at = now()
      where id in (
        select id from jobs
        where name = any(${names}) and run_at <= now()
          and (state = 'queued' or (state = 'running' and locked_until < now()))
        order by priority desc, run_at, id
        limit ${limit}
        for update skip locked
      )
      returning id, name, key, payload, attempts, max_attempts`.execute(this.db);
    return rows.rows.map((r) => ({
      id: String(r.id),
      name: r.name,
      key: r.key,
      payload: r.payload,
      attempts: r.attempts,
      maxAttempts: r.max_attempts,
    }));
  }

  async heartbeat(id: string, worker: string, progress: number, leaseMs: number): Promise<boolean> {
    const r = await sql`
      update jobs set locked_until = now() + ${`${leaseMs} milliseconds`}::interval, progress = ${progress}, updated_at = now()
      where id = ${id} and locked_by = ${worker} and state = 'running'`.execute(this.db);
    return Number(r.numAffectedRows ?? 0) > 0;
  }

  async complete(id: string, worker: string): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({
        state: 'done',
        progress: 1,
        locked_by: null,
        locked_until: null,
        last_error: null,
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .where('locked_by', '=', worker)
      .execute();
  }

  async fail(id: string, worker: string, reason: string, retryAt: Date | null): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({
        state: retryAt ? 'queued' : 'failed',
        run_at: retryAt ?? new Date(),
        last_error: reason.slice(0, 2000),
        locked_by: null,
        locked_until: null,
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .where('locked_by', '=', worker)
      .execute();
  }

  async releaseDead(isAlive: (worker: string) => boolean): Promise<number> {
    const running = await this.db
      .selectFrom('jobs')
      .select(['id', 'locked_by'])
      .where('state', '=', 'running')
      .execute();
    const dead = running.filter((r) => r.locked_by && !isAlive(r.locked_by)).map((r) => r.id);
    if (dead.length === 0) return 0;
    await this.db
      .updateTable('jobs')
      .set({ state: 'queued', locked_by: null, locked_until: null, run_at: new Date(), updated_at: new Date() })
      .where('id', 'in', dead)
      .where('state', '=', 'running')
      .execute();
    return dead.length;
  }

  async list(filter: {
    state?: JobStatus['state'];
    name?: string;
    keyPrefix?: string;
    limit: number;
  }): Promise<JobStatus[]> {
    let q = this.db.selectFrom('jobs').selectAll().orderBy('id', 'desc').limit(filter.limit);
    if (filter.state) q = q.where('state', '=', filter.state);
    if (filter.name) q = q.where('name', '=', filter.name);
    if (filter.keyPrefix) q = q.where('key', 'like', `${filter.keyPrefix.replace(/[\\%_]/g, '\\$&')}%`);
    const rows = await q.execute();
    return rows.map((r) => ({
      id: String(r.id),
      name: r.name,
      key: r.key,
      state: r.state,
      attempts: r.attempts,
      progress: r.progress,
      lastError: r.last_error,
      payload: r.payload,
      updatedAt: r.updated_at,
    }));
  }

  async counts(): Promise<Record<JobStatus['state'], number>> {
    const rows = await this.db
      .selectFrom('jobs')
      .select(['state', sql<number>`count(*)::int`.as('n')])
      .groupBy('state')
      .execute();
    const out = { queued: 0, running: 0, done: 0, failed: 0 };
    for (const r of rows) out[r.state] = r.n;
    return out;
  }
}

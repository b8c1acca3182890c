import { sql } from 'kysely';
import type { LoginThrottleRepository, ThrottleKey } from '../../core/accounts/login-throttle.js';
import type { Db } from './database.js';

export class PgLoginThrottleRepository implements LoginThrottleRepository {
  constructor(private readonly db: Db) {}

  async count(
    keys: ThrottleKey[],
    waitsMs: readonly number[],
    now: Date,
    forgetBefore: Date,
  ): Promise<Date | undefined> {
    const names = keys.map((k) => k.key);
    const free = keys.map((k) => k.freeFailures);
    const waits = [...waitsMs];
    // Every key gets a row first (committed on its own), so that the next statement always has a row to
    // lock: two first attempts on a new key would otherwise both find nothing to wait on and both pass.
    await sql`
      insert into login_throttle (key, failures, last_failure_at)
      select key, 0, ${now} from unnest(${names}::text[]) as k (key)
      order by key
      on conflict (key) do nothing`.execute(this.db);
    // `recent` locks the keys' rows (in key order, as the caller sorted them), so a parallel attempt on
    // one of them waits here and then reads the count this one wrote.
    const { rows } = await sql<{ wait_until: Date | null }>`
      with attempt as (
        select * from unnest(${names}::text[], ${free}::int[]) as a (key, free_failures)
      ), recent as (
        select t.failures, t.last_failure_at, a.free_failures
        from login_throttle t join attempt a on a.key = t.key
        where t.last_failure_at > ${forgetBefore}
        order by t.key
        for update of t
      ), waiting as (
        select max(last_failure_at + interval '1 millisecond' *
          (${waits}::int[])[least(failures - free_failures + 1, cardinality(${waits}::int[]))]) as wait_until
        from recent
        where failures >= free_failures
      ), counted as (
        insert into login_throttle as t (key, failures, last_failure_at)
        select key, 1, ${now} from attempt
        where not exists (select from waiting where wait_until > ${now})
        on conflict (key) do update set
          failures = case when t.last_failure_at > ${forgetBefore} then t.failures + 1 else 1 end,
          last_failure_at = excluded.last_failure_at
      )
      select wait_until from waiting where wait_until > ${now}`.execute(this.db);
    return rows[0]?.wait_until ?? undefined;
  }

  async settle(reset: string[], release: string[]): Promise<void> {
    await sql`
      with reset as (
        delete from login_throttle where key = any(${reset}::text[])
      )
      update login_throttle set failures = failures - 1
      where key = any(${release}::text[]) and failures > 0`.execute(this.db);
  }

  async forget(before: Date): Promise<void> {
    await this.db.deleteFrom('login_throttle').where('last_failure_at', '<=', before).execute();
  }
}

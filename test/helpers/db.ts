import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * A fresh, empty database on the run's PostgreSQL (see scripts/run-tests.ts), dropped by `drop()`.
 * Each test file gets its own, so files run in parallel without seeing each other's rows.
 */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = process.env.TEST_DATABASE_URL;
  if (!admin) throw new Error('TEST_DATABASE_URL is not set: run tests with `npm test`');
  return createDatabaseOn(admin, 'cadenza_test');
}

/** A new empty database on the server `adminUrl` points at (tests and benchmarks), dropped by `drop()`. */
export async function createDatabaseOn(
  adminUrl: string,
  prefix: string,
  connectionTimeoutMillis?: number,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis });
  await client.connect();
  try {
    await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { type EmbeddedHandle, releaseEmbedded, startEmbedded } from './embedded.js';
import { migrate } from './migrate.js';
import type { Database } from './schema.js';

// bigint columns (sizes, counts) arrive as strings unless told otherwise; our values fit in a double.
pg.types.setTypeParser(20, (v) => Number(v));

export type Db = Kysely<Database>;

export interface DatabaseHandle {
  db: Db;
  pool: pg.Pool;
  /** Where the database lives, for logs ("embedded:/path" or the server's host). */
  description: string;
  close(): Promise<void>;
}

/** Each process names its connections so the last one out can tell it is last. */
const APPLICATION_NAME = `cadenza:${process.pid}`;

/**
 * Opens the database: the server at `databaseUrl` when given, otherwise the embedded PostgreSQL in
 * `dataDir`. Migrations run before this returns.
 */
export async function openDatabase(opts: {
  databaseUrl?: string;
  dataDir: string;
  poolSize?: number;
}): Promise<DatabaseHandle> {
  let embedded: EmbeddedHandle | undefined;
  let url = opts.databaseUrl;
  if (!url) {
    embedded = await startEmbedded(opts.dataDir);
    url = embedded.url;
  }
  const pool = new pg.Pool({ connectionString: url, max: opts.poolSize ?? 10, application_name: APPLICATION_NAME });
  pool.on('error', () => {
    // An idle client lost its connection (server restart); the pool replaces it on next use.
  });
  await migrate(pool);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const description = embedded ? `embedded:${embedded.dataDir}` : new URL(url).host;
  let closed = false;
  return {
    db,
    pool,
    description,
    async close() {
      if (closed) return;
      closed = true;
      if (embedded) {
        const handle = embedded;
        await releaseEmbedded(handle, async () => {
          const r = await pool.query(
            "select count(*)::int as n from pg_stat_activity where application_name like 'cadenza:%' and application_name <> $1",
            [APPLICATION_NAME],
          );
          return r.rows[0].n as number;
        });
      }
      await db.destroy();
    },
  };
}

import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { releaseEmbedded, startEmbedded } from '../../src/adapters/postgres/embedded.js';
import { createDatabaseOn } from '../../test/helpers/db.js';

/**
 * A database of its own for one benchmark: `name` created on the PostgreSQL at BENCH_DATABASE_URL (or
 * 127.0.0.1:5432) when one answers, else an embedded PostgreSQL in a temporary folder. `done` drops it.
 */
export async function benchDatabase(name: string): Promise<{ url: string; done(): Promise<void> }> {
  const admin = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  try {
    const created = await createDatabaseOn(admin, name, 2000);
    return { url: created.url, done: created.drop };
  } catch {
    const dir = await mkdtemp(join(tmpdir(), 'cadenza-bench-pg-'));
    await chmod(dir, 0o755);
    const embedded = await startEmbedded(dir);
    return {
      url: embedded.url,
      async done() {
        await releaseEmbedded(embedded, async () => 0);
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
}

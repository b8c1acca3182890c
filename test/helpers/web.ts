import { execFile } from 'node:child_process';
import { mkdir, readdir, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = process.cwd();
/** What the web build reads: the app, and the shared core it imports (the playlist replica). */
const SOURCES = ['web/src', 'web/index.html', 'web/vite.config.ts', 'src/core/playlists'];
const BUILT = join(ROOT, 'web/dist/index.html');
const LOCK = join(ROOT, 'web/.build-lock');

async function newest(path: string): Promise<number> {
  const s = await stat(path);
  if (!s.isDirectory()) return s.mtimeMs;
  const entries = await readdir(path);
  const times = await Promise.all(entries.map((e) => newest(join(path, e))));
  return Math.max(s.mtimeMs, ...times);
}

async function fresh(): Promise<boolean> {
  const built = await stat(BUILT).catch(() => undefined);
  if (!built) return false;
  const sources = await Promise.all(SOURCES.map((p) => newest(join(ROOT, p)).catch(() => 0)));
  return built.mtimeMs >= Math.max(...sources);
}

/**
 * Builds the web player the way `npm ci` does (Vite into web/dist), so the server serves the code under
 * test — once: test files run in parallel, and a rebuild empties web/dist under a server another file
 * is using, so builds take a lock and are skipped while the output is newer than every source.
 */
export async function buildWebApp(): Promise<void> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (await fresh()) return;
    const locked = await mkdir(LOCK).then(
      () => true,
      () => false,
    );
    if (locked) {
      try {
        if (!(await fresh())) {
          await run('npx', ['vite', 'build', '--config', 'web/vite.config.ts', '--logLevel', 'error'], { cwd: ROOT });
        }
        return;
      } finally {
        await rmdir(LOCK).catch(() => {});
      }
    }
    // Another test file is building; a lock older than the deadline was left by a killed run.
    if (Date.now() > deadline) await rmdir(LOCK).catch(() => {});
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Runs node:test over the given folders or files with one PostgreSQL for the whole run: the server in
 * TEST_DATABASE_URL when set (CI points it at 127.0.0.1:5432), otherwise an embedded one started here
 * in a temporary folder. Each test file makes its own database in it. Ends with "N passed, N failed".
 */
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { releaseEmbedded, startEmbedded } from '../src/adapters/postgres/embedded.js';

async function collect(path: string): Promise<string[]> {
  const s = await stat(path);
  if (s.isFile()) return [path];
  const out: string[] = [];
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const full = join(path, entry.name);
    if (entry.isDirectory()) out.push(...(await collect(full)));
    else if (entry.name.endsWith('.test.ts')) out.push(full);
  }
  return out.sort();
}

const targets = process.argv.slice(2);
const files = (await Promise.all(targets.map(collect))).flat();
if (files.length === 0) {
  console.error(`no test files under ${targets.join(' ')}`);
  process.exit(1);
}

const scratch = await mkdtemp(join(tmpdir(), 'cadenza-tests-'));
// The embedded server runs as the postgres user when we are root: it must be able to enter this folder.
await chmod(scratch, 0o755);
let databaseUrl = process.env.TEST_DATABASE_URL;
let embedded: Awaited<ReturnType<typeof startEmbedded>> | undefined;
if (!databaseUrl) {
  embedded = await startEmbedded(join(scratch, 'pg'));
  databaseUrl = embedded.url;
}

const summaryFile = join(scratch, 'summary.json');
const reporter = new URL('./summary-reporter.mjs', import.meta.url).pathname;
const code = await new Promise<number>((resolve) => {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 2}`,
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      `--test-reporter=${reporter}`,
      `--test-reporter-destination=${summaryFile}`,
      ...files,
    ],
    { stdio: 'inherit', env: { ...process.env, TEST_DATABASE_URL: databaseUrl } },
  );
  // A file that leaks a handle never exits; the run fails after this long rather than hanging CI.
  const limitMin = Number(process.env.TEST_RUN_TIMEOUT_MIN ?? 30);
  const watchdog = setTimeout(() => {
    console.error(`test run still going after ${limitMin} min: stopping it (a test file probably leaks a handle)`);
    child.kill('SIGKILL');
  }, limitMin * 60_000);
  child.on('close', (c) => {
    clearTimeout(watchdog);
    resolve(c ?? 1);
  });
});

if (embedded) await releaseEmbedded(embedded, async () => 0);
let summary = { passed: 0, failed: 0, skipped: 0 };
try {
  summary = JSON.parse(await readFile(summaryFile, 'utf8'));
} catch {
  summary.failed = Math.max(1, summary.failed);
}
await rm(scratch, { recursive: true, force: true });
const failed = code !== 0 && summary.failed === 0 ? 1 : summary.failed;
console.log(`${summary.passed} passed, ${failed} failed, ${summary.skipped} skipped`);
process.exit(code === 0 && failed === 0 ? 0 : 1);

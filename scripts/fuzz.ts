/**
 * `npm run fuzz`: the long variant of test/integration/fuzz.test.ts. Drives every route of the OpenAPI
 * document and every live frame type with generated bad input until FUZZ_INPUTS inputs are done
 * (default 100,000) or FUZZ_SECONDS pass (default 900), then prints inputs tried, inputs per second,
 * statuses and every failure with its input. Exits 1 on any failure or if the server ends unhealthy.
 *
 * Database: TEST_DATABASE_URL when set, else an embedded PostgreSQL in a temporary folder.
 * FUZZ_SEED picks the draw (default: the time), printed so a failing run can be repeated.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { releaseEmbedded, startEmbedded } from '../src/adapters/postgres/embedded.js';

const inputs = Number(process.env.FUZZ_INPUTS ?? 100_000);
const seconds = Number(process.env.FUZZ_SECONDS ?? 900);
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000_000);
/** Frames are paced by the gateway's per-socket rate limit; they take this share of the inputs. */
const liveShare = 0.1;

const scratch = await mkdtemp(join(tmpdir(), 'cadenza-fuzz-'));
await chmod(scratch, 0o755);
const embedded = process.env.TEST_DATABASE_URL ? undefined : await startEmbedded(join(scratch, 'pg'));
if (embedded) process.env.TEST_DATABASE_URL = embedded.url;

// Imported after TEST_DATABASE_URL is set: the test server helpers read it.
const { fuzzHttp } = await import('../test/fuzz/http-fuzz.js');
const { fuzzLive } = await import('../test/fuzz/live-fuzz.js');
const { describeRun } = await import('../test/fuzz/report.js');
const { healthProblems, startFuzzTarget } = await import('../test/fuzz/target.js');

console.log(`fuzz: up to ${inputs.toLocaleString('en')} inputs or ${seconds} s, seed ${seed}`);
const target = await startFuzzTarget();
let failed = false;
try {
  const started = Date.now();
  const deadline = started + seconds * 1000;
  const [http, live] = await Promise.all([
    fuzzHttp(target, { count: Math.round(inputs * (1 - liveShare)), deadline, seed }),
    fuzzLive(target, { count: Math.round(inputs * liveShare), deadline, seed }),
  ]);
  console.log(describeRun(http, live, (Date.now() - started) / 1000, 50));
  const health = await healthProblems(target);
  console.log(
    health.length === 0 ? 'server healthy afterwards' : `server unhealthy afterwards:\n  ${health.join('\n  ')}`,
  );
  failed = http.failures.length + live.failures.length + health.length > 0;
} finally {
  await target.close();
  if (embedded) await releaseEmbedded(embedded, async () => 0);
  await rm(scratch, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);

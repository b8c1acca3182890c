/**
 * Training at scale: how long the recommendation model's parts take to fit, and how much memory they
 * need, on a synthetic listening matrix the size the issue names (100 k listeners × 1 M tracks × 20 M
 * interactions). Each part is fitted in a child process of its own, so its peak RSS is its own.
 *
 *   node --import tsx bench/recs-train.ts                 (part of npm run bench:recs)
 *   node --import tsx bench/recs-train.ts --users 10000 --items 100000 --interactions 2000000
 *   node --import tsx bench/recs-train.ts --parts rp3     (some of popularity,ials,rp3)
 *
 * The matrix has a realistic skew: tracks are drawn with a Zipf law (exponent 0.9: the head of the
 * catalogue is played far more than its tail), listeners' activity is log-normal (most play a few
 * dozen tracks, a few play thousands), and a track drawn twice by one listener is a repeat play (its
 * weight is the play count). The same seed gives the same matrix.
 */
import { execFile } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { type Csr, seededRandom } from '../src/core/recs/matrix.js';
import { defaultParams, fitModel, type ModelKind } from '../src/core/recs/model.js';

const run = promisify(execFile);

export interface TrainingScale {
  users: number;
  items: number;
  interactions: number;
}

export const ISSUE_SCALE: TrainingScale = { users: 100_000, items: 1_000_000, interactions: 20_000_000 };

/** The parts of the `ours` blend, and the baselines' cheapest, each timed on its own. */
const PARTS: ModelKind[] = ['popularity', 'ials', 'rp3'];

/** A listener × track matrix of about `scale.interactions` entries, duplicates summed into play counts. */
export function syntheticListening(scale: TrainingScale, seed = 7): Csr {
  const random = seededRandom(seed);
  // Zipf over tracks: the cumulative weights of rank 1..n, searched by bisection per draw.
  const cumulative = new Float64Array(scale.items);
  let sum = 0;
  for (let i = 0; i < scale.items; i++) {
    sum += 1 / (i + 1) ** 0.9;
    cumulative[i] = sum;
  }
  // Log-normal activity, scaled so the draws add up to the interactions asked for.
  const activity = new Float64Array(scale.users);
  let total = 0;
  for (let u = 0; u < scale.users; u++) {
    const gaussian = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    activity[u] = Math.exp(1.2 * gaussian);
    total += activity[u]!;
  }
  const indptr = new Int32Array(scale.users + 1);
  const indices = new Int32Array(Math.ceil(scale.interactions * 1.05) + scale.users);
  const values = new Float32Array(indices.length);
  let n = 0;
  for (let u = 0; u < scale.users; u++) {
    const draws = Math.max(1, Math.round((activity[u]! / total) * scale.interactions));
    const row = new Int32Array(Math.min(draws, indices.length - n));
    for (let d = 0; d < row.length; d++) row[d] = bisect(cumulative, random() * sum);
    row.sort();
    for (let d = 0; d < row.length; d++) {
      if (d > 0 && row[d] === row[d - 1]) values[n - 1]! += 1;
      else {
        indices[n] = row[d]!;
        values[n++] = 1;
      }
    }
    indptr[u + 1] = n;
  }
  return { rows: scale.users, cols: scale.items, indptr, indices: indices.slice(0, n), values: values.slice(0, n) };
}

function bisect(cumulative: Float64Array, x: number): number {
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface PartTiming {
  part: ModelKind;
  seconds: number;
  /** CPU seconds of the fit (user + system): on a shared machine the wall clock says more about the load. */
  cpuSeconds: number;
  peakMb: number;
  baselineMb: number;
}

/** Fits one part on the synthetic matrix in this process; what the child runs. */
function fitOnePart(part: ModelKind, scale: TrainingScale): PartTiming {
  const matrix = syntheticListening(scale);
  const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
  const data = { users: ids('u', scale.users), items: ids('t', scale.items), matrix };
  const baselineMb = process.resourceUsage().maxRSS / 1024;
  const started = performance.now();
  const cpu = process.cpuUsage();
  fitModel(part, 'interactions', data, defaultParams('interactions'));
  const used = process.cpuUsage(cpu);
  return {
    part,
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: (used.user + used.system) / 1e6,
    peakMb: process.resourceUsage().maxRSS / 1024,
    baselineMb,
  };
}

/** Times every part, each in a child process, and prints a table. */
export async function trainingBench(scale: TrainingScale, parts: ModelKind[] = PARTS): Promise<PartTiming[]> {
  const self = fileURLToPath(import.meta.url);
  console.log(
    `training: ${scale.users.toLocaleString('en')} listeners × ${scale.items.toLocaleString('en')} tracks × ` +
      `${scale.interactions.toLocaleString('en')} draws (Zipf 0.9 tracks, log-normal activity), ${cpus().length} cores`,
  );
  const timings: PartTiming[] = [];
  for (const part of parts) {
    const { stdout } = await run(
      process.execPath,
      [
        '--max-old-space-size=16384',
        '--import',
        'tsx',
        self,
        '--part',
        part,
        '--users',
        String(scale.users),
        '--items',
        String(scale.items),
        '--interactions',
        String(scale.interactions),
      ],
      { maxBuffer: 1 << 20 },
    );
    const timing = JSON.parse(stdout.trim().split('\n').pop()!) as PartTiming;
    timings.push(timing);
    console.log(
      `  ${part.padEnd(10)} fit ${timing.seconds.toFixed(1).padStart(7)} s (${timing.cpuSeconds.toFixed(1)} CPU-s)   peak RSS ${Math.round(
        timing.peakMb,
      )
        .toString()
        .padStart(6)} MB (the matrix alone ${Math.round(timing.baselineMb)} MB)`,
    );
  }
  const blend = timings.filter((t) => t.part !== 'popularity');
  console.log(
    `  the blend (iALS + RP3beta, fitted one after the other in one worker): ~${blend
      .reduce((s, t) => s + t.seconds, 0)
      .toFixed(0)} s; load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')}`,
  );
  return timings;
}

const { values: flags } = parseArgs({
  options: {
    part: { type: 'string' },
    parts: { type: 'string', default: PARTS.join(',') },
    users: { type: 'string', default: String(ISSUE_SCALE.users) },
    items: { type: 'string', default: String(ISSUE_SCALE.items) },
    interactions: { type: 'string', default: String(ISSUE_SCALE.interactions) },
  },
  strict: false,
});
const scale: TrainingScale = {
  users: Number(flags.users),
  items: Number(flags.items),
  interactions: Number(flags.interactions),
};
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (typeof flags.part === 'string') console.log(JSON.stringify(fitOnePart(flags.part as ModelKind, scale)));
  else await trainingBench(scale, String(flags.parts).split(',') as ModelKind[]);
}

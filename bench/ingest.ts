/**
 * bench:ingest — what the transcode ladder costs: CPU-seconds per minute of audio for each rung and for
 * the whole ladder, made through Cadenza's transcoder, against the very same FFmpeg commands run bare
 * in the same run, and against the managed-bitrate Vorbis the ladder used before (the reference line
 * that shows the saving). CPU is user + system time: of the FFmpeg processes (counted by the kernel
 * when they are reaped, read from /proc/self/stat) plus this process's own while it waits, so what
 * else runs on the machine changes the wall time but hardly the figures. Runs alternate which of
 * Cadenza and bare goes first; figures are percentiles over runs.
 *
 *   npm run bench:ingest [-- --runs 5 --seconds 60 --source galway|generated]
 * The source is the Galway clip (CC BY, ../shared/data) looped to --seconds, or a generated chord over
 * pink noise when the clip is absent or --source generated is asked for.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { FfmpegTranscoder } from '../src/adapters/ffmpeg.js';
import { type FfmpegBinaries, findFfmpeg } from '../src/adapters/ffmpeg-binaries.js';
import { LADDER } from '../src/core/ingest/ladder.js';
import type { Rung } from '../src/ports/transcoder.js';
import { median, pct } from './lib/stats.js';

const exec = promisify(execFile);
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '60' },
    source: { type: 'string', default: 'galway' },
  },
});
const RUNS = Number(values.runs);
const SECONDS = Number(values.seconds);
const GALWAY = new URL('../../shared/data/audio/galway-cc-by/gs-16b-2c-44100hz.flac', import.meta.url).pathname;
const real = findFfmpeg();
const scratch = await mkdtemp(join(tmpdir(), 'cadenza-bench-ingest-'));

/** The source: the Galway clip looped, or a chord over pink noise; 44.1 kHz stereo FLAC either way. */
async function makeSource(path: string): Promise<string> {
  const base = ['-v', 'error', '-y'];
  if (values.source === 'galway' && existsSync(GALWAY)) {
    await exec(real.ffmpeg, [...base, '-stream_loop', '-1', '-i', GALWAY, '-t', String(SECONDS), '-c:a', 'flac', path]);
    return `Galway (K. MacLeod, CC BY) looped to ${SECONDS} s`;
  }
  const d = SECONDS;
  const graph =
    `sine=f=196:d=${d}[a];sine=f=245:d=${d}[b];sine=f=294:d=${d}[c];anoisesrc=d=${d}:c=pink:a=0.08:seed=1[n];` +
    '[a][b][c][n]amix=inputs=4,aformat=channel_layouts=stereo';
  await exec(real.ffmpeg, [...base, '-filter_complex', graph, '-ar', '44100', path]);
  return `generated chord over pink noise, ${SECONDS} s`;
}

/** An ffmpeg that writes its arguments (NUL-separated) to a new file in `logDir`, then becomes the real one. */
async function recordingBinaries(logDir: string): Promise<FfmpegBinaries> {
  await mkdir(logDir, { recursive: true });
  const path = join(scratch, 'recording-ffmpeg');
  const script = `#!/bin/sh\nprintf '%s\\0' "$@" > "$(mktemp -p ${logDir})"\nexec ${real.ffmpeg} "$@"\n`;
  await writeFile(path, script);
  await chmod(path, 0o755);
  return { ...real, ffmpeg: path, source: 'config' };
}

/** CPU time (ms) of this process and of its children reaped so far. */
function cpuMs(): number {
  // utime, stime, cutime, cstime are fields 14-17 of stat, in USER_HZ ticks (100 a second on Linux),
  // after the command name, which is in parentheses and may hold spaces.
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const children = (Number(fields[13]) + Number(fields[14])) * 10;
  const own = process.cpuUsage();
  return children + (own.user + own.system) / 1000;
}

/** CPU-seconds per minute of audio that `task` costs. */
async function cpuPerMinute(task: () => Promise<unknown>): Promise<number> {
  const before = cpuMs();
  await task();
  return (cpuMs() - before) / 1000 / (SECONDS / 60);
}

function runBare(argv: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(real.ffmpeg, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${code}: ${stderr}`))));
  });
}

/** The rung's command as the ladder ran it before: managed average bitrate with a 1.25x ceiling. */
function managedVariant(argv: string[], rung: Rung): string[] {
  const at = argv.indexOf('-q:a');
  if (at === -1) throw new Error(`${rung.quality} is not in quality mode: ${argv.join(' ')}`);
  const kbps = rung.bitrateKbps!;
  const managed = ['-b:a', `${kbps}k`, '-maxrate', `${Math.round(kbps * 1.25)}k`];
  return [...argv.slice(0, at), ...managed, ...argv.slice(at + 2)];
}

const withOutput = (argv: string[], output: string) => [...argv.slice(0, -1), output];
const f2 = (x: number) => x.toFixed(2);

const input = join(scratch, 'source.flac');
const description = await makeSource(input);
const version = (await exec(real.ffmpeg, ['-version'])).stdout.split('\n')[0];

// One pass through a recording ffmpeg gives each rung's exact command line.
const logDir = join(scratch, 'commands');
const recorder = new FfmpegTranscoder({ binaries: await recordingBinaries(logDir), concurrency: 1 });
const commands = new Map<Rung, string[]>();
for (const rung of LADDER) {
  const seen = new Set(await readdir(logDir));
  await recorder.transcode(input, rung, join(scratch, `recorded.${rung.extension}`));
  const log = (await readdir(logDir)).find((f) => !seen.has(f))!;
  commands.set(rung, (await readFile(join(logDir, log), 'utf8')).split('\0').slice(0, -1));
}
const argvOf = (rung: Rung) => commands.get(rung)!;

interface Sample {
  cadenza: number;
  bare: number;
  /** Vorbis rungs: the same rung in managed-bitrate mode. */
  managed?: number;
}
const samples = new Map<Rung, Sample[]>(LADDER.map((rung) => [rung, []]));
const sizes = new Map<Rung, number>();
const media = new FfmpegTranscoder({ binaries: real, concurrency: 1 });
await media.probe(input); // probes are cached: the measured transcodes spawn ffmpeg alone

console.log(`bench:ingest — ${description}; ${RUNS} runs; ${version}`);
for (let run = 1; run <= RUNS; run++) {
  for (const rung of LADDER) {
    const mine = join(scratch, `cadenza.${rung.extension}`);
    const bareOut = join(scratch, `bare.${rung.extension}`);
    const sample: Sample = { cadenza: 0, bare: 0 };
    const throughCadenza = async () => {
      sample.cadenza = await cpuPerMinute(() => media.transcode(input, rung, mine));
    };
    const bare = async () => {
      sample.bare = await cpuPerMinute(() => runBare(withOutput(argvOf(rung), bareOut)));
    };
    for (const measure of run % 2 === 1 ? [throughCadenza, bare] : [bare, throughCadenza]) await measure();
    // The same command makes the same bytes (bitexact): a check that the two sides did the same work.
    const [a, b] = await Promise.all([readFile(mine), readFile(bareOut)]);
    if (!a.equals(b)) throw new Error(`${rung.quality}: Cadenza's file differs from the bare command's`);
    sizes.set(rung, a.length);
    if (rung.codec === 'vorbis') {
      sample.managed = await cpuPerMinute(() => runBare(withOutput(managedVariant(argvOf(rung), rung), bareOut)));
    }
    samples.get(rung)!.push(sample);
  }
  const last = LADDER.map((rung) => samples.get(rung)!.at(-1)!);
  const sum = (key: 'cadenza' | 'bare') => last.reduce((total, s) => total + s[key], 0);
  console.log(`  run ${run}: whole ladder ${f2(sum('cadenza'))} CPU-s/min through Cadenza, ${f2(sum('bare'))} bare`);
}
await rm(scratch, { recursive: true, force: true });

/** "libvorbis -q:a 2", "aac -b:a 128k", "flac". */
function setting(argv: string[]): string {
  const option = (flag: string) => (argv.includes(flag) ? [flag, argv[argv.indexOf(flag) + 1]!] : []);
  return [argv[argv.indexOf('-c:a') + 1], ...option('-q:a'), ...option('-b:a')].join(' ');
}

const spread = (xs: number[]) => `${f2(median(xs))} / ${f2(pct(xs, 0.9))}`;
const perMinuteKb = (bytes: number) => Math.round(bytes / 1024 / (SECONDS / 60));
const row = (cells: string[]) => console.log(`| ${cells.join(' | ')} |`);

console.log('');
console.log('CPU-seconds per minute of audio, p50 / p90 over runs; ratio: Cadenza ÷ bare in each run, p50.');
row([
  'rung',
  'encoder',
  'Cadenza',
  'bare FFmpeg',
  'ratio',
  'managed bitrate (before)',
  'before ÷ now',
  'real kbps',
  'KB/min',
]);
row(Array(9).fill('---'));
for (const rung of LADDER) {
  const s = samples.get(rung)!;
  const now = s.map((x) => x.cadenza);
  const managed = s.flatMap((x) => (x.managed === undefined ? [] : [x.managed]));
  const size = sizes.get(rung)!;
  row([
    rung.quality,
    setting(argvOf(rung)),
    spread(now),
    spread(s.map((x) => x.bare)),
    median(s.map((x) => x.cadenza / x.bare)).toFixed(3),
    managed.length > 0 ? spread(managed) : '—',
    managed.length > 0 ? `${(median(managed) / median(now)).toFixed(1)}×` : '—',
    ((size * 8) / SECONDS / 1000).toFixed(1),
    String(perMinuteKb(size)),
  ]);
}
// Per run: the whole ladder now, bare, and as it was (managed Vorbis, the AAC and FLAC rungs as now).
const runs = Array.from({ length: RUNS }, (_, i) => {
  const all = LADDER.map((rung) => samples.get(rung)![i]!);
  return {
    now: all.reduce((sum, s) => sum + s.cadenza, 0),
    bare: all.reduce((sum, s) => sum + s.bare, 0),
    before: all.reduce((sum, s) => sum + (s.managed ?? s.bare), 0),
  };
});
const now = runs.map((r) => r.now);
const before = runs.map((r) => r.before);
row([
  '**whole ladder**',
  '',
  spread(now),
  spread(runs.map((r) => r.bare)),
  median(runs.map((r) => r.now / r.bare)).toFixed(3),
  spread(before),
  `${(median(before) / median(now)).toFixed(1)}×`,
  '',
  String(perMinuteKb([...sizes.values()].reduce((a, b) => a + b, 0))),
]);

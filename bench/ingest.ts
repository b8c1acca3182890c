/**
 * bench:ingest — wall time of the ingest pipeline (job queue, probe, QC, ladder, loudness, publish) for
 * a 3-minute lossless track, against the very same FFmpeg commands run directly with the same
 * parallelism, measured in the same run. Prints both, the overhead ratio and the per-run figures.
 *
 *   npm run bench:ingest [-- --runs 3]
 * Uses DATABASE_URL when set, otherwise an embedded PostgreSQL in a temporary folder.
 */
import { execFile, spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import pino from 'pino';
import { findFfmpeg } from '../src/adapters/ffmpeg-binaries.js';
import { createServices } from '../src/app.js';
import { runImport } from '../src/cli/import.js';
import { loadConfig } from '../src/config.js';

const exec = promisify(execFile);
const { values } = parseArgs({
  options: { runs: { type: 'string', default: '3' }, seconds: { type: 'string', default: '180' } },
});
const RUNS = Number(values.runs);
const SECONDS = Number(values.seconds);
const cores = availableParallelism();
const real = findFfmpeg();

const scratch = await mkdtemp(join(tmpdir(), 'cadenza-bench-ingest-'));
await chmod(scratch, 0o755);

/** A music-like 3-minute stereo source: a chord over pink noise, 44.1 kHz FLAC. */
async function makeSource(path: string, seed: number): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  const f = 196 + seed;
  const graph =
    `sine=f=${f}:d=${SECONDS}[a];sine=f=${f * 1.25}:d=${SECONDS}[b];sine=f=${f * 1.5}:d=${SECONDS}[c];` +
    `anoisesrc=d=${SECONDS}:c=pink:a=0.08:seed=${seed}[n];[a][b][c][n]amix=inputs=4,aformat=channel_layouts=stereo`;
  await exec(real.ffmpeg, [
    '-v',
    'error',
    '-y',
    '-filter_complex',
    graph,
    '-ar',
    '44100',
    '-metadata',
    `title=Bench ${seed}`,
    path,
  ]);
}

/** Wrappers that log each command (NUL-separated) before running the real binary. */
async function recordingBinaries(logDir: string) {
  await mkdir(logDir, { recursive: true });
  const wrapper = async (name: string, target: string) => {
    const path = join(scratch, `rec-${name}`);
    await writeFile(
      path,
      `#!/bin/sh\nf=$(mktemp -p ${logDir} "$(date +%s%N)-XXXX")\nprintf '%s\\0' ${target} "$@" > "$f"\nexec ${target} "$@"\n`,
    );
    await chmod(path, 0o755);
    return path;
  };
  return {
    ffmpeg: await wrapper('ffmpeg', real.ffmpeg),
    ffprobe: await wrapper('ffprobe', real.ffprobe),
    source: 'config' as const,
  };
}

async function recordedCommands(logDir: string): Promise<string[][]> {
  const files = (await readdir(logDir)).sort();
  return Promise.all(files.map(async (f) => (await readFile(join(logDir, f), 'utf8')).split('\0').filter(Boolean)));
}

function runCommand(argv: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore' });
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${argv.join(' ')} exited ${code}`))));
  });
}

async function pool(commands: string[][], size: number): Promise<void> {
  const queue = [...commands];
  await Promise.all(
    Array.from({ length: size }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) await runCommand(next);
    }),
  );
}

/**
 * The baseline replays the recorded commands the way the pipeline orders them: quality control one by
 * one, then the ladder and the loudness scan together on `cores` slots, then the probes of outputs.
 */
async function baseline(commands: string[][], audioRoot: string): Promise<number> {
  const firstOutput = commands.findIndex((c) => c.some((a) => a.startsWith(audioRoot)));
  const qc = commands.slice(0, firstOutput);
  const rest = commands.slice(firstOutput);
  const outputProbes = rest.filter((c) => c[0] === real.ffprobe);
  const ladder = rest.filter((c) => c[0] !== real.ffprobe);
  const t0 = performance.now();
  for (const c of qc) await runCommand(c);
  await pool(ladder, cores);
  for (const c of outputProbes) await runCommand(c);
  return performance.now() - t0;
}

const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent' }, { dataDir: join(scratch, 'data') });
const logDir = join(scratch, 'commands');
const recording = await createServices(
  { ...config, ffmpegPath: (await recordingBinaries(logDir)).ffmpeg, ffprobePath: join(scratch, 'rec-ffprobe') },
  pino({ level: 'silent' }),
);
await makeSource(join(scratch, 'music-rec', 'track.flac'), 0);
await runImport(recording, join(scratch, 'music-rec'), { json: true });
await recording.close();
const commands = await recordedCommands(logDir);

const services = await createServices(config, pino({ level: 'silent' }));
const pipelineMs: number[] = [];
const directMs: number[] = [];
console.log(
  `bench:ingest — ${SECONDS} s stereo 44.1 kHz FLAC source, ${cores} cores, ${commands.length} FFmpeg commands per track`,
);
for (let run = 1; run <= RUNS; run++) {
  const folder = join(scratch, `music-${run}`);
  await makeSource(join(folder, 'track.flac'), run);
  const t0 = performance.now();
  const report = await runImport(services, folder, { json: true });
  pipelineMs.push(performance.now() - t0);
  if (report.failed.length > 0) throw new Error(`ingest failed: ${JSON.stringify(report.failed)}`);
  directMs.push(await baseline(commands, services.paths.audio));
  console.log(
    `  run ${run}: pipeline ${(pipelineMs.at(-1)! / 1000).toFixed(2)} s, direct FFmpeg ${(directMs.at(-1)! / 1000).toFixed(2)} s`,
  );
}
await services.close();
await rm(scratch, { recursive: true, force: true });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p = median(pipelineMs);
const d = median(directMs);
console.log('');
console.log('| measure | median wall time |');
console.log('| --- | --- |');
console.log(`| pipeline (cadenza import) | ${(p / 1000).toFixed(2)} s |`);
console.log(`| same FFmpeg commands, run directly | ${(d / 1000).toFixed(2)} s |`);
console.log(`| overhead ratio (target ≤ 1.10) | ${(p / d).toFixed(3)} |`);

/**
 * Cost of reading one file's tags and audio header in-process (MusicMetadataTags, as `cadenza import`
 * does for every new file), per format, for 3-minute tracks with realistic tags and cover art. Measured
 * in the same run against two baselines: the least a reader can do (open, read 4 KiB, close) and one
 * `ffprobe` per file (what an FFmpeg-based reader costs). Prints p50/p99 wall time, CPU per file and
 * the ratios.
 *
 *   node --import tsx bench/tag-read.ts [--reads 200] [--seconds 180]
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { copyFile, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { findFfmpeg } from '../src/adapters/ffmpeg-binaries.js';
import { MusicMetadataTags } from '../src/adapters/music-metadata-tags.js';
import { pct } from './lib/stats.js';

const exec = promisify(execFile);
const { values } = parseArgs({
  options: { reads: { type: 'string', default: '200' }, seconds: { type: 'string', default: '180' } },
});
const READS = Number(values.reads);
const SECONDS = Number(values.seconds);
const COPIES = 20;
const { ffmpeg, ffprobe } = findFfmpeg();
const scratch = await mkdtemp(join(tmpdir(), 'cadenza-bench-tags-'));

const FORMATS: { name: string; ext: string; args: string[]; cover: boolean }[] = [
  { name: 'FLAC', ext: 'flac', args: ['-c:a', 'flac'], cover: true },
  { name: 'MP3 CBR 320', ext: 'mp3', args: ['-c:a', 'libmp3lame', '-b:a', '320k'], cover: true },
  { name: 'MP3 VBR V2', ext: 'mp3', args: ['-c:a', 'libmp3lame', '-q:a', '2'], cover: true },
  { name: 'M4A AAC 256', ext: 'm4a', args: ['-c:a', 'aac', '-b:a', '256k'], cover: true },
  { name: 'Ogg Vorbis q5', ext: 'ogg', args: ['-c:a', 'libvorbis', '-q:a', '5'], cover: false },
  { name: 'Opus 128', ext: 'opus', args: ['-c:a', 'libopus', '-b:a', '128k'], cover: false },
];

const TAGS = {
  title: 'Bench Song (feat. Guest)',
  artist: 'Bench Artist',
  album_artist: 'Bench Artist',
  album: 'Bench Album',
  track: '3/12',
  disc: '1/1',
  date: '2021-04-09',
  genre: 'Rock',
  REPLAYGAIN_TRACK_GAIN: '-7.31 dB',
  REPLAYGAIN_TRACK_PEAK: '0.998',
  lyrics: Array.from({ length: 40 }, (_, i) => `[00:${String(i).padStart(2, '0')}.00]Line ${i} of the lyrics`).join(
    '\n',
  ),
};

async function makeFiles(): Promise<Map<string, string[]>> {
  const cover = join(scratch, 'cover.jpg');
  await exec(ffmpeg, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'mandelbrot=s=600x600', '-frames:v', '1', cover]);
  const graph =
    `sine=f=220:d=${SECONDS}[a];sine=f=330:d=${SECONDS}[b];anoisesrc=d=${SECONDS}:c=pink:a=0.1[n];` +
    '[a][b][n]amix=inputs=3,aformat=channel_layouts=stereo:sample_rates=44100[out]';
  const files = new Map<string, string[]>();
  for (const [i, format] of FORMATS.entries()) {
    const first = join(scratch, `f${i}-0.${format.ext}`);
    const coverArgs = format.cover
      ? ['-i', cover, '-map', '[out]', '-map', '0:v', '-c:v', 'mjpeg', '-disposition:v', 'attached_pic']
      : ['-map', '[out]'];
    const tagArgs = Object.entries(TAGS).flatMap(([k, v]) => ['-metadata', `${k}=${v}`]);
    await exec(ffmpeg, [
      '-v',
      'error',
      '-y',
      '-filter_complex',
      graph,
      ...coverArgs,
      ...tagArgs,
      ...format.args,
      first,
    ]);
    const copies = [first];
    for (let c = 1; c < COPIES; c++) {
      const copy = join(scratch, `f${i}-${c}.${format.ext}`);
      await copyFile(first, copy);
      copies.push(copy);
    }
    files.set(format.name, copies);
  }
  return files;
}

/** CPU time of this process (all its threads) in ms. */
const ownCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** CPU time of this process's finished children in ms, from /proc (cutime + cstime). */
function childrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

interface Figures {
  p50: number;
  p99: number;
  cpuPerFile: number;
}

async function measure(paths: string[], reads: number, one: (path: string) => Promise<unknown>, cpu = ownCpuMs) {
  for (const path of paths) await one(path); // warm the page cache and the JIT
  const walls: number[] = [];
  const cpu0 = cpu();
  for (let i = 0; i < reads; i++) {
    const t0 = performance.now();
    await one(paths[i % paths.length]!);
    walls.push(performance.now() - t0);
  }
  return { p50: pct(walls, 0.5), p99: pct(walls, 0.99), cpuPerFile: (cpu() - cpu0) / reads } satisfies Figures;
}

async function firstBlock(path: string): Promise<void> {
  const file = await open(path, 'r');
  try {
    await file.read(Buffer.alloc(4096), 0, 4096, 0);
  } finally {
    await file.close();
  }
}

const reader = new MusicMetadataTags();
const files = await makeFiles();
const fmt = (n: number) => n.toFixed(2).padStart(7);
try {
  console.log(`bench:tag-read — ${SECONDS} s tracks, ${READS} sequential reads per format, ${COPIES} copies each`);
  console.log(
    `${'format'.padEnd(14)}  ${'p50 ms'.padStart(7)}  ${'p99 ms'.padStart(7)}  ${'cpu ms'.padStart(7)}  ×floor  ×ffprobe(cpu)`,
  );
  const all = [...files.values()].flat();
  const floor = await measure(all, READS, firstBlock);
  const probe = await measure(
    all,
    Math.min(READS, 60),
    (p) => exec(ffprobe, ['-v', 'error', '-show_format', '-show_streams', '-of', 'json', p]),
    () => ownCpuMs() + childrenCpuMs(),
  );
  for (const [name, f] of [
    ['floor (4 KiB)', floor],
    ['ffprobe', probe],
  ] as const) {
    console.log(`${name.padEnd(14)}  ${fmt(f.p50)}  ${fmt(f.p99)}  ${fmt(f.cpuPerFile)}`);
  }
  const perFormat: number[] = [];
  for (const [name, paths] of files) {
    const f = await measure(paths, READS, (p) => reader.read(p, { covers: false }));
    perFormat.push(f.cpuPerFile);
    console.log(
      `${name.padEnd(14)}  ${fmt(f.p50)}  ${fmt(f.p99)}  ${fmt(f.cpuPerFile)}  ${(f.cpuPerFile / floor.cpuPerFile).toFixed(1).padStart(5)}  ${(f.cpuPerFile / probe.cpuPerFile).toFixed(3).padStart(6)}`,
    );
  }

  // As the importer reads: several files in flight, formats mixed.
  const inFlight = 8;
  const mixed = Array.from({ length: READS * 2 }, (_, i) => all[(i * 7) % all.length]!);
  const cpu0 = ownCpuMs();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < mixed.length) await reader.read(mixed[next++]!, { covers: false });
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpuPerFile = (ownCpuMs() - cpu0) / mixed.length;
  console.log(
    `\nmixed, ${inFlight} in flight: ${(mixed.length / seconds).toFixed(0)} files/s on this process, ` +
      `${cpuPerFile.toFixed(2)} ms CPU per file → 10,000 files ≈ ${((cpuPerFile * 10_000) / 1000).toFixed(1)} CPU-s ` +
      `(ffprobe: ≈ ${((probe.cpuPerFile * 10_000) / 1000).toFixed(0)} CPU-s)`,
  );
} finally {
  await rm(scratch, { recursive: true, force: true });
}

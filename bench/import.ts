/**
 * bench:import — how fast a lazy `cadenza import` makes a generated library visible and searchable,
 * with `cadenza serve` (API role: the search index following the catalog change stream) running beside
 * it, against the bare walk + stat + tag read + fingerprint of the same files in this process (no
 * database): the ratio is the database's and the search index's share.
 *
 *   npm run bench:import [-- --files 100000] [--keep]
 *
 * The files are a few short FFmpeg clips (FLAC and MP3) copied with tags written here (a FLAC
 * VORBIS_COMMENT block, an ID3v2.4 tag), in Artist/Album folders of ten tracks, a tenth of them
 * untagged ("NN - Title.ext"). Uses BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/
 * postgres) for a fresh database, or an embedded PostgreSQL when none answers.
 */
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import pg from 'pg';
import { findFfmpeg } from '../src/adapters/ffmpeg-binaries.js';
import { MusicMetadataTags } from '../src/adapters/music-metadata-tags.js';
import { sourceFingerprint } from '../src/core/ingest/lazy.js';
import { AUDIO_EXTENSIONS } from '../src/core/ingest/library-import.js';
import { runCadenza, startCadenzaServe } from './lib/child.js';
import { benchDatabase } from './lib/database.js';
import { cpuMs, pct } from './lib/stats.js';

const exec = promisify(execFile);
const { values } = parseArgs({
  options: { files: { type: 'string', default: '10000' }, keep: { type: 'boolean', default: false } },
});
const FILES = Number(values.files);
const TRACKS_PER_ALBUM = 10;
const ALBUMS_PER_ARTIST = 4;
const BIN = fileURLToPath(new URL('../bin/cadenza.js', import.meta.url));

// --- tags written by hand ---------------------------------------------------------------------------

/** A FLAC file with its metadata blocks replaced: STREAMINFO (and SEEKTABLE) kept, our comments last. */
function flacWithTags(base: Buffer, tags: Record<string, string>): Buffer {
  const kept: Buffer[] = [];
  let at = 4;
  for (;;) {
    const last = (base[at]! & 0x80) !== 0;
    const type = base[at]! & 0x7f;
    const length = base.readUIntBE(at + 1, 3);
    if (type === 0 || type === 3) kept.push(base.subarray(at, at + 4 + length));
    at += 4 + length;
    if (last) break;
  }
  const entries = Object.entries(tags).map(([k, v]) => Buffer.from(`${k}=${v}`, 'utf8'));
  const vendor = Buffer.from('cadenza bench', 'utf8');
  const body = Buffer.concat([
    u32le(vendor.length),
    vendor,
    u32le(entries.length),
    ...entries.flatMap((e) => [u32le(e.length), e]),
  ]);
  const blocks = kept.map((b) => Buffer.concat([Buffer.from([b[0]! & 0x7f]), b.subarray(1)]));
  const comment = Buffer.concat([Buffer.from([0x80 | 4]), u24be(body.length), body]);
  return Buffer.concat([Buffer.from('fLaC'), ...blocks, comment, base.subarray(at)]);
}

/** An MP3 file's audio with an ID3v2.4 tag of UTF-8 text frames in front (any tag it had removed). */
function mp3WithTags(base: Buffer, frames: Record<string, string>): Buffer {
  let audio = base;
  if (audio.subarray(0, 3).toString('latin1') === 'ID3') audio = audio.subarray(10 + synchsafeRead(audio, 6));
  const body = Buffer.concat(
    Object.entries(frames).map(([id, text]) => {
      const data = Buffer.concat([Buffer.from([3]), Buffer.from(text, 'utf8')]);
      return Buffer.concat([Buffer.from(id, 'latin1'), synchsafe(data.length), Buffer.from([0, 0]), data]);
    }),
  );
  return Buffer.concat([Buffer.from('ID3'), Buffer.from([4, 0, 0]), synchsafe(body.length), body, audio]);
}

const u32le = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};
const u24be = (n: number) => Buffer.from([(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
const synchsafe = (n: number) => Buffer.from([(n >> 21) & 0x7f, (n >> 14) & 0x7f, (n >> 7) & 0x7f, n & 0x7f]);
const synchsafeRead = (b: Buffer, at: number) => (b[at]! << 21) | (b[at + 1]! << 14) | (b[at + 2]! << 7) | b[at + 3]!;

// --- the generated library --------------------------------------------------------------------------

const SYLLABLES = 'ka lo mi ne ru sa to vi da fe go hu ji ko la ma no pe ri su'.split(' ');
/** A pronounceable word unique to `n`: "kalo", "mine", … */
function word(n: number, minSyllables = 2): string {
  let out = '';
  let rest = n;
  for (let i = 0; i < minSyllables || rest > 0; i++) {
    out += SYLLABLES[rest % SYLLABLES.length];
    rest = Math.floor(rest / SYLLABLES.length);
  }
  return out;
}
const cap = (s: string) => s[0]!.toUpperCase() + s.slice(1);

interface Planned {
  path: string;
  title: string;
}

async function makeBaseClips(dir: string): Promise<{ flac: Buffer[]; mp3: Buffer[] }> {
  const { ffmpeg } = findFfmpeg();
  const clips = { flac: [] as Buffer[], mp3: [] as Buffer[] };
  for (const [i, seconds] of [1, 1.3, 1.7, 2.2].entries()) {
    for (const ext of ['flac', 'mp3'] as const) {
      const out = join(dir, `base-${i}.${ext}`);
      await exec(ffmpeg, [
        '-v',
        'error',
        '-y',
        '-f',
        'lavfi',
        '-i',
        `sine=f=${330 + i * 110}:d=${seconds}`,
        '-ac',
        '2',
        '-ar',
        '44100',
        ...(ext === 'mp3' ? ['-b:a', '128k'] : []),
        out,
      ]);
      clips[ext].push(await readFile(out));
    }
  }
  return clips;
}

/** Writes FILES files, 32 at a time; returns the last one in the walk's order (for the search check). */
async function generate(root: string, clips: { flac: Buffer[]; mp3: Buffer[] }): Promise<Planned> {
  let writing: Promise<void>[] = [];
  let last: Planned | undefined;
  for (let n = 0; n < FILES; n++) {
    const album = Math.floor(n / TRACKS_PER_ALBUM);
    const artist = Math.floor(album / ALBUMS_PER_ARTIST);
    const track = (n % TRACKS_PER_ALBUM) + 1;
    const artistName = `${cap(word(artist))} ${cap(word(artist * 7 + 3))}`;
    const albumName = `${cap(word(album * 13 + 5))} ${cap(word(album))}`;
    const title = `${cap(word(n * 31 + 11))} ${word(n, 3)}`;
    const flac = n % 3 !== 2;
    const folder = join(root, `${artist.toString().padStart(5, '0')} ${artistName}`, albumName);
    const path = join(folder, `${String(track).padStart(2, '0')} - ${title}.${flac ? 'flac' : 'mp3'}`);
    const base = (flac ? clips.flac : clips.mp3)[n % 4]!;
    const date = String(1960 + (album % 60));
    let bytes: Buffer;
    if (n % 10 === 9) bytes = flac ? flacWithTags(base, {}) : mp3WithTags(base, {});
    else if (flac) {
      bytes = flacWithTags(base, {
        TITLE: title,
        ARTIST: artistName,
        ALBUMARTIST: artistName,
        ALBUM: albumName,
        TRACKNUMBER: String(track),
        DATE: date,
        GENRE: ['Rock', 'Jazz', 'Folk', 'Electronic'][album % 4]!,
        ...(n % 5 === 0 ? { REPLAYGAIN_TRACK_GAIN: '-7.20 dB', REPLAYGAIN_TRACK_PEAK: '0.891000' } : {}),
      });
    } else {
      bytes = mp3WithTags(base, {
        TIT2: title,
        TPE1: artistName,
        TPE2: artistName,
        TALB: albumName,
        TRCK: `${track}/${TRACKS_PER_ALBUM}`,
        TDRC: date,
      });
    }
    if (track === 1) await mkdir(folder, { recursive: true });
    writing.push(writeFile(path, bytes));
    if (writing.length >= 32) {
      await Promise.all(writing);
      writing = [];
    }
    last = { path, title };
  }
  await Promise.all(writing);
  return last!;
}

// --- the baseline: the same reads with no database --------------------------------------------------

async function baseline(root: string): Promise<{ seconds: number; files: number }> {
  const tags = new MusicMetadataTags();
  const started = performance.now();
  const files: string[] = [];
  const walk = async (dir: string) => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(dir, e.name));
      else if (AUDIO_EXTENSIONS.has(extname(e.name).toLowerCase())) files.push(join(dir, e.name));
    }
  };
  await walk(root);
  let next = 0;
  await Promise.all(
    Array.from({ length: 12 }, async () => {
      while (next < files.length) {
        const path = files[next++]!;
        const s = await stat(path);
        await sourceFingerprint(path, s.size);
        await tags.read(path, { covers: false });
      }
    }),
  );
  return { seconds: (performance.now() - started) / 1000, files: files.length };
}

// --- measuring ------------------------------------------------------------------------------------

/** Peak resident set (VmHWM) of a running process, in MiB; NaN once it has exited. */
function peakRssMiB(pid: number | undefined): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

async function main() {
  const scratch = await mkdtemp(join(tmpdir(), 'cadenza-bench-import-'));
  await chmod(scratch, 0o755);
  const root = join(scratch, 'music');
  const dataDir = join(scratch, 'data');
  await mkdir(dataDir);
  const db = await benchDatabase('cadenza_bench_import');
  const stopping: (() => Promise<void>)[] = [];
  try {
    const generated = performance.now();
    const last = await generate(root, await makeBaseClips(scratch));
    console.log(`generated ${FILES} files in ${fmt((performance.now() - generated) / 1000)} s under ${root}`);

    const bare = await baseline(root);
    const bareRate = bare.files / bare.seconds;
    console.log(`baseline (walk + stat + fingerprint + tags, 12 at once, no database): ${fmt(bareRate, 0)} files/s`);

    const env = {
      ...process.env,
      DATABASE_URL: db.url,
      CADENZA_DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      // The server's start-up line (its URL) is at info.
      LOG_LEVEL: 'info',
      CADENZA_ROLES: 'api',
    };
    const server = await startCadenzaServe(env);
    stopping.push(server.stop);
    await runCadenza(['user', 'add', '--username', 'bench', '--password', 'bench-password-1'], env);
    const { access_token: token } = (await (
      await fetch(`${server.base}/api/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=password&username=bench&password=bench-password-1',
      })
    ).json()) as { access_token: string };

    // The change stream as the search index sees it: one burst of notifications per commit.
    const listener = new pg.Client({ connectionString: db.url });
    await listener.connect();
    stopping.push(() => listener.end());
    const notices: number[] = [];
    listener.on('notification', () => notices.push(performance.now()));
    await listener.query('listen cadenza_catalog');
    const pool = new pg.Pool({ connectionString: db.url, max: 2 });
    stopping.push(() => pool.end());
    const serverCpu = cpuMs(server.pid);

    const started = performance.now();
    const importer = spawn(process.execPath, [BIN, 'import', root], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let importerStderr = '';
    importer.stderr.on('data', (d) => {
      importerStderr += d;
    });
    let importerPeak = 0;
    let importerCpu = 0;
    const sampler = setInterval(() => {
      importerPeak = Math.max(importerPeak, peakRssMiB(importer.pid) || 0);
      importerCpu = cpuMs(importer.pid) || importerCpu;
    }, 100);
    const exited = new Promise<number>((resolve) => importer.on('close', (code) => resolve(code ?? -1)));
    let visibleAt = Number.NaN;
    let searchableAt = Number.NaN;
    let exitedAt = Number.NaN;
    void exited.then(() => {
      exitedAt = performance.now();
    });
    let lastId: string | undefined;
    const counts: { at: number; ready: number }[] = [];
    while (!Number.isFinite(searchableAt)) {
      if (!Number.isFinite(visibleAt)) {
        const r = await pool.query<{ n: number }>(`select count(*)::int as n from tracks where status = 'ready'`);
        counts.push({ at: performance.now(), ready: r.rows[0]!.n });
        if (r.rows[0]!.n >= FILES) visibleAt = performance.now();
      }
      lastId ??= (
        await pool.query<{ track_id: string }>('select track_id from library_files where path = $1', [last.path])
      ).rows[0]?.track_id;
      if (lastId) {
        const res = await fetch(`${server.base}/v1/search?q=${encodeURIComponent(last.title)}&type=track&limit=5`, {
          headers: { Authorization: `Bearer ${token}` },
        });
        const body = (await res.json()) as { tracks: { items: { id: string }[] } };
        if (body.tracks.items.some((t) => t.id === lastId) && Number.isFinite(visibleAt))
          searchableAt = performance.now();
      }
      if (Number.isFinite(exitedAt) && !Number.isFinite(visibleAt) && performance.now() - exitedAt > 30_000) {
        throw new Error(`the import ended but only ${counts.at(-1)?.ready} tracks are ready:\n${importerStderr}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const code = await exited;
    clearInterval(sampler);
    if (code !== 0) throw new Error(`cadenza import exited ${code}:\n${importerStderr}`);
    const serverCpuMs = cpuMs(server.pid) - serverCpu;
    const serverPeak = peakRssMiB(server.pid);

    // Commits: notifications closer than 5 ms apart are one transaction's.
    const commits: number[] = [];
    for (const [i, at] of notices.entries()) if (i === 0 || at - notices[i - 1]! > 5) commits.push(at);
    const gaps = commits.slice(1).map((at, i) => at - commits[i]!);
    const lastCommit = notices.at(-1) ?? Number.NaN;

    const rescanStarted = performance.now();
    await runCadenza(['import', root, '--json'], env);
    const rescanSeconds = (performance.now() - rescanStarted) / 1000;

    const visible = (visibleAt - started) / 1000;
    const searchable = (searchableAt - started) / 1000;
    const rate = FILES / visible;
    console.log(`
files                         ${FILES}
visible (all ready)           ${fmt(visible)} s   ${fmt(rate, 0)} files/s
searchable (last file found)  ${fmt(searchable)} s   (${fmt((searchableAt - lastCommit) / 1000, 2)} s after the last commit)
import process exited         ${fmt((exitedAt - started) / 1000)} s
baseline, no database         ${fmt(bare.seconds)} s   ${fmt(bareRate, 0)} files/s   import/baseline rate ${fmt(rate / bareRate, 2)}
importer                      peak RSS ${fmt(importerPeak, 0)} MiB   CPU ${fmt(importerCpu / 1000)} s
server (api, search index)    peak RSS ${fmt(serverPeak, 0)} MiB   CPU during import ${fmt(serverCpuMs / 1000)} s
commits seen                  ${commits.length}   notifications ${notices.length} (${fmt(notices.length / FILES, 1)} per file)
time between commits          p50 ${fmt(pct(gaps, 0.5), 0)} ms   p90 ${fmt(pct(gaps, 0.9), 0)} ms   p99 ${fmt(pct(gaps, 0.99), 0)} ms   max ${fmt(Math.max(...gaps), 0)} ms
rescan, nothing changed       ${fmt(rescanSeconds)} s   ${fmt(FILES / rescanSeconds, 0)} files/s (process start included)`);
  } finally {
    for (const stop of stopping.reverse()) await stop().catch(() => {});
    await db.done();
    if (values.keep) console.log(`kept ${scratch}`);
    else await rm(scratch, { recursive: true, force: true });
  }
}

await main();

import { readdir, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { type AudioTags, NO_TEXT_TAGS, type TagReader } from '../../ports/tags.js';
import { nameKey } from '../catalog/names.js';
import { albumFolder, describeFile, resolveFolder } from './describe.js';
import { estimatedGainDb, sourceFingerprint, writeSourcePointer } from './lazy.js';
import {
  type BatchHooks,
  type ImportedFile,
  INGEST_JOB,
  type IngestRepository,
  LADDER_PRIORITY,
  type LibraryBatch,
  type LibraryFileState,
  type MediaPaths,
  type TranscodeMode,
} from './types.js';

export const AUDIO_EXTENSIONS = new Set(
  '.mp3 .flac .ogg .oga .opus .m4a .m4b .mp4 .aac .wav .aif .aiff .wma .wv .mpc .amr'.split(' '),
);

/** Files read at once (tags, header and fingerprint): enough to keep the disk and a core busy. */
const READS_IN_FLIGHT = 12;
/** Files per transaction. Whole folders go together, so a batch can be larger. */
const BATCH_FILES = 250;

export interface ImportProgress {
  phase: 'scan';
  /** Files registered (or found unchanged) so far. */
  done: number;
  total: number;
}

export interface ScanOptions {
  /** Sets the library's mode (remembered); without it a new library is lazy and a known one keeps its mode. */
  transcode?: TranscodeMode;
  /** Scans only this folder of the library, with its subfolders unless `recursive` is false. */
  folder?: string;
  recursive?: boolean;
  /** Collects every file's job key, for an import that waits for the ladder (an eager library's always does). */
  jobKeys?: boolean;
  onProgress?: (p: ImportProgress) => void;
}

export interface ScanResult {
  transcode: TranscodeMode;
  /** Audio files found. */
  files: number;
  added: number;
  changed: number;
  unchanged: number;
  /** Files touched without a change of content (same fingerprint): only their size and mtime are updated. */
  touched: number;
  /** Files registered as a further source of a track (the same recording in another format). */
  duplicates: number;
  retired: number;
  failed: number;
  /** Tracks published ready by this scan (lazy). */
  playable: number;
  /** With `jobKeys`: the jobs this scan's files wait for (new and still-pending ones). */
  jobKeys: string[];
  /** Every folder scanned, for the watcher. */
  folders: string[];
}

export interface ImporterOptions {
  paths: MediaPaths;
  loudnessTargetLufs: number;
  maxTrackSeconds: number;
}

const NO_TAGS: AudioTags = {
  ...NO_TEXT_TAGS,
  header: {
    container: '',
    codec: undefined,
    durationMs: undefined,
    sampleRate: undefined,
    channels: undefined,
    bitrate: undefined,
    lossless: false,
  },
};

export function ingestJobKey(trackId: string, size: number, mtimeMs: number): string {
  return `ingest:${trackId}:${size}:${Math.trunc(mtimeMs)}`;
}

/** How a file ranks as its track's source. */
export interface SourceRank {
  path: string;
  lossless: boolean;
  bitrate: number;
}

/** Negative when `a` is the better source: lossless over lossy, then the higher bitrate, then the path. */
export function compareSources(a: SourceRank, b: SourceRank): number {
  if (a.lossless !== b.lossless) return a.lossless ? -1 : 1;
  if (a.bitrate !== b.bitrate) return b.bitrate - a.bitrate;
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

export function bestSource<T extends SourceRank>(files: readonly T[]): T | undefined {
  let best: T | undefined;
  for (const f of files) if (!best || compareSources(f, best) < 0) best = f;
  return best;
}

/** What identifies a recording on an album, to group its copies in several formats. */
export interface RecordingFacts {
  albumId: string;
  artistIds: string[];
  title: string;
  discNumber: number;
  trackNumber: number;
  durationMs: number;
}

const titleKey = (title: string) =>
  nameKey(title)
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

/**
 * Two files are one recording when they are on the same album by the same artists, last as long
 * within 2 s, and have the same title, or the same disc and track number with one title extending the
 * other ("Song" and "Song (Remaster)"). A shared track number alone is not enough: untagged files
 * default to track 1.
 */
export function sameRecording(a: RecordingFacts, b: RecordingFacts): boolean {
  if (a.albumId !== b.albumId || Math.abs(a.durationMs - b.durationMs) > 2000) return false;
  if ([...a.artistIds].sort().join('\u001f') !== [...b.artistIds].sort().join('\u001f')) return false;
  const [ta, tb] = [titleKey(a.title), titleKey(b.title)];
  if (ta === tb) return true;
  return a.discNumber === b.discNumber && a.trackNumber === b.trackNumber && (ta.startsWith(tb) || tb.startsWith(ta));
}

/** A limit on how many calls of `fn` run at once, shared by every caller. */
function limiter(slots: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (fn) => {
    if (active < slots) active++;
    else await new Promise<void>((r) => waiting.push(r));
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}

interface Folder {
  dir: string;
  /** Audio files directly in it, by name. */
  names: string[];
  /** The folder of its album: itself, or the folder above a "CD2" folder. Folders of one album are read together. */
  album: string;
}

/**
 * `dir` and (when recursive) every folder under it, hidden ones skipped, each with its audio files;
 * and the folders that exist but could not be read (their files are not gone).
 */
async function listFolders(dir: string, recursive: boolean): Promise<{ folders: Folder[]; unreadable: string[] }> {
  const out: Folder[] = [];
  const unreadable: string[] = [];
  const visit = async (path: string): Promise<void> => {
    const entries = await readdir(path, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT' && err.code !== 'ENOTDIR') unreadable.push(path);
      return undefined;
    });
    if (!entries) return;
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const names: string[] = [];
    const subfolders: string[] = [];
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      if (entry.isDirectory()) subfolders.push(entry.name);
      else if (entry.isFile() && AUDIO_EXTENSIONS.has(extname(entry.name).toLowerCase())) names.push(entry.name);
    }
    out.push({ dir: path, names, album: albumFolder(join(path, 'file')) });
    if (recursive) for (const sub of subfolders) await visit(join(path, sub));
  };
  await visit(dir);
  return { folders: out, unreadable };
}

/** Consecutive folders holding about BATCH_FILES files between them; the folders of one album stay together. */
function* windows(folders: Folder[]): Generator<Folder[]> {
  let window: Folder[] = [];
  let files = 0;
  for (const folder of folders) {
    if (files >= BATCH_FILES && folder.album !== window.at(-1)!.album) {
      yield window;
      window = [];
      files = 0;
    }
    window.push(folder);
    files += folder.names.length;
  }
  if (window.length > 0) yield window;
}

/** One window read from disk: what to write, and what needed no write. */
interface WindowRead {
  /** The library's folder. */
  root: string;
  batch: LibraryBatch;
  files: number;
  unchanged: number;
  /** Job keys of unchanged files' tracks. */
  unchangedKeys: string[];
}

/**
 * `cadenza import DIR`: finds audio files, reads their tags, groups them into artists and albums and
 * registers them, folder by folder, a few hundred files per transaction, while the next folders are
 * read. A lazy library's tracks are published at once (their rungs made on first request and by a
 * background job); an eager library's wait for the ingest pipeline. Unchanged files (same size and
 * mtime) cost a stat; files that disappeared retire their tracks, or hand them to another copy.
 */
export class LibraryImporter {
  constructor(
    private readonly repo: IngestRepository,
    private readonly tags: TagReader,
    private readonly options: ImporterOptions,
  ) {}

  async scan(dir: string, options: ScanOptions = {}): Promise<ScanResult> {
    const root = resolve(dir);
    const rootStat = await stat(root).catch(() => undefined);
    if (!rootStat?.isDirectory()) throw new Error(`${dir} is not a folder`);
    const transcode = await this.repo.library(root, options.transcode);
    const collectKeys = options.jobKeys === true || transcode === 'eager';
    const scope = options.folder ? resolve(options.folder) : root;
    const recursive = options.recursive ?? true;
    const { folders, unreadable } = await listFolders(scope, recursive);
    const total = folders.reduce((n, f) => n + f.names.length, 0);
    const known = recursive ? await this.repo.libraryFolders(scope) : [scope];
    if (scope === root && total === 0 && known.length > 0) {
      // An unmounted drive looks like a library whose every file was deleted: retire nothing.
      throw new Error(`found no audio files in ${root}, which had some; nothing was changed (is it mounted?)`);
    }
    const result: ScanResult = {
      transcode,
      files: total,
      added: 0,
      changed: 0,
      unchanged: 0,
      touched: 0,
      duplicates: 0,
      retired: 0,
      failed: 0,
      playable: 0,
      jobKeys: [],
      folders: folders.map((f) => f.dir),
    };
    const hooks = this.hooks();
    let done = 0;
    const progress = () => options.onProgress?.({ phase: 'scan', done, total });
    const write = async (batch: LibraryBatch, files: number) => {
      if (batch.files.length + batch.touched.length + batch.failures.length + batch.gone.length > 0) {
        const outcome = await this.repo.registerBatch(batch, hooks);
        result.added += outcome.added;
        result.changed += outcome.changed;
        result.duplicates += outcome.duplicates;
        result.retired += outcome.retired;
        result.playable += outcome.playable;
        if (collectKeys) result.jobKeys.push(...outcome.jobKeys);
      }
      done += files;
      progress();
    };

    progress();
    // Reading a window overlaps writing the one before; at most one write is in flight.
    let writing: Promise<void> = Promise.resolve();
    for (const window of windows(folders)) {
      const read = await this.readWindow(root, window, transcode);
      result.unchanged += read.unchanged;
      result.touched += read.batch.touched.length;
      result.failed += read.batch.failures.length;
      if (collectKeys) result.jobKeys.push(...read.unchangedKeys);
      await writing;
      writing = write(read.batch, read.files);
      writing.catch(() => {}); // awaited on the next turn; this only keeps it from counting as unhandled
    }
    await writing;

    // Folders known to hold files that the walk did not find: every file in them is gone.
    const walked = new Set(result.folders);
    const vanished = known.filter((f) => !walked.has(f) && !unreadable.some((u) => f === u || f.startsWith(`${u}/`)));
    for (let i = 0; i < vanished.length; i += 100) {
      const gone = (await this.repo.libraryFilesIn(vanished.slice(i, i + 100))).map((f) => f.path);
      for (let j = 0; j < gone.length; j += BATCH_FILES) {
        await write({ transcode, files: [], touched: [], failures: [], gone: gone.slice(j, j + BATCH_FILES) }, 0);
      }
    }
    return result;
  }

  private hooks(): BatchHooks {
    const { paths, loudnessTargetLufs } = this.options;
    return {
      gainDb: (file) => estimatedGainDb(file.replayGain, loudnessTargetLufs),
      job: (source) => ({
        name: INGEST_JOB,
        key: ingestJobKey(source.trackId, source.size, source.mtimeMs),
        payload: source.version
          ? { trackId: source.trackId, sourcePath: source.path, version: source.version }
          : { trackId: source.trackId, sourcePath: source.path },
        priority: source.version ? LADDER_PRIORITY : 0,
      }),
      beforeCommit: async (sources) => {
        const write = limiter(16);
        await Promise.all(
          sources.map(({ trackId, version, ...pointer }) =>
            version ? write(() => writeSourcePointer(paths.audio, trackId, version, pointer)) : undefined,
          ),
        );
      },
    };
  }

  /** Stats every file of the window's folders and reads those that are new or changed. */
  private async readWindow(root: string, window: Folder[], transcode: TranscodeMode): Promise<WindowRead> {
    const known = new Map((await this.repo.libraryFilesIn(window.map((f) => f.dir))).map((f) => [f.path, f]));
    const read: WindowRead = {
      root,
      batch: { transcode, files: [], touched: [], failures: [], gone: [] },
      files: 0,
      unchanged: 0,
      unchangedKeys: [],
    };
    const slot = limiter(READS_IN_FLIGHT);
    const present = new Set<string>();
    const albums = new Map<string, Folder[]>();
    for (const folder of window) albums.set(folder.album, [...(albums.get(folder.album) ?? []), folder]);
    await Promise.all([...albums.values()].map((album) => this.readAlbum(album, known, present, slot, read)));
    for (const path of known.keys()) if (!present.has(path)) read.batch.gone.push(path);
    return read;
  }

  /** Reads the folders of one album (a folder, or a folder's "CD1", "CD2" folders). */
  private async readAlbum(
    folders: Folder[],
    known: Map<string, LibraryFileState>,
    present: Set<string>,
    slot: ReturnType<typeof limiter>,
    read: WindowRead,
  ): Promise<void> {
    interface Seen {
      path: string;
      size: number;
      mtimeMs: number;
      fingerprint?: string;
    }
    const seen = (
      await Promise.all(
        folders
          .flatMap((folder) => folder.names.map((name) => join(folder.dir, name)))
          .map((path) =>
            slot(async (): Promise<Seen | undefined> => {
              const s = await stat(path).catch(() => undefined);
              return s?.isFile() ? { path, size: s.size, mtimeMs: Math.trunc(s.mtimeMs) } : undefined;
            }),
          ),
      )
    ).filter((s): s is Seen => !!s);
    read.files += seen.length;

    const changed: Seen[] = [];
    for (const file of seen) {
      present.add(file.path);
      const before = known.get(file.path);
      if (before && before.size === file.size && before.mtimeMs === file.mtimeMs) {
        read.unchanged++;
        if (before.trackId) read.unchangedKeys.push(ingestJobKey(before.trackId, file.size, file.mtimeMs));
      } else if (file.size === 0) {
        read.batch.failures.push({ path: file.path, size: 0, mtimeMs: file.mtimeMs, reason: 'file is empty' });
      } else changed.push(file);
    }
    if (changed.length === 0) return;

    // A touched file whose content is the same needs no more than its new size and mtime.
    await Promise.all(
      changed.map((file) =>
        slot(async () => {
          file.fingerprint = await sourceFingerprint(file.path, file.size).catch(() => undefined);
        }),
      ),
    );
    const real = new Set<string>();
    for (const file of changed) {
      const before = known.get(file.path);
      if (before?.fingerprint && before.fingerprint === file.fingerprint) read.batch.touched.push(file);
      else real.add(file.path);
    }
    if (real.size === 0) return;

    // Every file of the album's folders is read, so that the folder rules (album from the folder,
    // discs, compilations) see them all; only the new and changed ones are registered.
    const described = await Promise.all(
      seen.map((file) =>
        slot(async (): Promise<ImportedFile | undefined> => {
          try {
            const fingerprint = file.fingerprint ?? (await sourceFingerprint(file.path, file.size));
            return await this.describe(file.path, file.size, file.mtimeMs, fingerprint, read.root);
          } catch (err) {
            if (real.has(file.path)) {
              read.batch.failures.push({
                path: file.path,
                size: file.size,
                mtimeMs: file.mtimeMs,
                reason: (err as Error).message,
              });
            }
            return undefined;
          }
        }),
      ),
    );
    const resolved = resolveFolder(described.filter((f): f is ImportedFile => !!f));
    for (const file of resolved) if (real.has(file.path)) read.batch.files.push(file);
  }

  private async describe(
    path: string,
    size: number,
    mtimeMs: number,
    fingerprint: string,
    root: string,
  ): Promise<ImportedFile> {
    // Tags music-metadata cannot parse at all leave no header: the file then fails the header check.
    const tags = await this.tags.read(path, { covers: false }).catch(() => NO_TAGS);
    return describeFile({
      path,
      size,
      mtimeMs,
      tags,
      fingerprint,
      root,
      maxTrackSeconds: this.options.maxTrackSeconds,
    });
  }
}

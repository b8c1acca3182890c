import { type FSWatcher, watch } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Services } from '../app.js';
import type { ScanOptions, ScanResult } from '../core/ingest/library-import.js';
import type { LibrarySummary, TranscodeMode } from '../core/ingest/types.js';
import { duration, ProgressBar } from './progress.js';

export interface ImportOptions {
  json: boolean;
  /** Sets the library's mode and remembers it; a new library is lazy unless told otherwise. */
  transcode?: TranscodeMode;
  /** Waits until every file's ladder is made (an eager library always does: nothing plays before). */
  wait?: boolean;
  /** Lists every track in the report (the JSON output); otherwise only failures are listed. */
  details?: boolean;
}

/** The scan's counts, with the names `cadenza import --json` prints (retired → removed, failed → unreadable). */
export interface ImportSummary
  extends LibrarySummary,
    Pick<ScanResult, 'transcode' | 'files' | 'added' | 'changed' | 'unchanged' | 'touched' | 'duplicates'> {
  removed: number;
  /** Files found unreadable or failing the header check by this run. */
  unreadable: number;
  /** Seconds until every file was registered (visible and searchable when lazy). */
  seconds: number;
  filesPerSecond: number;
  /** Whether this run waited for the ladder. */
  waited: boolean;
}

export interface ImportReport {
  tracks: { id: string; path: string; title: string }[];
  failed: { path: string; reason: string }[];
  summary: ImportSummary;
}

const counts = (s: ScanResult) =>
  `${s.added} new, ${s.changed} changed, ${s.unchanged} unchanged, ${s.duplicates} duplicates, ` +
  `${s.retired} removed, ${s.failed} unreadable`;

/** Scans the library with a progress bar on a terminal; returns the result and its wall time. */
async function scanWithProgress(services: Services, root: string, options: ImportOptions, extra: ScanOptions = {}) {
  const interactive = !options.json && process.stderr.isTTY === true;
  const bar = new ProgressBar('import', interactive);
  const scan = await services.importer.scan(root, {
    transcode: options.transcode,
    jobKeys: options.wait,
    onProgress: (p) => bar.update(p.done, p.total),
    ...extra,
  });
  bar.finish(scan.files, scan.files);
  return { scan, seconds: bar.elapsed() };
}

/** Waits until every job in `keys` has finished; a key with no job (a duplicate's) counts as finished. */
async function waitForLadder(services: Services, keys: string[], interactive: boolean): Promise<void> {
  services.worker.start();
  services.worker.poke();
  const bar = new ProgressBar('ladder', interactive, 'tracks');
  for (;;) {
    const states = await services.ingestRepo.jobStates(keys);
    const finished = keys.length - states.filter((s) => s.state !== 'done' && s.state !== 'failed').length;
    bar.update(finished, keys.length);
    if (finished >= keys.length) break;
    await new Promise((r) => setTimeout(r, keys.length > 10_000 ? 1000 : 200));
  }
  bar.finish(keys.length, keys.length);
}

/**
 * `cadenza import DIR`: registers every file of the folder. A lazy library's tracks are listed,
 * searchable and playable as soon as this returns; their ladder is made in the background by the
 * workers of `cadenza serve` (or by this process with `wait`). An eager library's import works the
 * queue in this process (a running server's workers help) until every file has its ladder or failed.
 */
export async function runImport(services: Services, dir: string, options: ImportOptions): Promise<ImportReport> {
  return (await importOnce(services, resolve(dir), options)).report;
}

async function importOnce(services: Services, root: string, options: ImportOptions) {
  const interactive = !options.json && process.stderr.isTTY === true;
  const { scan, seconds } = await scanWithProgress(services, root, options);
  const waited = options.wait === true || scan.transcode === 'eager';
  if (!options.json) {
    process.stderr.write(
      `registered ${scan.files} files in ${duration(seconds)} (${Math.round(scan.files / Math.max(seconds, 0.001))} files/s): ${counts(scan)}\n`,
    );
  }
  if (waited) await waitForLadder(services, [...new Set(scan.jobKeys)], interactive);

  const summary: ImportSummary = {
    transcode: scan.transcode,
    files: scan.files,
    added: scan.added,
    changed: scan.changed,
    unchanged: scan.unchanged,
    touched: scan.touched,
    duplicates: scan.duplicates,
    removed: scan.retired,
    unreadable: scan.failed,
    seconds: Math.round(seconds * 1000) / 1000,
    filesPerSecond: Math.round(scan.files / Math.max(seconds, 0.001)),
    waited,
    ...(await services.ingestRepo.librarySummary(root)),
  };
  const report: ImportReport = { tracks: [], failed: [], summary };
  const details = options.details ?? true;
  for (const row of await services.ingestRepo.importReport(root, { failuresOnly: !details })) {
    if (row.status === 'ready' && row.trackId && !row.reason) {
      report.tracks.push({ id: row.trackId, path: row.path, title: row.title ?? '' });
    } else if (waited || row.status !== 'processing') {
      report.failed.push({ path: row.path, reason: row.reason ?? `track is ${row.status ?? 'missing'}` });
    }
  }
  return { report, folders: scan.folders };
}

/** What `cadenza import` prints for people. */
export function printReport(report: ImportReport): void {
  const s = report.summary;
  process.stdout.write(`imported ${s.ready} tracks, ${report.failed.length} failed\n`);
  for (const f of report.failed) process.stdout.write(`  failed: ${f.path}: ${f.reason}\n`);
  if (s.transcode === 'lazy' && !s.waited) {
    process.stdout.write(
      `${s.ready} tracks are playable now; the ladder of ${s.ladderPending} is being built in the background ` +
        'by the workers of `cadenza serve` (lazy library; --wait waits for it, --transcode eager builds it first)\n',
    );
  }
}

export interface WatchOptions extends ImportOptions {
  /** How long events settle before a rescan (default 300 ms); a stream of events waits at most 2 s. */
  debounceMs?: number;
  /** A full rescan this often, in case an event was missed (default 5 min). */
  rescanMs?: number;
  /** Stops watching. */
  signal: AbortSignal;
  /** Where a line about each rescan goes. */
  log: (line: string) => void;
}

/**
 * `cadenza import --watch DIR`: imports, then keeps the catalogue in step with the folder. Each folder
 * has a watcher of its own (one inotify watch per folder, not per file); an event rescans just the
 * folder it names (a new or removed subfolder with everything under it) once events settle, and a
 * periodic full rescan catches anything missed. Rescans are incremental: unchanged files cost a stat.
 */
export async function watchLibrary(services: Services, dir: string, options: WatchOptions): Promise<void> {
  const root = resolve(dir);
  const { report, folders } = await importOnce(services, root, { ...options, details: options.json });
  if (options.json) options.log(JSON.stringify(report));
  else printReport(report);
  if (report.summary.transcode === 'eager') services.worker.start();

  const watchers = new Map<string, FSWatcher>();
  /** Folders the last scans found: one of them gone is rescanned whole (its files are gone too). */
  const known = new Set<string>();
  const pending = new Set<string>();
  let warned = false;
  /** Watches the folders a scan of `scope` found, and forgets those under it that it did not find. */
  const follow = (folders: string[], scope?: string) => {
    const found = new Set(folders);
    for (const folder of scope ? known : []) {
      if ((folder === scope || folder.startsWith(`${scope}/`)) && !found.has(folder)) {
        known.delete(folder);
        watchers.get(folder)?.close();
        watchers.delete(folder);
      }
    }
    for (const folder of folders) {
      known.add(folder);
      if (watchers.has(folder)) continue;
      try {
        const w = watch(folder, (_event, name) => {
          if (name && !name.startsWith('.')) changed(join(folder, name));
        });
        w.on('error', () => {
          w.close();
          watchers.delete(folder);
          changed(folder);
        });
        watchers.set(folder, w);
        // A folder a rescan found is watched only after that scan read it: what was written to it in
        // between (a file copied in just after its folder was made) is looked for once more.
        if (scope !== undefined) changed(folder);
      } catch (err) {
        if (!warned) options.log(`cannot watch ${folder} (${(err as Error).message}); relying on periodic rescans`);
        warned = true;
      }
    }
  };

  let timer: NodeJS.Timeout | undefined;
  let firstPending = 0;
  const changed = (path: string) => {
    if (pending.size === 0) firstPending = Date.now();
    pending.add(path);
    clearTimeout(timer);
    const wait = Math.min(options.debounceMs ?? 300, Math.max(0, firstPending + 2000 - Date.now()));
    timer = setTimeout(() => void queue(rescanChanged), wait);
  };

  // One rescan at a time, in order.
  let running: Promise<void> = Promise.resolve();
  const queue = (work: () => Promise<void>) => {
    running = running.then(work).catch((err) => options.log(`rescan failed: ${(err as Error).message}`));
    return running;
  };
  const rescan = async (extra: ScanOptions) => {
    const { scan, seconds } = await scanWithProgress(services, root, { ...options, json: true }, extra);
    follow(scan.folders, extra.recursive === false ? undefined : (extra.folder ?? root));
    if (scan.added + scan.changed + scan.retired + scan.failed + scan.duplicates > 0) {
      options.log(
        options.json
          ? JSON.stringify({ rescan: extra.folder ?? root, seconds, ...scan, folders: undefined, jobKeys: undefined })
          : `${extra.folder ?? root}: ${counts(scan)} (${duration(seconds)})`,
      );
    }
  };
  const rescanChanged = async () => {
    const paths = [...pending];
    pending.clear();
    // A folder (new, or gone with everything in it) is rescanned whole; a file, by its folder's files.
    const whole = new Set<string>();
    const own = new Set<string>();
    for (const path of paths) {
      const s = await stat(path).catch(() => undefined);
      if (s?.isDirectory() || (!s && known.has(path))) whole.add(path);
      else own.add(dirname(path));
    }
    const covered = (p: string) => [...whole].some((w) => p === w || p.startsWith(`${w}/`));
    for (const folder of whole) {
      if ([...whole].some((w) => w !== folder && folder.startsWith(`${w}/`))) continue;
      await rescan({ folder, recursive: true });
    }
    for (const folder of own) if (!covered(folder)) await rescan({ folder, recursive: false });
  };

  follow(folders);
  const periodic = setInterval(() => void queue(() => rescan({})), options.rescanMs ?? 5 * 60_000);
  options.log(`watching ${root} for changes (${watchers.size} folders)`);
  await new Promise<void>((r) => {
    if (options.signal.aborted) r();
    else options.signal.addEventListener('abort', () => r(), { once: true });
  });
  clearInterval(periodic);
  clearTimeout(timer);
  for (const w of watchers.values()) w.close();
  await running;
}

import { resolve } from 'node:path';
import type { Services } from '../app.js';
import { ProgressBar } from './progress.js';

export interface ImportReport {
  tracks: { id: string; path: string; title: string }[];
  failed: { path: string; reason: string }[];
}

/**
 * `cadenza import DIR`: scans, queues, then works the queue in this process (a running server's
 * workers help) until every file of this folder has finished the ladder or failed.
 */
export async function runImport(services: Services, dir: string, options: { json: boolean }): Promise<ImportReport> {
  const root = resolve(dir);
  const interactive = !options.json && process.stderr.isTTY === true;
  const scanBar = new ProgressBar('scan  ', interactive);
  const scan = await services.importer.scan(root, (p) => scanBar.update(p.done, p.total));
  scanBar.finish(
    scan.added + scan.changed + scan.unchanged + scan.failed,
    scan.added + scan.changed + scan.unchanged + scan.failed,
  );
  if (!options.json) {
    process.stderr.write(
      `found ${scan.added} new, ${scan.changed} changed, ${scan.unchanged} unchanged, ${scan.retired} removed, ${scan.failed} unreadable\n`,
    );
  }

  services.worker.start();
  services.worker.poke();
  const ladderBar = new ProgressBar('ladder', interactive);
  const keys = [...new Set(scan.jobKeys)];
  for (;;) {
    const states = await services.ingestRepo.jobStates(keys);
    const finished = states.filter((s) => s.state === 'done' || s.state === 'failed').length;
    ladderBar.update(finished, keys.length);
    if (finished >= keys.length) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  ladderBar.finish(keys.length, keys.length);

  const report: ImportReport = { tracks: [], failed: [] };
  for (const row of await services.ingestRepo.importReport(root)) {
    if (row.status === 'ready' && row.trackId && !row.reason) {
      report.tracks.push({ id: row.trackId, path: row.path, title: row.title ?? '' });
    } else {
      report.failed.push({ path: row.path, reason: row.reason ?? `track is ${row.status ?? 'missing'}` });
    }
  }
  return report;
}

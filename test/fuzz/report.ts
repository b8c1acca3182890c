import type { FuzzStats } from './http-fuzz.js';
import type { LiveStats } from './live-fuzz.js';

/** A readable account of a fuzz run: counts, statuses, and the first failures with their inputs. */
export function describeRun(http: FuzzStats, live: LiveStats, seconds: number, shown = 10): string {
  const lines = [
    `HTTP: ${http.tried} requests over ${http.perOperation.size} operations, ${http.failures.length} failures`,
    `  statuses: ${[...http.statuses]
      .sort((a, b) => String(a[0]).localeCompare(String(b[0])))
      .map(([s, n]) => `${s}×${n}`)
      .join(' ')}`,
    `live: ${live.tried} frames, ${live.failures.length} failures`,
    `  answers: ${[...live.answers]
      .sort()
      .map(([s, n]) => `${s}×${n}`)
      .join(' ')}`,
    `inputs/s: ${((http.tried + live.tried) / seconds).toFixed(0)} (${(http.tried + live.tried).toLocaleString('en')} in ${seconds.toFixed(1)} s)`,
  ];
  for (const f of http.failures.slice(0, shown)) {
    lines.push(`  FAIL ${f.status} ${f.request.method} ${f.request.url} as ${f.request.caller}`);
    if (f.request.body !== undefined)
      lines.push(`       ${f.request.contentType} ${JSON.stringify(f.request.body.slice(0, 200))}`);
    lines.push(`       → ${f.answer.slice(0, 200)}`);
  }
  for (const f of live.failures.slice(0, shown)) lines.push(`  FAIL frame ${JSON.stringify(f.frame)} → ${f.problem}`);
  return lines.join('\n');
}

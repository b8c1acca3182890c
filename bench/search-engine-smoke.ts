/**
 * A quick in-process check of the search engine alone (the full benchmark is bench/search.ts): builds
 * the benchmark catalogue (1 M tracks, 200 k artists, 300 k albums), loads it into MemorySearchIndex and
 * prints the load time, the memory the index keeps, and per-query latency of typeahead (every prefix of
 * real titles and artist names, all types, limit 10) and full search (titles, "artist title", "title
 * artist"; three types, limit 20). With SMOKE_LABELS=1 it also scores typeahead against the benchmark's
 * labels; SMOKE_UPSERTS=n first upserts n changed tracks in batches of 100 (small segments searched too).
 *
 *   node --expose-gc --import tsx bench/search-engine-smoke.ts
 *   SMOKE_SCALE=0.2 SMOKE_LABELS=1 node --expose-gc --import tsx bench/search-engine-smoke.ts
 */
import { MemorySearchIndex } from '../src/adapters/memory-search/index.js';
import { parseQuery } from '../src/core/search/query.js';
import { SEARCH_TYPES, type SearchDoc, type SearchType } from '../src/ports/search-index.js';
import { allDocs, buildCatalogue, coreTitle, fold, Labeller, Rng, sampleRows } from './search-catalogue.js';

const scale = Number(process.env.SMOKE_SCALE ?? 1);
const upserts = Number(process.env.SMOKE_UPSERTS ?? 0);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MB`;

gc();
const before = process.memoryUsage();
let started = performance.now();
const catalogue = buildCatalogue({ tracks: 1_000_000 * scale, artists: 200_000 * scale, albums: 300_000 * scale });
let docs: SearchDoc[] = allDocs(catalogue);
console.log(`catalogue: ${docs.length.toLocaleString('en')} documents in ${ms(started)}`);
const labeller = process.env.SMOKE_LABELS ? new Labeller(catalogue.tracks) : null;

started = performance.now();
const index = new MemorySearchIndex();
index.load(docs);
console.log(`load: ${ms(started)}`);
if (upserts > 0) {
  // Large merges run on a worker: the longest upsert call is what the API thread is held up by.
  started = performance.now();
  let longest = 0;
  for (let i = 0; i < upserts; i += 100) {
    const t = performance.now();
    index.upsert(docs.slice(i, i + 100).map((d) => ({ ...d, popularity: Math.min(100, d.popularity + 1) })));
    longest = Math.max(longest, performance.now() - t);
  }
  console.log(`${upserts} upserts in batches of 100: ${ms(started)}, longest call ${longest.toFixed(0)} ms`);
  // Searches while a merge runs, between turns of the event loop, until the merge is in.
  const probe = docs.slice(0, 2000).map((d) => d.name.slice(0, 4));
  const times: number[] = [];
  started = performance.now();
  let last = performance.now();
  let gap = 0;
  while (index.merging) {
    const { text, filters } = parseQuery(probe[times.length % probe.length]!);
    const t = performance.now();
    gap = Math.max(gap, t - last);
    index.search({ text, filters, types: [...SEARCH_TYPES], limit: 10, offset: 0, prefix: true, now: Date.now() });
    last = performance.now();
    times.push(last - t);
    await new Promise((resolve) => setImmediate(resolve));
  }
  await index.settled();
  times.sort((a, b) => a - b);
  console.log(
    `merge on the worker: ${ms(started)} more; ${times.length} typeahead searches answered meanwhile ` +
      `(p99 ${(times[Math.floor(times.length * 0.99)] ?? 0).toFixed(2)} ms, longest gap between two ${gap.toFixed(0)} ms)`,
  );
}

const rng = new Rng(99);
const typeahead: string[] = [];
for (const row of sampleRows(catalogue.real, 800, rng)) {
  for (const text of [coreTitle(row.name), row.artist]) {
    const typed = rng.chance(0.5) ? text.toLowerCase() : text;
    for (let n = 1; n <= typed.length; n++) {
      const q = typed.slice(0, n);
      if (!q.endsWith(' ') && fold(q)) typeahead.push(q);
    }
  }
}
const full: string[] = [];
for (const row of sampleRows(catalogue.real, 1500, rng)) {
  const title = coreTitle(row.name);
  full.push(title, `${row.artist} ${title}`, `${title} ${row.artist}`);
}
const now = catalogue.now;
if (!labeller) catalogue.tracks.length = 0;
catalogue.albums.length = 0;
catalogue.artists.length = 0;
docs = [];
gc();
gc();
const after = process.memoryUsage();
console.log(
  `index memory: heap ${mb(after.heapUsed - before.heapUsed)} + typed arrays ` +
    `${mb(after.arrayBuffers - before.arrayBuffers)}${labeller ? ' (with the labels)' : ''}; ` +
    `process RSS ${mb(after.rss)}, peak ${mb(process.resourceUsage().maxRSS * 1024)}`,
);

run('warm-up', full.slice(0, 1000), false);
run('typeahead', typeahead.slice(0, 20_000), true);
run('full search', full, false);

function run(label: string, queries: string[], prefix: boolean): void {
  const types: SearchType[] = prefix ? [...SEARCH_TYPES] : ['track', 'artist', 'album'];
  const times: number[] = [];
  let first = 0;
  let labelled = 0;
  for (const q of queries) {
    const { text, filters } = parseQuery(q);
    const t = performance.now();
    const results = index.search({ text, filters, types, limit: prefix ? 10 : 20, offset: 0, prefix, now });
    times.push(performance.now() - t);
    if (labeller && prefix) {
      labelled++;
      if (labeller.typeahead(q).includes(results.track?.items[0]?.id ?? '')) first++;
    }
  }
  times.sort((a, b) => a - b);
  const at = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!.toFixed(2);
  const quality = labelled ? `; intended track first in ${((100 * first) / labelled).toFixed(1)} %` : '';
  console.log(`${label}: ${times.length} queries, p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms${quality}`);
}

function ms(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}

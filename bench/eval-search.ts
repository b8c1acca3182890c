/**
 * Relevance evaluation of search: Cadenza's in-memory engine (MemorySearchIndex) side by side with
 * MiniSearch (npm) on the same tracks, in the same run, with labels that do not come from either
 * engine. Queries are made from real catalogue rows by a typing-error model and labelled with the row
 * they were made from (bench/eval-queries.ts, bench/typing-errors.ts). Prints success@1, MRR@10 and the
 * share of empty answers per class and overall for both, their ratios, and a few of Cadenza's misses.
 *
 *   node --import tsx bench/eval-search.ts        (npm run eval:search)
 *   EVAL_SEED=7 npm run eval:search               (another draw; EVAL_SEED=random picks one and prints it)
 *   EVAL_CATALOGUE=1m npm run eval:search         (the real rows within the 1 M-track synthetic expansion)
 *   EVAL_PER_CLASS=300 EVAL_SHOW=10 npm run eval:search
 *   EVAL_MINISEARCH=0 npm run eval:search         (Cadenza alone: MiniSearch takes seconds a query at 1 M)
 *
 * Defaults: 80 queries a class over the real rows (about 2 minutes, nearly all of it MiniSearch's
 * queries), 20 a class at 1 M (about 4 minutes of building and loading, then MiniSearch's seconds a query).
 *
 * Documents: the 169,802 real rows of ../shared/data/catalog/mpd-tracks.tsv (title, artist, popularity
 * from the playlist count), the catalogue the held-out queries were typed against; with
 * EVAL_CATALOGUE=1m, the benchmark's 1 M-track expansion (bench/search-catalogue.ts), albums included.
 *
 * MiniSearch is set up the way its documentation's examples do: fields name (boost 2), artist and album;
 * terms lower-cased and without accents; fuzzy 0.2; prefix search for typeahead queries only; AND of
 * the words first and, when that finds nothing, OR; scores multiplied by 1 + popularity/100
 * (`boostDocument`).
 */
import MiniSearch from 'minisearch';
import { MemorySearchIndex } from '../src/adapters/memory-search/index.js';
import { parseQuery } from '../src/core/search/query.js';
import type { SearchDoc } from '../src/ports/search-index.js';
import { buildQueries, CLASSES, type LabelledQuery } from './eval-queries.js';
import { buildCatalogue, Rng, readRealRows, today } from './search-catalogue.js';

const CATALOGUE = process.env.EVAL_CATALOGUE ?? 'real';
/** MiniSearch takes 0.1–0.2 s a query over the real rows and seconds over 1 M tracks: fewer there. */
const PER_CLASS = Number(process.env.EVAL_PER_CLASS ?? (CATALOGUE === '1m' ? 20 : 80));
const SHOW = Number(process.env.EVAL_SHOW ?? 3);
const WITH_MINISEARCH = process.env.EVAL_MINISEARCH !== '0';
const SEED = process.env.EVAL_SEED === 'random' ? Math.floor(Math.random() * 1e9) : Number(process.env.EVAL_SEED ?? 15);

interface System {
  name: string;
  /** Ids of the top 10 tracks. */
  search(query: LabelledQuery): string[];
}

interface Outcome {
  query: LabelledQuery;
  /** 1-based rank of a labelled track in the top 10; 0 when absent. */
  rank: number;
  empty: boolean;
  top: string | undefined;
}

const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

function cadenza(docs: SearchDoc[], now: number): System {
  const index = new MemorySearchIndex({});
  const started = performance.now();
  index.load(docs);
  console.log(`Cadenza (MemorySearchIndex) loaded in ${seconds(started)}`);
  return {
    name: 'Cadenza',
    search(query) {
      const { text, filters } = parseQuery(query.q);
      const results = index.search({
        text,
        filters,
        types: ['track'],
        limit: 10,
        offset: 0,
        prefix: query.prefix,
        now,
      });
      if (results instanceof Promise) throw new Error('the in-thread index answers at once');
      return results.track?.items.map((hit) => hit.id) ?? [];
    },
  };
}

function miniSearch(docs: SearchDoc[]): System {
  const index = new MiniSearch<SearchDoc>({
    fields: ['name', 'artist', 'album'],
    storeFields: ['popularity'],
    extractField: (doc, field) => (field === 'artist' ? doc.artists.join(' ') : doc[field as keyof SearchDoc]),
    processTerm: (term) => term.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase(),
  });
  const started = performance.now();
  index.addAll(docs);
  console.log(`MiniSearch loaded in ${seconds(started)}`);
  const options = (query: LabelledQuery, combineWith: 'AND' | 'OR') => ({
    combineWith,
    fuzzy: 0.2,
    prefix: query.prefix,
    boost: { name: 2 },
    boostDocument: (_id: unknown, _term: string, stored?: Record<string, unknown>) =>
      1 + Number(stored?.popularity ?? 0) / 100,
  });
  return {
    name: 'MiniSearch',
    search(query) {
      let hits = index.search(query.q, options(query, 'AND'));
      if (hits.length === 0) hits = index.search(query.q, options(query, 'OR'));
      return hits.slice(0, 10).map((hit) => hit.id as string);
    },
  };
}

function run(system: System, queries: LabelledQuery[]): Outcome[] {
  const started = performance.now();
  const outcomes = queries.map((query) => {
    const ids = system.search(query);
    return { query, rank: ids.findIndex((id) => query.expect.includes(id)) + 1, empty: ids.length === 0, top: ids[0] };
  });
  const ms = (performance.now() - started) / queries.length;
  console.log(`${system.name}: ${queries.length} queries, ${ms.toFixed(2)} ms each on average`);
  return outcomes;
}

function summarise(outcomes: Outcome[]) {
  const n = outcomes.length || 1;
  return {
    n: outcomes.length,
    at1: outcomes.filter((o) => o.rank === 1).length / n,
    mrr: outcomes.reduce((sum, o) => sum + (o.rank ? 1 / o.rank : 0), 0) / n,
    empty: outcomes.filter((o) => o.empty).length / n,
  };
}

/** The rows of the table: each class, a few subclasses worth reading apart, and overall. */
function groups(): [string, (q: LabelledQuery) => boolean][] {
  const out: [string, (q: LabelledQuery) => boolean][] = [];
  for (const cls of CLASSES) {
    out.push([cls, (q) => q.cls === cls]);
    if (cls === 'space-slip') {
      for (const kind of ['moved', 'dropped', 'inserted']) {
        out.push([`  space ${kind}`, (q) => q.cls === cls && q.note === `space ${kind}`]);
      }
    }
    if (cls === 'versions') {
      out.push(['  no version more popular', (q) => q.cls === cls && !q.note.includes('more popular')]);
      out.push(['  a version more popular', (q) => q.cls === cls && q.note.includes('more popular')]);
    }
  }
  out.push(['overall', () => true]);
  return out;
}

/** Half the width of the 95 % interval of a share p measured on n queries. */
const margin = (p: number, n: number) => 1.96 * Math.sqrt((p * (1 - p)) / Math.max(1, n));

/** Cadenza's outcomes `a` beside MiniSearch's `b` (empty when it was not run: its columns show —). */
function printTable(a: Outcome[], b: Outcome[]): void {
  const ratio = (x: number, y: number) => (y === 0 ? (x === 0 ? '1.00' : '—') : (x / y).toFixed(2));
  const f = (x: number) => x.toFixed(3);
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const cols = [26, 5, 9, 9, 7, 9, 9, 7, 9, 9];
  const line = (cells: string[]) =>
    console.log(cells.map((c, i) => (i ? c.padStart(cols[i]!) : c.padEnd(cols[i]!))).join(''));
  console.log('\nsuccess@1, MRR@10 and the share of empty answers (C = Cadenza, M = MiniSearch, ratio = C/M):');
  line(['class', 'n', 'C s@1', 'M s@1', 'ratio', 'C MRR', 'M MRR', 'ratio', 'C empty', 'M empty']);
  for (const [name, member] of groups()) {
    const [sa, sb] = [summarise(a.filter((o) => member(o.query))), summarise(b.filter((o) => member(o.query)))];
    if (sa.n === 0) continue;
    const m = (cell: string) => (b.length ? cell : '—');
    line([
      name,
      String(sa.n),
      f(sa.at1),
      m(f(sb.at1)),
      m(ratio(sa.at1, sb.at1)),
      f(sa.mrr),
      m(f(sb.mrr)),
      m(ratio(sa.mrr, sb.mrr)),
      pct(sa.empty),
      m(pct(sb.empty)),
    ]);
  }
  const all = summarise(a);
  console.log(
    `(95 % intervals: Cadenza's overall success@1 ±${margin(all.at1, all.n).toFixed(3)}; ` +
      `a class's ±${margin(0.5, PER_CLASS).toFixed(2)} at 0.5, ±${margin(0.9, PER_CLASS).toFixed(2)} at 0.9)`,
  );
}

function printMisses(a: Outcome[], b: Outcome[], byId: Map<string, SearchDoc>): void {
  const describe = (id: string | undefined) => {
    const doc = id === undefined ? undefined : byId.get(id);
    return doc ? `${doc.name} — ${doc.artists.join(', ')} (pop ${doc.popularity})` : '(nothing)';
  };
  console.log(`\nCadenza's misses, the first ${SHOW} of each class (MiniSearch's rank of the same track in brackets):`);
  for (const cls of CLASSES) {
    const misses = a.flatMap((o, i) => (o.query.cls === cls && o.rank !== 1 ? [[o, b[i]] as const] : []));
    if (misses.length === 0) continue;
    console.log(`[${cls}] ${misses.length} of ${a.filter((o) => o.query.cls === cls).length}`);
    for (const [o, m] of misses.slice(0, SHOW)) {
      const where = (x: Outcome | undefined) =>
        x === undefined ? '—' : x.empty ? 'empty' : x.rank ? `rank ${x.rank}` : 'not in top 10';
      console.log(`  "${o.query.q}"${o.query.prefix ? ' (typeahead)' : ''}  ${o.query.note}`);
      console.log(`    wanted: ${describe(o.query.source.id)}  — ${where(o)} [${where(m)}]`);
      if (!o.empty) console.log(`    first:  ${describe(o.top)}`);
    }
  }
}

async function main(): Promise<void> {
  if (!Number.isSafeInteger(SEED))
    throw new Error(`EVAL_SEED is a whole number or "random", not "${process.env.EVAL_SEED}"`);
  const started = performance.now();
  const real = readRealRows();
  let docs: SearchDoc[];
  let now = today();
  if (CATALOGUE === '1m') {
    const catalogue = buildCatalogue();
    docs = catalogue.tracks;
    now = catalogue.now;
  } else if (CATALOGUE === 'real') {
    docs = real.map((row) => ({
      type: 'track',
      id: row.id,
      name: row.name,
      artists: [row.artist],
      album: null,
      genres: [],
      releaseDate: null,
      popularity: row.popularity,
      markets: null,
    }));
  } else {
    throw new Error(`EVAL_CATALOGUE is "real" (the 170 k real rows, default) or "1m", not "${CATALOGUE}"`);
  }
  const queries = buildQueries(docs, real, PER_CLASS, new Rng(SEED));
  console.log(
    `${docs.length.toLocaleString('en')} tracks (${real.length.toLocaleString('en')} real; EVAL_CATALOGUE=${CATALOGUE}), ` +
      `${queries.length} queries, ${PER_CLASS} per class, seed ${SEED} (EVAL_SEED); built in ${seconds(started)}`,
  );
  const a = run(cadenza(docs, now), queries);
  // Cadenza's index is garbage by now: one index in memory at a time (at 1 M tracks both need over 3 GB).
  const b = WITH_MINISEARCH ? run(miniSearch(docs), queries) : [];
  printTable(a, b);
  printMisses(a, b, new Map(docs.map((d) => [d.id, d])));
  console.log(`\nseed ${SEED}; whole run ${seconds(started)}`);
}

try {
  await main();
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}

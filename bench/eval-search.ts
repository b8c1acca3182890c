/**
 * Offline relevance evaluation of the in-memory search engine: a labelled set of queries made from the
 * real rows of the benchmark catalogue (bench/search-catalogue.ts), run against `MemorySearchIndex`
 * loaded with the full 1 M-track catalogue. Prints MRR@10 and success@1 per class and overall, and the
 * worst misses.
 *
 *   node --import tsx bench/eval-search.ts        (npm run eval:search)
 *   EVAL_PER_CLASS=100 EVAL_SHOW=50 npm run eval:search
 *   EVAL_SEED=7 npm run eval:search        (another draw of queries: a held-out check against tuning to one set)
 *
 * The intended result of each query follows the rule documented on `Labeller`: the most popular track
 * in the whole catalogue matching what the query meant (its title, and its artist when named); when
 * several tie on popularity any of them counts. Classes:
 * - exact: "title artist" as written (or lowercased);
 * - prefix: the last word of the title cut short (kept ≥ half its letters), after the artist or alone;
 * - typo: keyboard typos in one word of "title artist" or of the title: 1 edit in a word of 4+ letters,
 *   2 edits in a word of 8+, counted on the word as meant and as typed (never the first letter, never
 *   landing on another catalogue word; an adjacent swap is one edit);
 * - accents: "title artist" with the Latin accents dropped (Beyoncé → Beyonce);
 * - reordered: the words of title and artist shuffled (neither title-first nor artist-first);
 * - artist+title: "artist title";
 * - non-latin: real rows in other scripts: the non-Latin fragment of the title (강남스타일), or title and
 *   artist when the artist's name is non-Latin.
 */
import { fileURLToPath } from 'node:url';
import { MemorySearchIndex } from '../src/adapters/memory-search/index.js';
import { parseQuery } from '../src/core/search/query.js';
import type { SearchDoc } from '../src/ports/search-index.js';
import {
  allDocs,
  allowedEdits,
  buildCatalogue,
  type Catalogue,
  coreTitle,
  dropAccents,
  hasLatinAccent,
  isNonLatin,
  Labeller,
  type RealRow,
  Rng,
  sampleRows,
  typo,
} from './search-catalogue.js';

const PER_CLASS = Number(process.env.EVAL_PER_CLASS ?? 60);
const SHOW = Number(process.env.EVAL_SHOW ?? 30);
const SEED = Number(process.env.EVAL_SEED ?? 2024);
const CLASSES = ['exact', 'prefix', 'typo', 'accents', 'reordered', 'artist+title', 'non-latin'] as const;
type QueryClass = (typeof CLASSES)[number];

export interface LabelledQuery {
  cls: QueryClass;
  q: string;
  /** Typeahead: the last word is still being typed. */
  prefix: boolean;
  /** The intended track; several when they tie on popularity (any of them counts). */
  expect: string[];
  source: RealRow;
  /** What was done to the query (the typo made), for reading the misses. */
  note?: string;
}

const words = (text: string) => text.split(/\s+/).filter(Boolean);
const asTyped = (q: string, rng: Rng) => (rng.chance(0.5) ? q.toLowerCase() : q);
const latin = (row: RealRow) => !isNonLatin(row.name + row.artist);

/** The labelled set: PER_CLASS queries per class, each from a distinct real row, deterministic. */
export function buildEvalSet(catalogue: Catalogue, labeller: Labeller): LabelledQuery[] {
  const rng = new Rng(SEED);
  const out: LabelledQuery[] = [];
  const seen = new Set<string>();
  const add = (query: Omit<LabelledQuery, 'expect'>, title: string, artist: string | undefined, how = 'exact') => {
    const key = `${query.cls}|${query.q.toLowerCase()}`;
    if (seen.has(key) || !query.q.trim()) return;
    seen.add(key);
    const expect =
      how === 'prefix'
        ? labeller.titlePrefix(title, artist)
        : how === 'fragment'
          ? labeller.containing(title)
          : labeller.exact(title, artist);
    if (expect.length === 0) throw new Error(`no track matches "${query.q}", made from ${query.source.id}`);
    out.push({ ...query, expect });
  };
  const rows = (accept: (row: RealRow) => boolean) => sampleRows(catalogue.real, PER_CLASS, rng, accept);

  for (const source of rows(latin)) {
    add(
      { cls: 'exact', q: asTyped(`${coreTitle(source.name)} ${source.artist}`, rng), prefix: false, source },
      coreTitle(source.name),
      source.artist,
    );
  }
  for (const source of rows(latin)) {
    add(
      { cls: 'artist+title', q: asTyped(`${source.artist} ${coreTitle(source.name)}`, rng), prefix: false, source },
      coreTitle(source.name),
      source.artist,
    );
  }
  const lastWordLong = (row: RealRow) => /\p{L}{4,}$/u.test(coreTitle(row.name));
  for (const source of rows((r) => latin(r) && lastWordLong(r))) {
    const title = coreTitle(source.name);
    const last = /\p{L}+$/u.exec(title)![0];
    const keep = Math.ceil(last.length / 2) + rng.int(Math.floor(last.length / 2));
    const typed = title.slice(0, title.length - last.length + keep);
    const alone = words(title).length >= 2 && rng.chance(0.5);
    const q = asTyped(alone ? typed : `${source.artist} ${typed}`, rng);
    add({ cls: 'prefix', q, prefix: true, source }, typed, alone ? undefined : source.artist, 'prefix');
  }
  const typoable = (w: string) => /^[A-Za-z]{4,}$/.test(w);
  for (const source of rows((r) => latin(r) && words(`${coreTitle(r.name)} ${r.artist}`).some(typoable))) {
    const title = coreTitle(source.name);
    const alone = words(title).length >= 2 && words(title).some(typoable) && rng.chance(0.4);
    const ws = words(alone ? title : `${title} ${source.artist}`);
    // Long words half the time, so that two-edit typos are well represented.
    const long = ws.flatMap((w, i) => (typoable(w) && w.length >= 8 ? [i] : []));
    const any = ws.flatMap((w, i) => (typoable(w) ? [i] : []));
    const at = long.length && rng.chance(0.5) ? rng.pick(long) : rng.pick(any);
    const word = ws[at]!;
    const edits = allowedEdits(word) === 2 && rng.chance(0.7) ? 2 : 1;
    const wrong = typo(word, edits, rng, labeller.vocabulary);
    // The rule holds for the word as typed too: a 4-letter word that lost a letter is a 3-letter word.
    if (wrong === undefined || allowedEdits(wrong) < edits) continue;
    ws[at] = wrong;
    const note = `${word}→${wrong} (${edits} edit${edits > 1 ? 's' : ''})`;
    add(
      { cls: 'typo', q: asTyped(ws.join(' '), rng), prefix: false, source, note },
      title,
      alone ? undefined : source.artist,
    );
  }
  for (const source of rows((r) => latin(r) && hasLatinAccent(coreTitle(r.name) + r.artist))) {
    const title = coreTitle(source.name);
    const q = rng.chance(0.7) ? `${title} ${source.artist}` : `${source.artist} ${title}`;
    add({ cls: 'accents', q: asTyped(dropAccents(q), rng), prefix: false, source }, title, source.artist);
  }
  for (const source of rows((r) => latin(r) && words(`${coreTitle(r.name)} ${r.artist}`).length >= 3)) {
    const title = coreTitle(source.name);
    const canonical = [`${title} ${source.artist}`, `${source.artist} ${title}`].map((s) => words(s).join(' '));
    let q = canonical[0]!;
    for (let tries = 0; tries < 20 && canonical.includes(q); tries++) q = rng.shuffle(words(q)).join(' ');
    if (canonical.includes(q)) continue;
    add({ cls: 'reordered', q: asTyped(q, rng), prefix: false, source }, title, source.artist);
  }
  for (const source of rows((r) => !latin(r))) {
    const title = coreTitle(source.name);
    if (isNonLatin(source.artist)) {
      const q = rng.chance(0.5) ? `${title} ${source.artist}` : `${source.artist} ${title}`;
      add({ cls: 'non-latin', q, prefix: false, source }, title, source.artist);
    } else {
      const fragment = nonLatinFragment(source.name);
      if (fragment) add({ cls: 'non-latin', q: fragment, prefix: false, source }, fragment, undefined, 'fragment');
    }
  }
  return out;
}

/** The first run of words with non-Latin letters in a title: "Gangnam Style (강남스타일)" → "강남스타일". */
function nonLatinFragment(title: string): string | undefined {
  const run: string[] = [];
  for (const word of title.split(/[\s()[\]\-–,;:!?"]+/).filter(Boolean)) {
    if (isNonLatin(word) && !/\p{Script=Latin}/u.test(word)) run.push(word);
    else if (run.length) break;
  }
  return run.length ? run.join(' ') : undefined;
}

interface Outcome {
  query: LabelledQuery;
  /** 1-based rank of the intended track in the top 10; 0 when absent. */
  rank: number;
  top: string | undefined;
}

function summarise(outcomes: Outcome[]) {
  const n = outcomes.length;
  const mrr = outcomes.reduce((s, o) => s + (o.rank ? 1 / o.rank : 0), 0) / n;
  const at1 = outcomes.filter((o) => o.rank === 1).length / n;
  const at10 = outcomes.filter((o) => o.rank > 0).length / n;
  return { n, mrr, at1, at10 };
}

async function main(): Promise<void> {
  let t0 = performance.now();
  const catalogue = buildCatalogue();
  const docs = allDocs(catalogue);
  const labeller = new Labeller(catalogue.tracks);
  const set = buildEvalSet(catalogue, labeller);
  console.log(
    `catalogue: ${catalogue.tracks.length.toLocaleString('en')} tracks (${catalogue.real.length.toLocaleString('en')} real), ` +
      `${catalogue.albums.length.toLocaleString('en')} albums, ${catalogue.artists.length.toLocaleString('en')} artists; ` +
      `${set.length} labelled queries (seed ${SEED}), built in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  const index = new MemorySearchIndex({});
  t0 = performance.now();
  index.load(docs);
  console.log(`MemorySearchIndex.load: ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const outcomes: Outcome[] = set.map((query) => {
    const { text, filters } = parseQuery(query.q);
    const results = index.search({
      text,
      filters,
      types: ['track'],
      limit: 10,
      offset: 0,
      prefix: query.prefix,
      now: catalogue.now,
    });
    const ids = results.track?.items.map((h) => h.id) ?? [];
    return { query, rank: ids.findIndex((id) => query.expect.includes(id)) + 1, top: ids[0] };
  });
  printScores(outcomes);
  printMisses(outcomes, new Map(catalogue.tracks.map((t) => [t.id, t])));
}

function printScores(outcomes: Outcome[]): void {
  const row = (name: string, list: Outcome[], target = '') => {
    const s = summarise(list);
    const cells = [
      name.padEnd(18),
      String(s.n).padStart(5),
      s.mrr.toFixed(3).padStart(9),
      s.at1.toFixed(3).padStart(11),
    ];
    console.log(`${cells.join('')}${s.at10.toFixed(3).padStart(12)}   ${target}`);
  };
  console.log(
    `\n${'class'.padEnd(18)}${'n'.padStart(5)}${'MRR@10'.padStart(9)}${'success@1'.padStart(11)}${'success@10'.padStart(12)}`,
  );
  for (const cls of CLASSES) {
    const list = outcomes.filter((o) => o.query.cls === cls);
    row(cls, list, cls === 'typo' ? `(target ≥ 0.8: ${summarise(list).mrr >= 0.8 ? 'met' : 'MISSED'})` : '');
    if (cls === 'typo') {
      row(
        '  typo, 1 edit',
        list.filter((o) => o.query.note?.endsWith('(1 edit)')),
      );
      row(
        '  typo, 2 edits',
        list.filter((o) => o.query.note?.endsWith('(2 edits)')),
      );
    }
  }
  const overall = summarise(outcomes);
  row('overall', outcomes, `(target MRR@10 ≥ 0.9: ${overall.mrr >= 0.9 ? 'met' : 'MISSED'})`);
}

function printMisses(outcomes: Outcome[], byId: Map<string, SearchDoc>): void {
  const describe = (id: string | undefined) => {
    const t = id === undefined ? undefined : byId.get(id);
    return t ? `${t.name} — ${t.artists.join(', ')} (pop ${t.popularity}, ${t.id})` : '(nothing)';
  };
  // Worst first: absent from the top 10, then lowest rank; among equals the more popular intent first.
  const misses = outcomes
    .filter((o) => o.rank !== 1)
    .sort((a, b) =>
      (a.rank || 99) - (b.rank || 99) === 0
        ? byId.get(b.query.expect[0]!)!.popularity - byId.get(a.query.expect[0]!)!.popularity
        : (b.rank || 99) - (a.rank || 99),
    );
  console.log(
    `\n${misses.length} queries where the intended track is not first; the worst ${Math.min(SHOW, misses.length)}:`,
  );
  for (const o of misses.slice(0, SHOW)) {
    const where = o.rank ? `rank ${o.rank}` : 'not in top 10';
    console.log(
      `- [${o.query.cls}] "${o.query.q}"${o.query.prefix ? ' (prefix)' : ''}${o.query.note ? `  ${o.query.note}` : ''}`,
    );
    const ties = o.query.expect.length > 1 ? ` (or ${o.query.expect.length - 1} as popular)` : '';
    console.log(`    expected (${where}): ${describe(o.query.expect[0])}${ties}`);
    console.log(`    got first:           ${describe(o.top)}`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    await main();
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}

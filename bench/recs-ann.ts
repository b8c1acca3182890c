/**
 * Nearest-neighbour benchmark: the approximate index (USearch, HNSW) against exact search (every vector
 * scored), both behind the VectorIndex port, over the same synthetic embeddings and the same queries.
 *
 *   node --import tsx bench/recs-ann.ts        (npm run bench:recs:ann)
 *   npm run bench:recs:ann -- --n 100000 --queries 1000 --ef 64,128,256
 *
 * Flags: --n vectors (1,000,000), --dims (128), --queries (1,000: recall and exact latency are over all
 * of them), --passes (5: each expansion is timed over the queries this many times), --metric
 * cosine|inner-product, --connectivity and --expansion-add (the adapter's defaults), --ef the search
 * expansions to measure (64,128,256,512), --quantization the graphs to build (f32, f16, bf16, i8; a
 * list builds each), --oversample the multiples of k re-scored exactly when the adapter keeps its own
 * 32-bit copy (3; a list measures each), --probes walks per query, 1 or 2 (1; a list measures each),
 * --threads for the build (0: one per core), --seed.
 *
 * The vectors are made to look like a catalogue's embeddings rather than uniform noise (on which every
 * index does worst and no model produces): genres are random centres; artists sit around a genre, the
 * genre drawn with a Zipf skew (a few genres hold most artists); tracks sit around an artist, the
 * artist drawn with a Zipf skew too (a few artists hold many tracks, most hold one or two); and the
 * spread falls off across dimensions, as a factorisation's leading factors carry most of the variance.
 * Queries are of two kinds, half each: tracks made the same way but not in the index ("more like
 * this"), and listener vectors, the mean of 20 tracks from the listener's two favourite genres.
 *
 * The graph is built once and saved; each search expansion is then measured on a copy loaded from that
 * file (USearch fixes the expansion when an index is made). Exact search is the baseline: its top 10
 * is the truth recall is measured against, and its latency is what the ratios are taken of. Beside
 * wall time each query's CPU time is printed, which other work on a shared machine barely moves, and
 * the "10th gap": how much lower the 10th answer scores than the true 10th (misses among near-ties
 * cost little).
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ExactVectorIndex } from '../src/adapters/ann/exact.js';
import { USEARCH_DEFAULTS, type UsearchQuantization, UsearchVectorIndex } from '../src/adapters/ann/usearch.js';
import { seededRandom } from '../src/core/recs/matrix.js';
import type { VectorIndex, VectorMatches, VectorMetric } from '../src/ports/vector-index.js';
import { pct } from './lib/stats.js';

const { values: flags } = parseArgs({
  options: {
    n: { type: 'string', default: '1000000' },
    dims: { type: 'string', default: '128' },
    queries: { type: 'string', default: '1000' },
    metric: { type: 'string', default: 'cosine' },
    connectivity: { type: 'string', default: String(USEARCH_DEFAULTS.connectivity) },
    'expansion-add': { type: 'string', default: String(USEARCH_DEFAULTS.expansionAdd) },
    ef: { type: 'string', default: '64,128,256,512' },
    quantization: { type: 'string', default: USEARCH_DEFAULTS.quantization },
    oversample: { type: 'string', default: String(USEARCH_DEFAULTS.oversample) },
    probes: { type: 'string', default: String(USEARCH_DEFAULTS.probes) },
    threads: { type: 'string', default: '0' },
    passes: { type: 'string', default: '5' },
    seed: { type: 'string', default: '1' },
  },
});
const N = Number(flags.n);
const D = Number(flags.dims);
const QUERIES = Number(flags.queries);
const METRIC = flags.metric as VectorMetric;
const CONNECTIVITY = Number(flags.connectivity);
const EXPANSION_ADD = Number(flags['expansion-add']);
const EFS = flags.ef.split(',').map(Number);
const QUANTIZATIONS = flags.quantization.split(',') as UsearchQuantization[];
const OVERSAMPLES = flags.oversample.split(',').map(Number);
const PROBES = flags.probes.split(',').map(Number);
const THREADS = Number(flags.threads);
const PASSES = Number(flags.passes);
const K = 10;
/** Vectors added per call, so the build shows its progress. */
const CHUNK = 100_000;

/** Standard normal numbers (Box–Muller). */
function normal(next: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
}

/** Draws 0..n-1 with probability ∝ 1/(rank+1)^s, ranks shuffled so the skew is not in index order. */
function zipf(n: number, s: number, next: () => number): () => number {
  const cumulative = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) cumulative[i] = sum += 1 / (i + 1) ** s;
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return () => {
    const target = next() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cumulative[mid] as number) < target) lo = mid + 1;
      else hi = mid;
    }
    return order[lo] as number;
  };
}

/** The synthetic catalogue's embedding space: genre and artist centres, and a way to make tracks. */
function space(n: number, d: number, seed: number) {
  const next = seededRandom(seed);
  const gauss = normal(next);
  // Spread by dimension: leading dimensions vary most.
  const spread = Float32Array.from({ length: d }, (_, i) => 1 / Math.sqrt(1 + i / 8));
  const genres = 64;
  const artists = Math.max(200, Math.round(n / 40));
  const genreCentres = Float32Array.from({ length: genres * d }, (_, i) => gauss() * (spread[i % d] as number));
  const genreOf = zipf(genres, 1.0, next);
  const artistGenre = new Int32Array(artists);
  const artistCentres = new Float32Array(artists * d);
  for (let a = 0; a < artists; a++) {
    const g = genreOf();
    artistGenre[a] = g;
    for (let i = 0; i < d; i++)
      artistCentres[a * d + i] = (genreCentres[g * d + i] as number) + 0.5 * gauss() * (spread[i] as number);
  }
  const artistOf = zipf(artists, 1.1, next);
  const track = (out: Float32Array, at: number, artist = artistOf()) => {
    for (let i = 0; i < d; i++)
      out[at + i] = (artistCentres[artist * d + i] as number) + 0.35 * gauss() * (spread[i] as number);
  };
  return { next, genres, artists, artistGenre, artistOf, track };
}

function makeData() {
  const s = space(N, D, Number(flags.seed));
  const vectors = new Float32Array(N * D);
  for (let row = 0; row < N; row++) s.track(vectors, row * D);
  const ids = Array.from({ length: N }, (_, row) => `t${row.toString(36).padStart(5, '0')}`);
  const queries = new Float32Array(QUERIES * D);
  const artistsByGenre = Array.from({ length: s.genres }, () => [] as number[]);
  for (let a = 0; a < s.artists; a++) artistsByGenre[s.artistGenre[a] as number]?.push(a);
  const scratch = new Float32Array(D);
  for (let q = 0; q < QUERIES; q++) {
    if (q % 2 === 0) {
      s.track(queries, q * D);
      continue;
    }
    // A listener: the mean of 20 tracks by artists of two genres they favour.
    const favourites = [Math.floor(s.next() * s.genres), Math.floor(s.next() * s.genres)];
    for (let t = 0; t < 20; t++) {
      const pool = artistsByGenre[favourites[t % 2] as number] as number[];
      const artist = pool.length > 0 ? (pool[Math.floor(s.next() * pool.length)] as number) : s.artistOf();
      s.track(scratch, 0, artist);
      for (let i = 0; i < D; i++) queries[q * D + i] = (queries[q * D + i] as number) + (scratch[i] as number) / 20;
    }
  }
  return { ids, vectors, queries, artists: s.artists };
}

const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
const rssGb = () => (process.resourceUsage().maxRSS * 1024) / 2 ** 30;
const fmt = (x: number, digits = 2) => x.toFixed(digits);

/** Builds one graph, saves it to `path` and prints what that took; the graph itself is let go. */
async function buildGraph(quantization: UsearchQuantization, data: ReturnType<typeof makeData>, path: string) {
  const graph = new UsearchVectorIndex({
    dimensions: D,
    metric: METRIC,
    connectivity: CONNECTIVITY,
    expansionAdd: EXPANSION_ADD,
    threads: THREADS,
    quantization,
    probes: Math.max(...PROBES),
  });
  const cpuStart = process.cpuUsage();
  const took = build(graph, data.ids, data.vectors, `usearch ${quantization}`);
  const { user, system } = process.cpuUsage(cpuStart);
  const start = process.hrtime.bigint();
  await graph.save(path);
  const saveMs = ms(start);
  const bytes = (await stat(path)).size;
  console.log(
    `build: usearch ${quantization} ${fmt(took / 1000, 1)} s (connectivity ${CONNECTIVITY}, expansion ${EXPANSION_ADD}, ` +
      `${THREADS || cpus().length} threads, ${fmt((user + system) / 1e6, 0)} CPU-s); graph file ${fmt(bytes / 2 ** 20, 0)} MB ` +
      `saved in ${fmt(saveMs / 1000, 1)} s; peak RSS so far ${fmt(rssGb())} GB`,
  );
}

function build(index: VectorIndex, ids: string[], vectors: Float32Array, label: string): number {
  const start = process.hrtime.bigint();
  for (let from = 0; from < ids.length; from += CHUNK) {
    const to = Math.min(ids.length, from + CHUNK);
    index.add(ids.slice(from, to), vectors.subarray(from * D, to * D));
    if (ids.length > CHUNK)
      console.error(`  ${label}: ${to.toLocaleString('en')} added, ${fmt(ms(start) / 1000, 1)} s`);
  }
  return ms(start);
}

interface Row {
  name: string;
  latencies: number[];
  /**
   * CPU time per query (the process's, of which the searching thread is nearly all): what a query costs
   * when it is not waiting for a core, on a machine shared with other work.
   */
  cpu: number[];
  /** Recall@10 over the track queries (even) and the listener queries (odd). */
  recall: { all: number; tracks: number; listeners: number };
  /**
   * How much worse the 10th answer scores than the true 10th, on average: a miss among near-ties costs
   * a listener nothing, a miss far down costs them a good track.
   */
  gap: number;
  answers: VectorMatches[];
}

/**
 * Times every query on `index` `passes` times over, after a warm-up round over the first 100; the
 * answers of the first pass are scored against `truth` (none: this is the truth).
 */
function measure(
  name: string,
  index: VectorIndex,
  queries: Float32Array,
  truth: VectorMatches[] | null,
  passes = 1,
): Row {
  for (let q = 0; q < Math.min(100, QUERIES); q++) index.search(queries.subarray(q * D, (q + 1) * D), K);
  const latencies: number[] = [];
  const cpu: number[] = [];
  const answers: VectorMatches[] = [];
  for (let pass = 0; pass < passes; pass++)
    for (let q = 0; q < QUERIES; q++) {
      const query = queries.subarray(q * D, (q + 1) * D);
      const cpuStart = process.cpuUsage();
      const start = process.hrtime.bigint();
      const found = index.search(query, K);
      latencies.push(ms(start));
      const used = process.cpuUsage(cpuStart);
      cpu.push((used.user + used.system) / 1000);
      if (pass === 0) answers.push(found);
    }
  const hits = [0, 0];
  let gap = 0;
  if (truth)
    answers.forEach((found, q) => {
      const best = truth[q] as VectorMatches;
      const wanted = new Set(best.ids);
      hits[q % 2] = (hits[q % 2] as number) + found.ids.filter((id) => wanted.has(id)).length;
      gap += (best.scores[K - 1] as number) - (found.scores[K - 1] ?? Number.NEGATIVE_INFINITY);
    });
  const of = (kind: number) => (truth ? (hits[kind] as number) / (Math.ceil((QUERIES - kind) / 2) * K) : 1);
  return {
    name,
    latencies,
    cpu,
    recall: {
      all: truth ? ((hits[0] as number) + (hits[1] as number)) / (QUERIES * K) : 1,
      tracks: of(0),
      listeners: of(1),
    },
    gap: gap / QUERIES,
    answers,
  };
}

async function main() {
  console.log(
    `ANN benchmark: ${N.toLocaleString('en')} vectors × ${D} dims, ${METRIC}, ${QUERIES} queries, k=${K}; ` +
      `${cpus().length} cores, ${fmt(totalmem() / 2 ** 30, 0)} GB, load ${loadavg()
        .map((l) => fmt(l, 1))
        .join(' ')}`,
  );
  const start = process.hrtime.bigint();
  const data = makeData();
  console.log(`data: ${data.artists.toLocaleString('en')} artists in 64 genres, made in ${fmt(ms(start) / 1000, 1)} s`);

  const shape = { dimensions: D, metric: METRIC };
  const exact = new ExactVectorIndex(shape);
  const exactBuild = build(exact, data.ids, data.vectors, 'exact');
  console.log(`build: exact ${fmt(exactBuild / 1000, 1)} s`);
  const baseline = measure('exact', exact, data.queries, null);
  const truth = baseline.answers;
  const rows: Row[] = [baseline];
  const dir = await mkdtemp(join(tmpdir(), 'cadenza-bench-ann-'));
  try {
    for (const quantization of QUANTIZATIONS) {
      const path = join(dir, `graph-${quantization}`);
      await buildGraph(quantization, data, path);
      for (const ef of EFS)
        for (const probes of PROBES)
          for (const oversample of quantization === 'f32' && probes === 1 ? [1] : OVERSAMPLES) {
            const options = {
              ...shape,
              connectivity: CONNECTIVITY,
              expansionSearch: ef,
              quantization,
              oversample,
              probes,
            };
            const copy = new UsearchVectorIndex(options);
            await copy.load(path);
            const name = `${quantization}${oversample > 1 ? `×${oversample}` : ''}${probes > 1 ? ` p${probes}` : ''} ef=${ef}`;
            rows.push(measure(name, copy, data.queries, truth, PASSES));
          }
    }
    print(rows, baseline);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  console.log(`peak RSS ${fmt(rssGb())} GB`);
}

function print(rows: Row[], baseline: Row) {
  const base = { p50: pct(baseline.latencies, 0.5), p99: pct(baseline.latencies, 0.99) };
  const cell = (x: number, width: number, digits = 3) => fmt(x, digits).padStart(width);
  console.log('');
  console.log(
    '| index            | timed | p50 ms | p99 ms | p999 ms | cpu p50 | cpu p99 | recall@10 | tracks | listeners | 10th gap | speed-up p50 | p99 |',
  );
  console.log(
    '|------------------|------:|-------:|-------:|--------:|--------:|--------:|----------:|-------:|----------:|---------:|-------------:|----:|',
  );
  for (const row of rows) {
    const p50 = pct(row.latencies, 0.5);
    const p99 = pct(row.latencies, 0.99);
    console.log(
      `| ${row.name.padEnd(16)} | ${String(row.latencies.length).padStart(5)} | ${cell(p50, 6)} | ${cell(p99, 6)} | ` +
        `${cell(pct(row.latencies, 0.999), 7)} | ${cell(pct(row.cpu, 0.5), 7)} | ${cell(pct(row.cpu, 0.99), 7)} | ` +
        `${cell(row.recall.all, 9, 4)} | ${cell(row.recall.tracks, 6)} | ${cell(row.recall.listeners, 9)} | ${cell(row.gap, 8, 4)} | ` +
        `${`${fmt(base.p50 / p50, 0)}×`.padStart(12)} | ${`${fmt(base.p99 / p99, 0)}×`.padStart(3)} |`,
    );
  }
  console.log('');
  console.log(
    `target: p99 < 2 ms and recall@10 ≥ 0.95; recall is over all ${QUERIES} queries against exact search, ` +
      `latencies in ms (wall, then CPU time of the process); load now ${loadavg()
        .map((l) => fmt(l, 1))
        .join(' ')}`,
  );
}

await main();

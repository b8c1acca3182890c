/**
 * Offline evaluation of the recommendation models, driving the CLI's own functions (src/cli/recs.ts:
 * fitCommand → model file → recommendCommand / continueCommand → TSV) on files in a temporary folder,
 * so what is scored is what `cadenza recs` answers.
 *
 *   node --import tsx bench/eval-recs.ts          (npm run eval:recs)
 *   EVAL_SEED=7 npm run eval:recs                 (another draw of every split)
 *   EVAL_PART=listens|playlists npm run eval:recs (one half only)
 *
 * User-artist (../shared/data/listens/lastfm-hetrec-2k/user_artists.train.tsv): 20 % of the artists of
 * each user with ≥ 5 are held back as test; the rest is the training part. From the training part the
 * same cut again gives a validation split, on which every hyper-parameter and the blend of "ours" are
 * chosen; each model is then fitted once on the whole training part and scored once on the test part.
 * Metrics at 10: NDCG, precision, hit rate.
 *
 * Playlists (../shared/data/playlists/mpd-sample/playlist_tracks.tsv): 1,000 playlists of ≥ 25 tracks
 * are hidden, keeping their first 5 or 10 tracks (alternately) as seeds, as in the RecSys Challenge
 * 2018; the models are fitted on the other playlists; 500 tracks are asked for; metrics R-precision,
 * NDCG and clicks. Validation: 500 playlists hidden the same way within the training playlists.
 * Every playlist model is fitted with the catalogue (../shared/data/catalog/mpd-tracks.tsv, `recs fit
 * --catalogue`): the artist parts of "ours" read each track's artist from it. Its playlist_count column
 * counts the hidden playlists too, so it is not read; popularity is counted on the training part.
 *
 * UserKNN (user-based neighbours) is printed beside the baselines as a part of "ours", not as a
 * baseline: its parameters are the defaults, chosen on the validation splits (docs/recommendations.md).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { continueCommand, fitCommand, loadRecommender, recommendCommand } from '../src/cli/recs.js';
import type { ModelKind, RecsParams, Source } from '../src/core/recs/model.js';
import { parsePlaylists } from '../src/core/recs/tsv.js';
import { challengeMetrics, hidePlaylistTails, holdOut, mean, type Row, topKMetrics } from './lib/recs-eval.js';

const DATA = fileURLToPath(new URL('../../shared/data/', import.meta.url));
const SEED = Number(process.env.EVAL_SEED ?? 16);
const PART = process.env.EVAL_PART ?? 'all';
const work = await mkdtemp(join(tmpdir(), 'cadenza-eval-recs-'));
const started = performance.now();
const clock = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;
const log = (line: string) => console.log(`[${clock()}] ${line}`);
let files = 0;

interface Config {
  kind: ModelKind;
  params: RecsParams;
}

/** Each track's artist (track_uri, artist_name), given to every playlist fit. */
const CATALOGUE = join(DATA, 'catalog/mpd-tracks.tsv');

/** Fits a model through the CLI's fit on a training file; returns the model file. */
async function fit(source: Source, trainFile: string, config: Config): Promise<string> {
  const out = join(work, `model-${files++}.bin`);
  const catalogue = source === 'playlists' ? CATALOGUE : undefined;
  await fitCommand({ input: trainFile, source, out, kind: config.kind, params: config.params, catalogue });
  return out;
}

/** Runs a CLI answer into a string and reads its TSV back (first column → ranked second column). */
async function answer(run: (write: (chunk: string) => void) => Promise<void>): Promise<Map<string, string[]>> {
  const chunks: string[] = [];
  await run((c) => chunks.push(c));
  const lists = new Map<string, string[]>();
  const lines = chunks.join('').split('\n');
  for (const line of lines.slice(1)) {
    if (!line) continue;
    const [key, item, rank] = line.split('\t');
    const list = lists.get(key!) ?? [];
    lists.set(key!, list);
    if (Number(rank) !== list.length + 1) throw new Error(`rank out of order in the CLI's answer: ${line}`);
    list.push(item!);
  }
  return lists;
}

const fmt = (x: number) => x.toFixed(4);
const describe = (p: RecsParams) =>
  Object.entries(p)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');

// ---------------------------------------------------------------------------------------------------
// User-artist listens

async function listens(): Promise<void> {
  const text = await readFile(join(DATA, 'listens/lastfm-hetrec-2k/user_artists.train.tsv'), 'utf8');
  const rows: Row[] = text
    .split('\n')
    .slice(1)
    .filter(Boolean)
    .map((l) => {
      const [user, item, weight] = l.split('\t');
      return { user: user!, item: item!, weight: weight! };
    });
  const test = holdOut(rows, 0.2, 5, SEED);
  const valid = holdOut(test.train, 0.2, 5, SEED + 1);
  const write = async (name: string, part: Row[]) => {
    const file = join(work, name);
    await writeFile(file, `user\titem\tweight\n${part.map((r) => `${r.user}\t${r.item}\t${r.weight}`).join('\n')}\n`);
    return file;
  };
  const usersFile = async (name: string, held: Map<string, Set<string>>) => {
    const file = join(work, name);
    await writeFile(file, `user\n${[...held.keys()].join('\n')}\n`);
    return file;
  };
  const files = {
    trainValid: await write('listens-train-valid.tsv', valid.train),
    usersValid: await usersFile('listens-users-valid.tsv', valid.held),
    train: await write('listens-train.tsv', test.train),
    usersTest: await usersFile('listens-users-test.tsv', test.held),
  };
  log(
    `listens: ${rows.length} pairs; test ${[...test.held.values()].reduce((s, h) => s + h.size, 0)} pairs of ${test.held.size} users; validation ${[...valid.held.values()].reduce((s, h) => s + h.size, 0)} pairs`,
  );

  const score = async (modelFile: string, usersFile: string, held: Map<string, Set<string>>, reweight?: RecsParams) => {
    const recommender = await loadRecommender(modelFile);
    if (reweight) for (const part of recommender.model.parts) part.weight = reweight[`ours.${part.name}`] ?? 0;
    const lists = await answer((w) => recommendCommand(recommender, usersFile, 10, w));
    return mean([...held].map(([user, items]) => topKMetrics(lists.get(user) ?? [], items, 10)));
  };
  const onValid = async (config: Config) =>
    score(await fit('interactions', files.trainValid, config), files.usersValid, valid.held);

  /** Greedy search: each stage tries its values with the best of the previous stages. */
  const tune = async (kind: ModelKind, stages: Record<string, number[]>[]): Promise<RecsParams> => {
    let best: RecsParams = {};
    let bestScore = -1;
    for (const stage of stages) {
      let stageBest = best;
      for (const candidate of grid(stage)) {
        const params = { ...best, ...candidate };
        const { ndcg } = await onValid({ kind, params });
        log(`  ${kind} ${describe(params)}: validation NDCG@10 ${fmt(ndcg)}`);
        if (ndcg > bestScore) {
          bestScore = ndcg;
          stageBest = params;
        }
      }
      best = stageBest;
    }
    return best;
  };

  const chosen: Record<string, RecsParams> = {
    popularity: {},
    userknn: {},
    itemknn: await tune('itemknn', [{ 'itemknn.k': [200], 'itemknn.shrink': [0, 20] }]),
    rp3: await tune('rp3', [{ 'rp3.alpha': [0.6, 0.8], 'rp3.beta': [0.2, 0.3] }]),
    ease: await tune('ease', [{ 'ease.lambda': [100, 300] }]),
    ials: await tune('ials', [{ 'ials.alpha': [1, 2], 'ials.lambda': [30, 100] }]),
  };
  // Ours: one fit holding every part with its tuned values, then the blend weights on validation.
  const parts = { ...chosen.itemknn, ...chosen.rp3, ...chosen.ease, ...chosen.ials };
  const all = { ...parts, 'ours.ease': 1, 'ours.ials': 1, 'ours.rp3': 1, 'ours.itemknn': 0, 'ours.userknn': 1 };
  const blendFile = await fit('interactions', files.trainValid, { kind: 'ours', params: all });
  let bestBlend: RecsParams = {};
  let bestBlendScore = -1;
  for (const weights of grid({
    'ours.ease': [0, 1],
    'ours.ials': [0.5, 1],
    'ours.rp3': [0.5, 1],
    'ours.itemknn': [0],
    'ours.userknn': [0, 1],
  })) {
    const { ndcg } = await score(blendFile, files.usersValid, valid.held, weights);
    log(`  ours ${describe(weights)}: validation NDCG@10 ${fmt(ndcg)}`);
    if (ndcg > bestBlendScore) {
      bestBlendScore = ndcg;
      bestBlend = weights;
    }
  }
  chosen.ours = { ...parts, ...bestBlend };

  console.log('\nChosen on validation (user-artist):');
  for (const [kind, params] of Object.entries(chosen)) console.log(`  ${kind.padEnd(10)} ${describe(params) || '—'}`);

  const results: Record<string, { ndcg: number; precision: number; hit: number; seconds: number }> = {};
  for (const kind of ['popularity', 'itemknn', 'rp3', 'ials', 'ease', 'userknn', 'ours'] as const) {
    const t = performance.now();
    const model = await fit('interactions', files.train, { kind, params: chosen[kind]! });
    const m = await score(model, files.usersTest, test.held);
    results[kind] = { ...m, seconds: (performance.now() - t) / 1000 };
  }
  console.log('\nUser-artist, test split (NDCG@10, P@10, HitRate@10; fit + answer seconds):');
  console.log(
    `  ${'model'.padEnd(11)} ${'NDCG@10'.padStart(8)} ${'P@10'.padStart(8)} ${'HR@10'.padStart(8)} ${'s'.padStart(6)}`,
  );
  for (const [kind, r] of Object.entries(results)) {
    console.log(
      `  ${kind.padEnd(11)} ${fmt(r.ndcg).padStart(8)} ${fmt(r.precision).padStart(8)} ${fmt(r.hit).padStart(8)} ${r.seconds.toFixed(1).padStart(6)}`,
    );
  }
  const baselines = ['popularity', 'itemknn', 'rp3', 'ials', 'ease'].map((k) => ({ k, r: results[k]! }));
  const best = baselines.reduce((a, b) => (b.r.ndcg > a.r.ndcg ? b : a));
  const ours = results.ours!;
  console.log(
    `  ours / best baseline (${best.k}): NDCG@10 ×${(ours.ndcg / best.r.ndcg).toFixed(3)}, P@10 ×${(ours.precision / best.r.precision).toFixed(3)}, HR@10 ×${(ours.hit / best.r.hit).toFixed(3)} (target NDCG ×1.1)`,
  );
}

function grid(axes: Record<string, number[]>): RecsParams[] {
  let out: RecsParams[] = [{}];
  for (const [name, values] of Object.entries(axes)) out = out.flatMap((p) => values.map((v) => ({ ...p, [name]: v })));
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Playlist continuation

async function playlists(): Promise<void> {
  const file = join(DATA, 'playlists/mpd-sample/playlist_tracks.tsv');
  const all = parsePlaylists(await readFile(file, 'utf8'), file);
  const test = hidePlaylistTails(all, 1000, [5, 10], 25, SEED);
  const valid = hidePlaylistTails(test.train, 500, [5, 10], 25, SEED + 1);
  const write = async (name: string, lists: Map<string, string[]>) => {
    const out = join(work, name);
    const lines = ['pid\tpos\ttrack_uri'];
    for (const [pid, tracks] of lists) for (const [i, t] of tracks.entries()) lines.push(`${pid}\t${i}\t${t}`);
    await writeFile(out, `${lines.join('\n')}\n`);
    return out;
  };
  const files = {
    trainValid: await write('pl-train-valid.tsv', valid.train),
    seedsValid: await write('pl-seeds-valid.tsv', valid.seeds),
    train: await write('pl-train.tsv', test.train),
    seedsTest: await write('pl-seeds-test.tsv', test.seeds),
  };
  log(
    `playlists: ${all.size} in all; ${test.train.size} for training, ${test.held.size} hidden (validation: ${valid.held.size})`,
  );

  const score = async (modelFile: string, seedsFile: string, held: Map<string, Set<string>>, reweight?: RecsParams) => {
    const recommender = await loadRecommender(modelFile);
    if (reweight) for (const part of recommender.model.parts) part.weight = reweight[`ours.${part.name}`] ?? 0;
    const lists = await answer((w) => continueCommand(recommender, seedsFile, 500, w));
    return mean([...held].map(([pid, tracks]) => challengeMetrics(lists.get(pid) ?? [], tracks)));
  };
  const onValid = async (config: Config) =>
    score(await fit('playlists', files.trainValid, config), files.seedsValid, valid.held);
  const tune = async (kind: ModelKind, axes: Record<string, number[]>) => {
    let best: RecsParams = {};
    let bestScore = -1;
    for (const params of grid(axes)) {
      const { rprecision } = await onValid({ kind, params });
      log(`  ${kind} ${describe(params)}: validation R-precision ${fmt(rprecision)}`);
      if (rprecision > bestScore) {
        bestScore = rprecision;
        best = params;
      }
    }
    return best;
  };

  const chosen: Record<string, RecsParams> = {
    popularity: {},
    cooc: {},
    userknn: {},
    rp3: await tune('rp3', { 'rp3.alpha': [0.3, 0.5], 'rp3.beta': [0, 0.15] }),
    ials: await tune('ials', { 'ials.alpha': [20, 50] }),
  };
  const parts = { ...chosen.rp3, ...chosen.ials };
  const everyPart = { 'ours.ials': 1, 'ours.rp3': 1, 'ours.userknn': 1, 'ours.artist': 1, 'ours.artistrp3': 1 };
  const blendFile = await fit('playlists', files.trainValid, {
    kind: 'ours',
    params: { ...parts, 'ours.ease': 0, 'ours.itemknn': 0, ...everyPart },
  });
  let bestBlend: RecsParams = {};
  let bestBlendScore = -1;
  for (const weights of grid({
    'ours.rp3': [1],
    'ours.ials': [1, 2],
    'ours.ease': [0],
    'ours.userknn': [0, 1],
    'ours.artist': [0, 2],
    'ours.artistrp3': [0, 1],
  })) {
    const { rprecision } = await score(blendFile, files.seedsValid, valid.held, weights);
    log(`  ours ${describe(weights)}: validation R-precision ${fmt(rprecision)}`);
    if (rprecision > bestBlendScore) {
      bestBlendScore = rprecision;
      bestBlend = weights;
    }
  }
  chosen.ours = { ...parts, ...bestBlend };
  console.log('\nChosen on validation (playlists):');
  for (const [kind, params] of Object.entries(chosen)) console.log(`  ${kind.padEnd(10)} ${describe(params) || '—'}`);

  const results: Record<string, { rprecision: number; ndcg: number; clicks: number; seconds: number }> = {};
  for (const kind of ['popularity', 'cooc', 'rp3', 'ials', 'userknn', 'ours'] as const) {
    const t = performance.now();
    const model = await fit('playlists', files.train, { kind, params: chosen[kind]! });
    results[kind] = { ...(await score(model, files.seedsTest, test.held)), seconds: (performance.now() - t) / 1000 };
  }
  console.log('\nPlaylist continuation, 1,000 hidden playlists, 500 tracks asked (RecSys 2018 metrics):');
  console.log(
    `  ${'model'.padEnd(11)} ${'R-prec'.padStart(8)} ${'NDCG'.padStart(8)} ${'clicks'.padStart(8)} ${'s'.padStart(6)}`,
  );
  for (const [kind, r] of Object.entries(results)) {
    console.log(
      `  ${kind.padEnd(11)} ${fmt(r.rprecision).padStart(8)} ${fmt(r.ndcg).padStart(8)} ${r.clicks.toFixed(2).padStart(8)} ${r.seconds.toFixed(1).padStart(6)}`,
    );
  }
  const ours = results.ours!;
  const cooc = results.cooc!;
  console.log(
    `  ours / co-occurrence: R-precision ×${(ours.rprecision / cooc.rprecision).toFixed(3)}, NDCG ×${(ours.ndcg / cooc.ndcg).toFixed(3)}, clicks ${ours.clicks.toFixed(2)} vs ${cooc.clicks.toFixed(2)} (target R-precision ×1.2)`,
  );
}

try {
  if (PART !== 'playlists') await listens();
  if (PART !== 'listens') await playlists();
  log('done');
} finally {
  await rm(work, { recursive: true, force: true });
}

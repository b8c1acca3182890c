/**
 * `cadenza recs fit | recommend | continue`: recommendation models fitted from files and answered to
 * stdout. No database: the model file holds everything. bench/eval-recs.ts drives these same functions.
 * `cadenza recs refit` is the exception: it asks the server's fitting process for a refit.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startModuleWorker } from '../adapters/memory-search/worker-boot.js';
import { Invalid } from '../core/errors.js';
import type { Interactions } from '../core/recs/matrix.js';
import {
  defaultParams,
  fitModel,
  knownParam,
  MODEL_KINDS,
  type ModelKind,
  type RecsModel,
  type RecsParams,
  type Source,
} from '../core/recs/model.js';
import { decodeModel, encodeModel } from '../core/recs/model-file.js';
import { Recommender } from '../core/recs/recommender.js';
import {
  parseCatalogue,
  parseInteractions,
  parsePlaylists,
  parseUsers,
  playlistsAsInteractions,
} from '../core/recs/tsv.js';
import type { FitRequest } from './recs-fit-worker.js';

export const RECS_USAGE = `  recs fit (--interactions FILE | --playlists FILE | --from-database) --out MODEL [--model ${MODEL_KINDS.join('|')}]
           [--catalogue FILE] [--param name=value ...] [--in-process]
                                         fit a model: FILE rows are user<TAB>item<TAB>weight or
                                         pid<TAB>pos<TAB>track_uri (header line first), or the server's own
                                         listening signals (plays, saves, playlists); default model ours.
                                         --catalogue: rows with a header holding track_uri and
                                         artist_name, for the artist parts of ours (playlists)
  recs recommend --model MODEL --users FILE [--k 10]
                                         user<TAB>item<TAB>rank for each user id of FILE (header line
                                         first); items the user already has are left out
  recs continue --model MODEL --seeds FILE [--k 500]
                                         pid<TAB>track_uri<TAB>rank continuing each playlist of FILE
                                         (pid<TAB>pos<TAB>track_uri, its first tracks); seeds left out
  recs refit                             ask the server to refit its live model now: recorded in the
                                         database, taken by the fitting process (worker role) at its
                                         next check (CADENZA_RECS_CHECK_SECONDS), at once over Redis
`;

export interface FitOptions {
  /** A file of rows, or the signals already read (`--from-database`: listening data, 'interactions'). */
  input: string | Interactions;
  source: Source;
  out: string;
  kind: ModelKind;
  /** Overrides of the defaults, e.g. { 'ials.alpha': 2 }. */
  params?: RecsParams;
  /** Fit on this thread instead of a worker. */
  inProcess?: boolean;
  /** A catalogue file (track_uri and artist_name columns): each track's artist, kept in the model. */
  catalogue?: string;
}

export async function fitCommand(o: FitOptions): Promise<{ model: RecsModel; seconds: number }> {
  const started = performance.now();
  const data = typeof o.input === 'string' ? await readRows(o.input, o.source) : o.input;
  if (data.users.length === 0) {
    const where =
      typeof o.input === 'string' ? `${o.input}: no rows after the header` : 'the database holds no signals';
    throw new Invalid(where, 'rows');
  }
  const params = { ...defaultParams(o.source), ...o.params };
  const catalogue =
    o.catalogue === undefined ? undefined : parseCatalogue(await readText(o.catalogue, '--catalogue'), o.catalogue);
  const model = o.inProcess
    ? fitModel(o.kind, o.source, data, params, catalogue)
    : await fitInWorker([o.kind, o.source, data, params, catalogue]);
  await writeFile(o.out, encodeModel(model));
  return { model, seconds: (performance.now() - started) / 1000 };
}

async function readRows(file: string, source: Source): Promise<Interactions> {
  const text = await readText(file, source === 'playlists' ? '--playlists' : '--interactions');
  return source === 'playlists' ? playlistsAsInteractions(parsePlaylists(text, file)) : parseInteractions(text, file);
}

/**
 * `cadenza recs refit`. The request is a database row, not a call to the server: it needs no address
 * or administrator token, and it waits for a fitting process that is busy or not running yet.
 */
export async function refitCommand(
  engine: { requestRefit(by: string | null): Promise<void> },
  checkSeconds: number,
): Promise<number> {
  await engine.requestRefit(null);
  process.stderr.write(
    `refit requested: the fitting process (cadenza serve, worker role) takes it within ${checkSeconds} s, at once when Redis links the processes\n`,
  );
  return 0;
}

/** Runs fitModel in a worker thread and resolves with its model. */
export function fitInWorker(request: FitRequest): Promise<RecsModel> {
  const worker = startModuleWorker(import.meta.url, 'recs-fit-worker', { workerData: request });
  return new Promise((resolve, reject) => {
    worker.once('message', (model: RecsModel) => {
      resolve(model);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the fitting worker stopped with code ${code}`));
    });
  });
}

export async function loadRecommender(file: string): Promise<Recommender> {
  const bytes = await readFile(file).catch((err: NodeJS.ErrnoException) => {
    throw new Invalid(`--model ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`, 'model');
  });
  try {
    return new Recommender(decodeModel(bytes));
  } catch (err) {
    throw new Invalid(`--model ${file}: ${(err as Error).message}`, 'model');
  }
}

/** user<TAB>item<TAB>rank lines for each user of the file (chunks passed to `write`). */
export async function recommendCommand(
  recommender: Recommender,
  usersFile: string,
  k: number,
  write: (chunk: string) => void,
): Promise<void> {
  const users = parseUsers(await readText(usersFile, '--users'), usersFile);
  write('user\titem\trank\n');
  for (const user of users) {
    const lines = recommender.forUser(user, k).map((item, r) => `${user}\t${item}\t${r + 1}\n`);
    write(lines.join(''));
  }
}

/** pid<TAB>track_uri<TAB>rank lines continuing each seed playlist. */
export async function continueCommand(
  recommender: Recommender,
  seedsFile: string,
  k: number,
  write: (chunk: string) => void,
): Promise<void> {
  const playlists = parsePlaylists(await readText(seedsFile, '--seeds'), seedsFile);
  write('pid\ttrack_uri\trank\n');
  for (const [pid, seeds] of playlists) {
    const lines = recommender.forSeeds(seeds, k).map((track, r) => `${pid}\t${track}\t${r + 1}\n`);
    write(lines.join(''));
  }
}

async function readText(file: string, flag: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new Invalid(`${flag} ${file}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`, flag.slice(2));
  }
}

/** Waits until stdout has taken everything written (the process exits right after the command). */
const flushStdout = () => new Promise<void>((resolve) => process.stdout.write('', () => resolve()));

function parseParams(pairs: string[] | undefined): RecsParams {
  const params: RecsParams = {};
  for (const pair of pairs ?? []) {
    const [name, value] = pair.split('=');
    if (!name || value === undefined || !knownParam(name))
      throw new Invalid(
        `--param ${pair}: expected name=value with a known name (see docs/recommendations.md)`,
        'param',
      );
    const n = Number(value);
    if (!Number.isFinite(n)) throw new Invalid(`--param ${pair}: ${value} is not a number`, 'param');
    params[name] = n;
  }
  return params;
}

function positiveInt(value: string | undefined, fallback: number, flag: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new Invalid(`--${flag} must be a positive whole number, got "${value}"`, flag);
  return n;
}

/**
 * `cadenza recs …`. `signals` reads the live database's listening signals; main.ts passes it only when
 * `--from-database` is given (files need no configuration or database).
 */
export async function recsCommand(args: string[], signals?: () => Promise<Interactions>): Promise<number> {
  const [sub, ...rest] = args;
  let values: ReturnType<typeof parse>['values'];
  const parse = (a: string[]) =>
    parseArgs({
      args: a,
      strict: true,
      allowPositionals: false,
      options: {
        interactions: { type: 'string' },
        playlists: { type: 'string' },
        catalogue: { type: 'string' },
        out: { type: 'string' },
        model: { type: 'string' },
        users: { type: 'string' },
        seeds: { type: 'string' },
        k: { type: 'string' },
        param: { type: 'string', multiple: true },
        'in-process': { type: 'boolean', default: false },
        'from-database': { type: 'boolean', default: false },
      },
    });
  try {
    values = parse(rest).values;
  } catch (err) {
    throw new Invalid(`recs ${sub ?? ''}: ${(err as Error).message}`, 'flag');
  }
  const write = (chunk: string) => process.stdout.write(chunk);
  const need = (value: string | undefined, flag: string) =>
    value ??
    (() => {
      throw new Invalid(`recs ${sub}: --${flag} is required`, flag);
    })();
  switch (sub) {
    case 'fit': {
      const inputs = [values.interactions, values.playlists, values['from-database'] || undefined];
      if (inputs.filter((i) => i !== undefined).length !== 1) {
        const one = 'give exactly one of --interactions FILE, --playlists FILE or --from-database';
        throw new Invalid(`recs fit: ${one}`, 'interactions');
      }
      if (values['from-database'] && !signals) throw new Invalid('recs fit: no database to read', 'from-database');
      const kind = (values.model ?? 'ours') as ModelKind;
      if (!MODEL_KINDS.includes(kind)) throw new Invalid(`--model must be one of ${MODEL_KINDS.join(', ')}`, 'model');
      const { model, seconds } = await fitCommand({
        input: values['from-database'] ? await signals!() : (values.interactions ?? values.playlists)!,
        source: values.playlists !== undefined ? 'playlists' : 'interactions',
        out: need(values.out, 'out'),
        kind,
        params: parseParams(values.param),
        inProcess: values['in-process'],
        catalogue: values.catalogue,
      });
      process.stderr.write(
        `fitted ${kind} on ${model.users.length} users × ${model.items.length} items (${model.history.indices.length} pairs) in ${seconds.toFixed(1)} s\n`,
      );
      return 0;
    }
    case 'recommend': {
      const recommender = await loadRecommender(need(values.model, 'model'));
      await recommendCommand(recommender, need(values.users, 'users'), positiveInt(values.k, 10, 'k'), write);
      await flushStdout();
      return 0;
    }
    case 'continue': {
      const recommender = await loadRecommender(need(values.model, 'model'));
      await continueCommand(recommender, need(values.seeds, 'seeds'), positiveInt(values.k, 500, 'k'), write);
      await flushStdout();
      return 0;
    }
    default:
      throw new Invalid('recs needs one of: fit, recommend, continue, refit', 'command');
  }
}

/**
 * Fitting a recommendation model: a pure function from interactions (plain typed arrays) and
 * hyper-parameters to a model made of plain typed arrays, so it runs the same in a worker thread.
 *
 * Every model is a weighted list of parts; a single model is one part, "ours" is a blend whose parts'
 * scores are normalised by rank window before they are added (recommender.ts).
 */
import { type ArtistModel, type CatalogueRows, type TrackArtists, trackArtists } from './artists.js';
import { type EaseModel, fitEase } from './ease.js';
import { fitIals, type IalsModel } from './ials.js';
import { type Csr, columnCounts, type Interactions, mapValues, transpose } from './matrix.js';
import { fitNeighbours, type NeighbourModel, type NeighbourVariant } from './neighbours.js';
import { fitUserKnn, type UserKnnModel } from './userknn.js';

export const MODEL_KINDS = ['ours', 'ials', 'ease', 'itemknn', 'rp3', 'cooc', 'userknn', 'popularity'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

/** Flat hyper-parameters, named part.name (e.g. ials.alpha, ours.ease for the ease part's weight). */
export type RecsParams = Record<string, number>;

/** Where the interactions came from: listens carry play counts, playlists carry one per entry. */
export type Source = 'interactions' | 'playlists';

/** Defaults chosen on validation splits of the training data (bench/eval-recs.ts prints them). */
const COMMON: RecsParams = {
  seed: 1,
  'itemknn.k': 200,
  'itemknn.shrink': 20,
  'cooc.k': 0,
  'rp3.k': 200,
  'rp3.alpha': 0.6,
  'rp3.beta': 0.3,
  'ials.factors': 64,
  'ials.alpha': 1,
  'ials.epsilon': 1,
  'ials.lambda': 30,
  'ials.iterations': 12,
  'ials.cgSteps': 3,
  'ease.lambda': 100,
  'ease.maxItems': 2000,
  'ease.minUsers': 2,
  'ease.log': 0,
  'userknn.k': 50,
  'userknn.alpha': 1,
  'userknn.gamma': 2,
  'userknn.idf': 1,
  'userknn.log': 1,
  'ours.ease': 0,
  'ours.ials': 1,
  'ours.rp3': 1,
  'ours.itemknn': 0,
  'ours.userknn': 0,
  'ours.popularity': 0,
  'ours.artist': 0,
  'ours.artistrp3': 0,
  'ours.depth': 200,
  'artist.beta': 1,
  'artist.gamma': 1,
  'artistrp3.alpha': 0.5,
  'artistrp3.beta': 0.3,
};
const BY_SOURCE: Record<Source, RecsParams> = {
  interactions: {},
  playlists: {
    'rp3.k': 0,
    'rp3.alpha': 0.3,
    'rp3.beta': 0.15,
    'ials.factors': 48,
    'ials.alpha': 50,
    'ials.lambda': 10,
    'ours.ials': 2,
    'userknn.k': 200,
    'userknn.gamma': 1,
    // Used only when the fit is given a catalogue (`recs fit --catalogue`); left out otherwise.
    'ours.artist': 2,
    'ours.artistrp3': 1,
  },
};

export function defaultParams(source: Source): RecsParams {
  return { ...COMMON, ...BY_SOURCE[source] };
}

export function knownParam(name: string): boolean {
  return name in COMMON;
}

export type PartModel = NeighbourModel | IalsModel | EaseModel | UserKnnModel | ArtistModel | { type: 'popularity' };

export interface Part {
  name: 'popularity' | 'itemknn' | 'cooc' | 'rp3' | 'ials' | 'ease' | 'userknn' | 'artist' | 'artistrp3';
  weight: number;
  model: PartModel;
}

export interface RecsModel {
  format: 1;
  kind: ModelKind;
  source: Source;
  params: RecsParams;
  users: string[];
  items: string[];
  /** users × items with the raw weights: what each user already has (excluded, and their seeds). */
  history: Csr;
  /** Users per item (ranks the popularity model and breaks every model's ties). */
  popularity: Float32Array;
  parts: Part[];
  /** Each track's artist, when a catalogue was given (playlists); the artist parts need it. */
  artists?: TrackArtists;
}

/** Parts that read the catalogue's artists: "ours" leaves them out when no catalogue is given. */
const ARTIST_PARTS = ['artist', 'artistrp3'] as const;

/** Binary item × user and user × item matrices for the neighbourhood walk. */
export function binaryWalk(history: Csr) {
  return weightedWalk(history, 0);
}

/**
 * What a part sees of a raw weight w (a play count): log(1 + w)^power, so power 0 is binary and power
 * 1 damps a listener's favourite artist's thousands of plays to a few units.
 */
export function partValue(weight: number, power: number): number {
  return power === 0 ? 1 : Math.log1p(weight) ** power;
}

/** Item × user and user × item matrices with each weight passed through partValue. */
export function weightedWalk(history: Csr, power: number) {
  const byUser = mapValues(history, (w) => partValue(w, power));
  return { byUser, byItem: transpose(byUser) };
}

/** The exponent of partValue a part reads (0 for the parts that always read binary data). */
export function partPower(name: Part['name'], params: RecsParams): number {
  return name === 'ease' || name === 'userknn' ? (params[`${name}.log`] ?? 0) : 0;
}

export function fitModel(
  kind: ModelKind,
  source: Source,
  data: Interactions,
  params: RecsParams,
  catalogue?: CatalogueRows,
): RecsModel {
  const history = data.matrix;
  const popularity = columnCounts(history);
  const artists = catalogue ? trackArtists(data.items, catalogue) : undefined;
  const candidates = ['ease', 'ials', 'rp3', 'itemknn', 'userknn', 'popularity', ...(artists ? ARTIST_PARTS : [])];
  const names: Part['name'][] =
    kind === 'ours' ? (candidates as Part['name'][]).filter((n) => (params[`ours.${n}`] ?? 0) > 0) : [kind];
  let walk: ReturnType<typeof binaryWalk> | undefined;
  const parts = names.map((name): Part => {
    const weight = kind === 'ours' ? params[`ours.${name}`]! : 1;
    if (name === 'popularity') return { name, weight, model: { type: 'popularity' } };
    if (name === 'artist' || name === 'artistrp3') return { name, weight, model: artistPart(name, params) };
    if (name === 'ials') return { name, weight, model: fitIals(history, transpose(history), ialsParams(params)) };
    if (name === 'userknn') {
      const model = fitUserKnn(
        mapValues(history, (w) => partValue(w, partPower(name, params))),
        {
          k: params['userknn.k']!,
          alpha: params['userknn.alpha']!,
          gamma: params['userknn.gamma']!,
          idf: params['userknn.idf']!,
        },
      );
      return { name, weight, model };
    }
    walk ??= binaryWalk(history);
    if (name === 'ease') {
      const byUser =
        partPower(name, params) === 0 ? walk.byUser : weightedWalk(history, partPower(name, params)).byUser;
      const model = fitEase(byUser, popularity, {
        lambda: params['ease.lambda']!,
        maxItems: params['ease.maxItems']!,
        minUsers: params['ease.minUsers']!,
      });
      return { name, weight, model };
    }
    return { name, weight, model: fitNeighbours(walk, neighbourParams(name, params)) };
  });
  const model: RecsModel = {
    format: 1,
    kind,
    source,
    params,
    users: data.users,
    items: data.items,
    history,
    popularity,
    parts,
  };
  if (artists) model.artists = artists;
  return model;
}

function artistPart(name: (typeof ARTIST_PARTS)[number], params: RecsParams): ArtistModel {
  if (name === 'artist') {
    const same = { alpha: 0, beta: params['artist.beta']!, gamma: params['artist.gamma']! };
    return { type: 'artist', variant: 'same', params: same };
  }
  const walk = { alpha: params['artistrp3.alpha']!, beta: params['artistrp3.beta']!, gamma: 1 };
  return { type: 'artist', variant: 'walk', params: walk };
}

function ialsParams(params: RecsParams) {
  return {
    factors: params['ials.factors']!,
    alpha: params['ials.alpha']!,
    epsilon: params['ials.epsilon']!,
    lambda: params['ials.lambda']!,
    iterations: params['ials.iterations']!,
    cgSteps: params['ials.cgSteps']!,
    seed: params.seed!,
  };
}

function neighbourParams(variant: NeighbourVariant | 'itemknn', params: RecsParams) {
  const name = variant === 'itemknn' ? 'cosine' : variant;
  return {
    variant: name,
    k: params[`${variant}.k`]!,
    shrink: params['itemknn.shrink']!,
    alpha: params['rp3.alpha']!,
    beta: params['rp3.beta']!,
  };
}

/**
 * A listener's taste for Daily Mixes: the artists they listen to in groups, and their stated taste,
 * the genres they pick at sign-up (or later), which seed their lists until their own listening says
 * more (listener.ts statedGenreWeight) and make Daily Mixes of their own meanwhile.
 */
import { Invalid } from '../errors.js';
import { cosine } from '../features/vector.js';
import type { Catalogue } from './catalogue.js';
import { type ListenerState, statedGenreWeight } from './listener.js';

/** A listener picks at most this many genres (also a check in migration 023). */
export const MAX_STATED_GENRES = 20;
/** Stated genres make Daily Mixes of their own while they weigh at least this (statedGenreWeight). */
const STATED_MIX_WEIGHT = 0.5;
/** Artists seeding a Daily Mix made from a stated genre. */
const ARTISTS_PER_GENRE_MIX = 5;
/**
 * A genre the cached catalogue does not know makes it read again at most this often: any listener can
 * send unknown genres, and a reload reads the whole catalogue.
 */
const FORCED_RELOAD_SECONDS = 30;

/** An artist joins the closest group of the listener's artists when their vectors' cosine is at least this. */
const CLUSTER_COSINE = 0.5;
/** The listener's strongest artists grouped (the rest do not shape the mixes). */
const CLUSTERED_ARTISTS = 40;

/** Where the picked genres are kept (src/adapters/postgres/recs-store.ts). */
export interface StatedGenresStore {
  /** The genres the listener picked, lower case; empty when they picked none (or were never asked). */
  statedGenres(userId: string): Promise<string[]>;
  setStatedGenres(userId: string, genres: string[]): Promise<void>;
}

/**
 * The listener's artists (plays, saves, follows), strongest first, grouped: by the direction of their
 * model vectors (`vectorOf`, iALS) when there are any (an artist joins the closest group when the
 * cosine is at least CLUSTER_COSINE), else by their main genre; then the groups of their stated
 * genres (statedClusters). At most `maxClusters` groups, the one played most first.
 */
export function tasteClusters(
  state: Pick<ListenerState, 'taste' | 'followed' | 'statedGenres'>,
  cat: Catalogue,
  vectorOf: (artistId: string) => Float64Array | undefined,
  maxClusters: number,
): string[][] {
  const weights = new Map<string, number>();
  for (const [t, w] of state.taste) for (const a of cat.artistsOf(t)) weights.set(a, (weights.get(a) ?? 0) + w);
  for (const a of state.followed) if (cat.hasArtist(a)) weights.set(a, (weights.get(a) ?? 0) + 1);
  const artists = [...weights.entries()]
    .sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]))
    .slice(0, CLUSTERED_ARTISTS);
  const clusters: { artists: string[]; weight: number; centre?: Float64Array; genre?: string }[] = [];
  for (const [a, w] of artists) {
    const vector = vectorOf(a);
    const genre = cat.artistGenres(a)[0];
    let best = -1;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (const [c, cluster] of clusters.entries()) {
      const score =
        vector && cluster.centre ? cosine(vector, cluster.centre) : genre && genre === cluster.genre ? 1 : 0;
      if (score > bestScore) {
        best = c;
        bestScore = score;
      }
    }
    if (best < 0 || (bestScore < CLUSTER_COSINE && clusters.length < maxClusters)) {
      clusters.push({ artists: [a], weight: w, centre: vector?.slice(), genre });
      continue;
    }
    const cluster = clusters[best]!;
    cluster.artists.push(a);
    cluster.weight += w;
    if (vector && cluster.centre) for (let i = 0; i < vector.length; i++) cluster.centre[i]! += vector[i]!;
  }
  const ordered = clusters.sort((x, y) => y.weight - x.weight).map((c) => c.artists);
  return [...ordered, ...statedClusters(state, cat, ordered, maxClusters)];
}

/**
 * Daily Mixes for a listener who has shown little taste yet: one per stated genre, from the genre's
 * most popular artists not in `taken` already, while the stated genres still weigh at least
 * STATED_MIX_WEIGHT; no more than `maxClusters` with `taken`.
 */
function statedClusters(
  state: Pick<ListenerState, 'taste' | 'followed' | 'statedGenres'>,
  cat: Catalogue,
  taken: string[][],
  maxClusters: number,
): string[][] {
  if (statedGenreWeight(state) < STATED_MIX_WEIGHT) return [];
  const used = new Set(taken.flat());
  const out: string[][] = [];
  for (const g of state.statedGenres) {
    if (taken.length + out.length >= maxClusters) break;
    const artists: string[] = [];
    for (const i of cat.ofGenre(g)) {
      const a = cat.tracks[i]!.artistIds[0];
      if (a === undefined || used.has(a) || artists.includes(a)) continue;
      artists.push(a);
      if (artists.length >= ARTISTS_PER_GENRE_MIX) break;
    }
    for (const a of artists) used.add(a);
    if (artists.length > 0) out.push(artists);
  }
  return out;
}

/** Reads and changes the genres listeners picked, checked against the catalogue. */
export class StatedTaste {
  private lastForcedReload = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly o: {
      store: StatedGenresStore;
      /** The engine's catalogue, read again when `reload`. */
      catalogue: (reload?: boolean) => Promise<Catalogue>;
      now: () => number;
    },
  ) {}

  /** The catalogue's genres, each with how many playable tracks carry it, most tracks first. */
  async genres(): Promise<{ name: string; tracks: number }[]> {
    return (await this.o.catalogue()).genreCounts();
  }

  /** The genres the listener picked (lower case), in the order they picked them. */
  statedGenres(userId: string): Promise<string[]> {
    return this.o.store.statedGenres(userId);
  }

  /**
   * Replaces the listener's picked genres; each must be a genre of the catalogue (any case; stored
   * lower case, duplicates dropped). An empty list is an answer too: the listener chose none.
   */
  async setStatedGenres(userId: string, genres: readonly string[]): Promise<string[]> {
    const wanted = [...new Set(genres.map((g) => g.trim().toLowerCase()))];
    if (wanted.length > MAX_STATED_GENRES)
      throw new Invalid(`genres holds at most ${MAX_STATED_GENRES} genres (got ${wanted.length})`, 'genres');
    let cat = await this.o.catalogue();
    // A genre published a moment ago is not in the cached catalogue yet: read it again, now and then.
    if (wanted.some((g) => !cat.hasGenre(g)) && this.o.now() - this.lastForcedReload >= FORCED_RELOAD_SECONDS * 1000) {
      this.lastForcedReload = this.o.now();
      cat = await this.o.catalogue(true);
    }
    const unknown = wanted.filter((g) => !cat.hasGenre(g));
    if (unknown.length > 0)
      throw new Invalid(`genres: not a genre of the catalogue: ${unknown.map((g) => `"${g}"`).join(', ')}`, 'genres');
    await this.o.store.setStatedGenres(userId, wanted);
    return wanted;
  }
}

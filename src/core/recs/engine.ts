/**
 * The online recommendation engine. Retrieval gathers candidates per seed from the fitted model (iALS
 * through the vector index, RP3beta neighbours), co-listened artists and the catalogue's own relations
 * (same artist, album and genre, popularity, new releases), so it answers before any model exists; the
 * ranking stage (ranking.ts) then orders them in the listener's context. A listener's newest plays,
 * skips and saves are read per request and folded into their vector, so they count within seconds.
 * The model is refitted in a worker thread and swapped in whole; the old one serves until then.
 */
import type { EventBus, Unsubscribe } from '../../ports/event-bus.js';
import type { Recommendations, TrackRecsRequest } from '../../ports/recommendations.js';
import type { VectorIndex, VectorIndexShape } from '../../ports/vector-index.js';
import { NotFound } from '../errors.js';
import { cosine } from '../features/vector.js';
import { requireId } from '../ids.js';
import { Catalogue, type CatalogueTrack, type ListenerSignals } from './catalogue.js';
import { FOLLOW_TRACKS, FOLLOW_WEIGHT, type ListenerState, listenerState } from './listener.js';
import { LiveModel } from './live-model.js';
import type { Interactions } from './matrix.js';
import { defaultParams, type fitModel, type RecsModel } from './model.js';
import type { ModelStore } from './model-store.js';
import { admissible, type Candidate, type RankingContext, rank, type Tunable } from './ranking.js';
import {
  addSource,
  fresh,
  popular,
  retrieve,
  type SeedGroup,
  SOURCES,
  seedGroups,
  skipNeighbours,
} from './retrieval.js';

/** The engine's reads (src/adapters/postgres/recs-store.ts). */
export interface RecsStore {
  catalogue(): Promise<CatalogueTrack[]>;
  listener(userId: string): Promise<ListenerSignals>;
  playlistTracks(playlistId: string): Promise<string[]>;
  signals(): Promise<Interactions>;
  /** Plays, saves, follows and playlist entries in all: the refit compares it with its value at the last fit. */
  signalCount(): Promise<number>;
}

export interface RecsEngineOptions {
  store: RecsStore;
  models: ModelStore;
  /** Fits a model off the event loop (a worker thread). */
  fit: (request: Parameters<typeof fitModel>) => Promise<RecsModel>;
  makeIndex: (shape: VectorIndexShape) => VectorIndex;
  bus: EventBus;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** Refit once this many new signals were written since the last fit … */
  refitSignals: number;
  /** … or once the model is this old. */
  refitHours: number;
  /** How often the fitting process checks the two, and other processes look for a newer model. */
  checkSeconds: number;
  /** How long the in-memory catalogue is trusted before it is read again. */
  catalogueSeconds: number;
  now?: () => number;
}

const CACHED_LISTENERS = 10_000;
const MODEL_TOPIC = 'recs.model';

export interface SeedPool {
  id: string;
  type: 'TRACK' | 'ARTIST' | 'GENRE';
  initialPoolSize: number;
  afterFilteringSize: number;
}

export class RecsEngine implements Recommendations {
  private catalogueCache?: { catalogue: Catalogue; at: number; content?: VectorIndex };
  private catalogueLoading?: Promise<Catalogue>;
  private live?: LiveModel;
  private fitting?: Promise<boolean>;
  private lastFitAt = 0;
  private signalsAtFit = 0;
  /** The saved model file's version (ModelStore.version) this process last loaded. */
  private loadedVersion = 0;
  private stopped = false;
  private timer?: NodeJS.Timeout;
  private unsubscribe?: Unsubscribe;
  private readonly vectors = new Map<
    string,
    { key: string; vector: Float64Array | undefined; skipNeighbours: Map<string, number> }
  >();
  private readonly now: () => number;

  constructor(private readonly o: RecsEngineOptions) {
    this.now = o.now ?? Date.now;
  }

  /** When the current model was fitted (UTC ms), or undefined while there is none. */
  get modelFittedAt(): number | undefined {
    return this.live?.fittedAt;
  }

  async tracks(request: TrackRecsRequest): Promise<string[]> {
    return (await this.recommend(request)).ids;
  }

  /**
   * The tracks, and per seed how many candidates it brought and how many passed the filters. `leadWith`
   * (a song radio's seed track) comes first, unless excluded, and counts toward the diversity caps.
   */
  async recommend(
    r: TrackRecsRequest & { leadWith?: string; tunable?: Tunable },
  ): Promise<{ ids: string[]; seeds: SeedPool[] }> {
    const seedTracks = (r.seedTrackIds ?? []).map((id) => requireId(id, 'seed_tracks'));
    const seedArtists = (r.seedArtistIds ?? []).map((id) => requireId(id, 'seed_artists'));
    const [cat, signals] = await Promise.all([
      this.catalogueWith(seedTracks, seedArtists),
      this.o.store.listener(r.userId),
    ]);
    for (const id of seedTracks) if (cat.indexOf(id) === undefined) throw new NotFound(`track ${id} not found`);
    for (const id of seedArtists) if (!cat.hasArtist(id)) throw new NotFound(`artist ${id} not found`);
    for (const g of r.seedGenres ?? []) if (!cat.hasGenre(g)) throw new NotFound(`genre "${g}" not found`);
    const state = this.listener(r.userId, signals, cat);
    const live = this.live;

    const groups = seedGroups(r, seedTracks, seedArtists, cat, state, live);
    const seeded = groups.some((g) => g.key !== undefined);
    const merged = new Map<number, number>();
    const pools: { group: SeedGroup; candidates: Set<number> }[] = [];
    for (const group of groups) {
      const found = retrieve(group, cat, live, this.catalogueCache?.content);
      pools.push({ group, candidates: new Set(found.keys()) });
      const weight = seeded && group.key === undefined ? SOURCES.personal : 1;
      for (const [i, s] of found) merged.set(i, (merged.get(i) ?? 0) + weight * s);
    }
    const cold = state.taste.size === 0 && state.followed.size === 0 && !seeded;
    addSource(merged, popular(cat), cold ? SOURCES.coldPopularity : SOURCES.popularity);
    if (cold || r.releasedSince) addSource(merged, fresh(cat, r.releasedSince), SOURCES.fresh);

    const seedSet = new Set(seedTracks);
    const ctx: RankingContext = {
      purpose: r.purpose,
      now: this.now(),
      exclude: new Set([...(r.exclude ?? []), ...seedSet]),
      heard: state.heard,
      unheardOnly: r.unheardOnly ?? false,
      releasedSince: r.releasedSince,
      market: r.market,
      skipped: state.skipped,
      skippedArtists: state.skippedArtists,
      skipNeighbours: state.skipNeighbours,
      lastPlayed: state.lastPlayed,
      followed: state.followed,
      hourAffinity: state.hourAffinity,
      tunable: r.tunable,
    };
    const candidate = (i: number, score: number): Candidate => {
      const t = cat.tracks[i]!;
      return {
        trackId: t.id,
        artistIds: t.artistIds,
        releaseDate: t.releaseDate,
        markets: t.markets,
        attributes: t.attributes,
        score,
      };
    };
    const leadIndex = r.leadWith === undefined || r.exclude?.includes(r.leadWith) ? undefined : cat.indexOf(r.leadWith);
    const lead = leadIndex === undefined ? undefined : candidate(leadIndex, 0);
    const ranked = rank(
      [...merged].map(([i, s]) => candidate(i, s)),
      ctx,
      r.limit,
      lead,
    );
    const seeds = pools
      .filter((p) => p.group.key !== undefined)
      .map(({ group, candidates }) => ({
        id: group.id!,
        type: group.key!,
        initialPoolSize: candidates.size,
        afterFilteringSize: [...candidates].filter((i) => admissible(candidate(i, 0), ctx)).length,
      }));
    return { ids: ranked.map((c) => c.trackId), seeds };
  }

  async relatedArtists(artistId: string, limit: number): Promise<string[]> {
    requireId(artistId, 'id');
    const cat = await this.catalogueWith([], [artistId]);
    if (!cat.hasArtist(artistId)) throw new NotFound('artist not found');
    const out = new Set<string>();
    for (const [b] of this.live?.relatedArtists(artistId, limit) ?? []) if (cat.hasArtist(b)) out.add(b);
    // Too few co-listeners (a new artist, a young install): artists sharing the most genres, then
    // the most popular.
    if (out.size < limit) {
      const genres = new Set(cat.artistGenres(artistId));
      const others = [...cat.artistIds()].filter((b) => b !== artistId && !out.has(b));
      const shared = (b: string) => cat.artistGenres(b).filter((g) => genres.has(g)).length;
      const scored = others.map((b) => ({ b, shared: shared(b), popularity: cat.artistPopularity(b) }));
      scored.sort((x, y) => y.shared - x.shared || y.popularity - x.popularity || x.b.localeCompare(y.b));
      for (const { b, shared: s } of scored) {
        if (out.size >= limit || s === 0) break;
        out.add(b);
      }
    }
    return [...out].slice(0, limit);
  }

  /**
   * The listener's artists (plays, saves, follows), strongest first, grouped: with a model by the
   * direction of their iALS vectors (an artist joins the closest group when the cosine is at least
   * CLUSTER_COSINE), without one by their main genre.
   */
  async tasteClusters(userId: string, maxClusters: number): Promise<string[][]> {
    const [cat, signals] = await Promise.all([this.catalogue(), this.o.store.listener(userId)]);
    const state = this.listener(userId, signals, cat);
    const weights = new Map<string, number>();
    for (const [t, w] of state.taste) for (const a of cat.artistsOf(t)) weights.set(a, (weights.get(a) ?? 0) + w);
    for (const a of state.followed) if (cat.hasArtist(a)) weights.set(a, (weights.get(a) ?? 0) + 1);
    const artists = [...weights.entries()].sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0])).slice(0, 40);
    const clusters: { artists: string[]; weight: number; centre?: Float64Array; genre?: string }[] = [];
    for (const [a, w] of artists) {
      const vector = this.live?.artistVector(cat.ofArtist(a).map((i) => cat.tracks[i]!.id));
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
    return clusters.sort((x, y) => y.weight - x.weight).map((c) => c.artists);
  }

  /** A playlist's track ids in order (the caller has checked the listener may read it). */
  playlistTracks(playlistId: string): Promise<string[]> {
    return this.o.store.playlistTracks(playlistId);
  }

  /**
   * Starts the model's lifecycle. The fitting process fits now and again after `refitSignals` new
   * signals or `refitHours`, saving each model for the others; the others load the saved model and
   * a newer one when told (event bus) or when they see it (checked every `checkSeconds`).
   */
  async start({ fit }: { fit: boolean }): Promise<void> {
    const every = this.o.checkSeconds * 1000;
    this.stopped = false;
    if (fit) {
      await this.loadSaved();
      this.timer = setInterval(
        () => void this.refitIfDue().catch((err) => this.o.log.warn({ err }, 'recs refit')),
        every,
      );
      // Fit at start even with a saved model: signals may have come in while no process was fitting.
      void this.refresh().catch((err) => this.o.log.warn({ err }, 'recs fit failed'));
    } else {
      await this.loadSaved();
      this.unsubscribe = await this.o.bus.subscribe(MODEL_TOPIC, () => void this.loadSaved());
      this.timer = setInterval(() => void this.loadSaved(), every);
    }
    this.timer.unref();
  }

  /** Stops the timers; a fit under way is not waited for (it can take minutes) and is not installed. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.unsubscribe?.();
  }

  /** Fits a new model from the live signals now (one fit at a time); false when there is nothing to fit. */
  refresh(): Promise<boolean> {
    this.fitting ??= this.fitNow().finally(() => {
      this.fitting = undefined;
    });
    return this.fitting;
  }

  private async refitIfDue(): Promise<void> {
    if (this.fitting) return;
    const age = this.now() - this.lastFitAt;
    if (this.live && age < this.o.refitHours * 3_600_000) {
      const fresh = (await this.o.store.signalCount()) - this.signalsAtFit;
      if (Math.abs(fresh) < this.o.refitSignals) return;
    }
    await this.refresh();
  }

  private async fitNow(): Promise<boolean> {
    const started = this.now();
    this.signalsAtFit = await this.o.store.signalCount();
    const data = await this.o.store.signals();
    this.lastFitAt = started;
    if (data.users.length === 0 || data.items.length === 0) return false;
    const t0 = performance.now();
    const model = await this.o.fit(['ours', 'interactions', data, defaultParams('interactions')]);
    if (this.stopped) return false;
    // Saved before it is served, so a process told of it (or seeing it here) finds it on disk.
    await this.o.models.save(model, started);
    await this.install(model, started);
    await this.o.bus.publish(MODEL_TOPIC, { fittedAt: started }).catch(() => {});
    this.o.log.info(
      { users: data.users.length, tracks: data.items.length, seconds: (performance.now() - t0) / 1000 },
      'recommendation model fitted',
    );
    return true;
  }

  private async loadSaved(): Promise<void> {
    try {
      const version = await this.o.models.version();
      if (version === 0 || (this.live && version <= this.loadedVersion)) return;
      const saved = await this.o.models.load();
      if (!saved || (this.live && saved.fittedAt <= this.live.fittedAt)) return;
      this.loadedVersion = version;
      await this.install(saved.model, saved.fittedAt);
      this.lastFitAt = Math.max(this.lastFitAt, saved.fittedAt);
    } catch (err) {
      this.o.log.warn({ err }, 'recommendation model could not be loaded');
    }
  }

  private async install(model: RecsModel, fittedAt: number): Promise<void> {
    const cat = await this.catalogue(true);
    this.live = new LiveModel(model, fittedAt, this.o.makeIndex, (id) => cat.artistsOf(id));
    this.vectors.clear();
  }

  private async catalogue(reload = false): Promise<Catalogue> {
    const cached = this.catalogueCache;
    if (!reload && cached && this.now() - cached.at < this.o.catalogueSeconds * 1000) return cached.catalogue;
    this.catalogueLoading ??= this.o.store
      .catalogue()
      .then((tracks) => {
        const catalogue = new Catalogue(tracks);
        this.catalogueCache = { catalogue, at: this.now(), content: this.contentIndex(tracks) };
        return catalogue;
      })
      .finally(() => {
        this.catalogueLoading = undefined;
      });
    return this.catalogueLoading;
  }

  /** Content vectors of the tracks whose audio features are computed (zero vectors say nothing). */
  private contentIndex(tracks: CatalogueTrack[]): VectorIndex | undefined {
    const withContent = tracks.filter((t) => t.content?.some((x) => x !== 0));
    if (withContent.length === 0) return undefined;
    const dimensions = withContent[0]!.content!.length;
    const index = this.o.makeIndex({ dimensions, metric: 'cosine' });
    const vectors = new Float32Array(withContent.length * dimensions);
    for (const [k, t] of withContent.entries()) vectors.set(t.content!, k * dimensions);
    index.add(
      withContent.map((t) => t.id),
      vectors,
    );
    return index;
  }

  /** The catalogue, read again when it does not know a seed (a track published a moment ago). */
  private async catalogueWith(tracks: readonly string[], artists: readonly string[]): Promise<Catalogue> {
    const cat = await this.catalogue();
    const unknown = tracks.some((t) => cat.indexOf(t) === undefined) || artists.some((a) => !cat.hasArtist(a));
    return unknown ? this.catalogue(true) : cat;
  }

  private listener(
    userId: string,
    signals: ListenerSignals,
    cat: Catalogue,
  ): ListenerState & { vector?: Float64Array; skipNeighbours: Map<string, number> } {
    const state = listenerState(signals, (id) => cat.artistsOf(id), this.now());
    const live = this.live;
    if (!live) return { ...state, skipNeighbours: skipNeighbours(state, undefined) };
    // The fold-in and the skips' neighbours are cheap but not free; they are redone only when the
    // listener's signals or the model changed.
    const key = `${live.fittedAt}|${state.fingerprint}`;
    const cached = this.vectors.get(userId);
    if (cached?.key === key) return { ...state, vector: cached.vector, skipNeighbours: cached.skipNeighbours };
    const liked = new Map(state.taste);
    for (const a of state.followed) {
      for (const i of cat.ofArtist(a).slice(0, FOLLOW_TRACKS)) {
        const id = cat.tracks[i]!.id;
        liked.set(id, (liked.get(id) ?? 0) + FOLLOW_WEIGHT);
      }
    }
    const vector = live.vectorFor(liked, state.skipped);
    const neighbours = skipNeighbours(state, live);
    this.vectors.delete(userId);
    if (this.vectors.size >= CACHED_LISTENERS) this.vectors.delete(this.vectors.keys().next().value!);
    this.vectors.set(userId, { key, vector, skipNeighbours: neighbours });
    return { ...state, vector, skipNeighbours: neighbours };
  }
}

const CLUSTER_COSINE = 0.5;

/**
 * The online recommendation engine. Retrieval gathers candidates per seed from the fitted model (iALS
 * through the vector index, RP3beta neighbours), co-listened artists and the catalogue's own relations
 * (same artist, album and genre, popularity, new releases), so it answers before any model exists; the
 * ranking stage (ranking.ts) then orders them in the listener's context. A listener's newest plays,
 * skips and saves are read per request and folded into their vector, so they count within seconds.
 * The model is refitted in a worker thread and swapped in whole; the old one serves until then.
 */
import type { EventBus, Unsubscribe } from '../../ports/event-bus.js';
import type { Recommendations, SeedPool, TrackRecsRequest } from '../../ports/recommendations.js';
import type { VectorIndex, VectorIndexShape } from '../../ports/vector-index.js';
import { NotFound } from '../errors.js';
import { requireId } from '../ids.js';
import { Catalogue, type CatalogueTrack, type ListenerSignals } from './catalogue.js';
import { FOLLOW_TRACKS, FOLLOW_WEIGHT, type ListenerState, listenerState } from './listener.js';
import { type BuildIndex, LiveModel } from './live-model.js';
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
import { type StatedGenresStore, StatedTaste, tasteClusters } from './taste.js';

/** The engine's reads (src/adapters/postgres/recs-store.ts). */
export interface RecsStore extends StatedGenresStore {
  catalogue(): Promise<CatalogueTrack[]>;
  listener(userId: string): Promise<ListenerSignals>;
  playlistTracks(playlistId: string): Promise<string[]>;
  signals(): Promise<Interactions>;
  /** Plays, saves, follows and playlist entries in all: the refit compares it with its value at the last fit. */
  signalCount(): Promise<number>;
  /** Records a refit asked for on demand (`by`: a user id, or null from the command line). */
  requestRefit(by: string | null): Promise<void>;
  /**
   * Takes the open refit requests (also those taken more than `staleMs` ago and never settled: their
   * taker died) and returns their ids; atomically, so two takers never take one. Prunes old done ones.
   */
  takeRefitRequests(staleMs: number): Promise<string[]>;
  /** Marks taken requests done (`answered`: a model fitted after them is installed) or open again. */
  settleRefitRequests(ids: readonly string[], answered: boolean): Promise<void>;
}

export interface RecsEngineOptions {
  store: RecsStore;
  models: ModelStore;
  /** Fits a model off the event loop (a worker thread). */
  fit: (request: Parameters<typeof fitModel>) => Promise<RecsModel>;
  /** The content index (audio features), rebuilt with the catalogue. */
  makeIndex: (shape: VectorIndexShape) => VectorIndex;
  /**
   * The model's index of item factors, built once per model (approximate at scale, off the event loop);
   * the signal aborts a build when the engine stops.
   */
  buildIndex: (...args: [...Parameters<BuildIndex>, signal: AbortSignal]) => ReturnType<BuildIndex>;
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
/** Nudges the fitting process to look at the refit requests now rather than at its next check. */
const REFIT_TOPIC = 'recs.refit';
/** A refit request taken this long ago and never settled is taken again: its taker died mid-fit. */
const REFIT_TAKEN_STALE_MS = 2 * 3_600_000;

type RecommendRequest = TrackRecsRequest & { leadWith?: string; tunable?: Tunable; withSeedPools?: boolean };

export class RecsEngine implements Recommendations {
  private catalogueCache?: { catalogue: Catalogue; at: number; content?: VectorIndex };
  private catalogueLoading?: Promise<Catalogue>;
  private live?: LiveModel;
  private fitting?: Promise<boolean>;
  /** A refit check came during a fit: it is made again once the fit ends. */
  private checkAfterFit = false;
  /** Aborted by stop(): ends the vector index builder a fit may have started. */
  private stopping = new AbortController();
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
  private readonly taste: StatedTaste;

  constructor(private readonly o: RecsEngineOptions) {
    this.now = o.now ?? Date.now;
    this.taste = new StatedTaste({ store: o.store, catalogue: (reload) => this.catalogue(reload), now: this.now });
  }

  /** When the current model was fitted (UTC ms), or undefined while there is none. */
  get modelFittedAt(): number | undefined {
    return this.live?.fittedAt;
  }

  async tracks(request: TrackRecsRequest): Promise<string[]> {
    return (await this.recommend(request)).ids;
  }

  /**
   * The tracks, and with `withSeedPools` per seed how many candidates it brought and how many passed
   * the filters (a pass over every pool: /v1/recommendations reports them, radio and autoplay do not).
   * `leadWith` (a song radio's seed track) comes first, unless excluded, and counts toward the
   * diversity caps.
   */
  async recommend(r: RecommendRequest & { withSeedPools: true }): Promise<{ ids: string[]; seeds: SeedPool[] }>;
  async recommend(r: RecommendRequest): Promise<{ ids: string[]; seeds?: SeedPool[] }>;
  async recommend(r: RecommendRequest): Promise<{ ids: string[]; seeds?: SeedPool[] }> {
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
    const pools: { group: SeedGroup; candidates: ReadonlyMap<number, number> }[] = [];
    for (const group of groups) {
      const found = retrieve(group, cat, live, this.catalogueCache?.content);
      pools.push({ group, candidates: found });
      const weight = (seeded && group.key === undefined ? SOURCES.personal : 1) * (group.weight ?? 1);
      for (const [i, s] of found) merged.set(i, (merged.get(i) ?? 0) + weight * s);
    }
    const cold = state.taste.size === 0 && state.followed.size === 0 && !seeded;
    // A cold listener who picked genres gets those genres' popular and new tracks rather than everyone's.
    const statedGenres = cold ? state.statedGenres.filter((g) => cat.hasGenre(g)) : [];
    const coldPopular = cold && statedGenres.length === 0;
    addSource(merged, popular(cat), coldPopular ? SOURCES.coldPopularity : SOURCES.popularity);
    if (cold || r.releasedSince) addSource(merged, fresh(cat, r.releasedSince, statedGenres), SOURCES.fresh);

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
    const ids = ranked.map((c) => c.trackId);
    if (!r.withSeedPools) return { ids };
    const seeds = pools
      .filter((p) => p.group.key !== undefined)
      .map(({ group, candidates }) => ({
        id: group.id!,
        type: group.key!,
        initialPoolSize: candidates.size,
        afterFilteringSize: [...candidates.keys()].filter((i) => admissible(candidate(i, 0), ctx)).length,
      }));
    return { ids, seeds };
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

  /** Groups of the listener's artists for Daily Mixes (taste.ts tasteClusters), the strongest first. */
  async tasteClusters(userId: string, maxClusters: number): Promise<string[][]> {
    const [cat, signals] = await Promise.all([this.catalogue(), this.o.store.listener(userId)]);
    const state = this.listener(userId, signals, cat);
    const live = this.live;
    const vectorOf = (a: string) => live?.artistVector(cat.ofArtist(a).map((i) => cat.tracks[i]!.id));
    return tasteClusters(state, cat, vectorOf, maxClusters);
  }

  /** The catalogue's genres, each with how many playable tracks carry it, most tracks first. */
  genres(): Promise<{ name: string; tracks: number }[]> {
    return this.taste.genres();
  }

  /** The genres the listener picked (lower case), in the order they picked them. */
  statedGenres(userId: string): Promise<string[]> {
    return this.taste.statedGenres(userId);
  }

  /** Replaces the listener's picked genres (taste.ts StatedTaste.setStatedGenres); returns them as stored. */
  setStatedGenres(userId: string, genres: readonly string[]): Promise<string[]> {
    return this.taste.setStatedGenres(userId, genres);
  }

  /**
   * Asks for a refit now. The request is a row the fitting process reads on its periodic check, so it
   * is not lost when that process is elsewhere, busy or down; the bus only makes it look sooner.
   */
  async requestRefit(by: string | null): Promise<void> {
    await this.o.store.requestRefit(by);
    await this.o.bus.publish(REFIT_TOPIC, {}).catch(() => {});
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
    this.stopping = new AbortController();
    if (fit) {
      await this.loadSaved();
      this.unsubscribe = await this.o.bus.subscribe(
        REFIT_TOPIC,
        () => void this.refitIfDue().catch((err) => this.o.log.warn({ err }, 'recs refit')),
      );
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

  /**
   * Stops the timers and ends a vector index build under way; a fit under way is not waited for (it
   * can take minutes) and is not installed.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    clearInterval(this.timer);
    await this.unsubscribe?.();
  }

  /** Fits a new model from the live signals now (one fit at a time); false when there is nothing to fit. */
  refresh(): Promise<boolean> {
    this.fitting ??= this.fitNow().finally(() => {
      this.fitting = undefined;
      if (!this.checkAfterFit || this.stopped) return;
      this.checkAfterFit = false;
      void this.refitIfDue().catch((err) => this.o.log.warn({ err }, 'recs refit'));
    });
    return this.fitting;
  }

  /**
   * Refits when asked to (an open refit request) or when due. A check during a fit is made again when
   * that fit ends: a request arriving meanwhile is answered by the next fit, not the running one, which
   * may have read its signals before the request was made. A request is done only once a model fitted
   * after it is installed; a fit that fails (or finds nothing to fit) leaves it open for the next.
   */
  private async refitIfDue(): Promise<void> {
    if (this.fitting) {
      this.checkAfterFit = true;
      return;
    }
    const asked = await this.o.store.takeRefitRequests(REFIT_TAKEN_STALE_MS);
    if (asked.length > 0) {
      this.o.log.info({ requests: asked.length }, 'recommendation model refit asked for');
      let fitted = false;
      try {
        fitted = await this.fitAfterRunning();
      } finally {
        await this.o.store.settleRefitRequests(asked, fitted);
      }
      return;
    }
    const age = this.now() - this.lastFitAt;
    if (this.live && age < this.o.refitHours * 3_600_000) {
      const fresh = (await this.o.store.signalCount()) - this.signalsAtFit;
      if (Math.abs(fresh) < this.o.refitSignals) return;
    }
    await this.refresh();
  }

  /** A fit of its own: one begun before (while the requests were read, say) may predate them. */
  private async fitAfterRunning(): Promise<boolean> {
    while (this.fitting) await this.fitting.catch(() => false);
    return this.refresh();
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
    if (this.stopped) return false;
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

  /** Serves the model from now on, unless the engine stopped meanwhile or a newer one came first. */
  private async install(model: RecsModel, fittedAt: number): Promise<void> {
    const cat = await this.catalogue(true);
    const { signal } = this.stopping;
    const live = await LiveModel.open(
      model,
      fittedAt,
      (...args) => this.o.buildIndex(...args, signal),
      (id) => cat.artistsOf(id),
    );
    if (this.stopped) return;
    // Its index may have been built in another process meanwhile: a newer model installed since stays.
    if (this.live && this.live.fittedAt > fittedAt) return;
    this.live = live;
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

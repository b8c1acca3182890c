/**
 * A fitted `ours` model made ready to answer requests: its iALS item factors in a vector index (exact
 * for a small catalogue, approximate at scale: src/adapters/ann/build.ts), its RP3beta neighbours, and
 * artist × artist co-listening built from the same signals for related artists. Built once per fit and
 * swapped in whole, so requests always see one consistent model.
 */
import type { VectorIndex, VectorIndexShape } from '../../ports/vector-index.js';
import type { IalsModel } from './ials.js';
import { foldInSigned } from './listener.js';
import { binaryWalk, type RecsModel } from './model.js';
import { type NeighbourModel, scoreNeighbours, type Walk } from './neighbours.js';
import { topK } from './topk.js';

/** Shrinks the co-listening similarity of artists with few listeners: c / (√(n_a n_b) + shrink). */
const RELATED_SHRINK = 2;
/** Related artists remembered per artist: retrieval asks for 10, the related-artists route for 20. */
const RELATED_KEPT = 50;
/** Artists whose related artists are remembered; the one asked for least recently goes first. */
const RELATED_CACHED = 10_000;

export type Scores = Map<string, number>;

/** Makes a vector index holding `vectors`, one per id (src/adapters/ann/build.ts buildVectorIndex). */
export type BuildIndex = (
  shape: VectorIndexShape,
  ids: readonly string[],
  vectors: Float32Array,
) => Promise<VectorIndex>;

function ialsOf(model: RecsModel): IalsModel | undefined {
  for (const part of model.parts) if (part.model.type === 'ials') return part.model;
  return undefined;
}

export class LiveModel {
  readonly ials?: IalsModel;
  private readonly rp3?: NeighbourModel;
  private readonly walk: Walk;
  private readonly items = new Map<string, number>();
  private readonly excluded: Uint8Array;
  /** Per artist, the rows (listeners, playlists) holding any of their tracks. */
  private readonly artistRows = new Map<string, Set<number>>();
  /** Per row, the artists of the tracks it holds. */
  private readonly rowArtists: Set<string>[];
  /**
   * Each artist's best RELATED_KEPT related artists, computed on first request: they depend on this
   * model's history only, and a refit builds a new LiveModel, so nothing here goes stale.
   */
  private readonly related = new Map<string, [string, number][]>();

  /** The live model with its item factors in the index `buildIndex` makes (off the event loop when large). */
  static async open(
    model: RecsModel,
    fittedAt: number,
    buildIndex: BuildIndex,
    artistsOf: (trackId: string) => readonly string[],
  ): Promise<LiveModel> {
    const ials = ialsOf(model);
    const index = ials
      ? await buildIndex({ dimensions: ials.params.factors, metric: 'inner-product' }, model.items, ials.itemFactors)
      : undefined;
    return new LiveModel(model, fittedAt, index, artistsOf);
  }

  private constructor(
    readonly model: RecsModel,
    /** When the model was fitted (UTC ms); also its version. */
    readonly fittedAt: number,
    /** The iALS item factors, keyed by track id. */
    private readonly index: VectorIndex | undefined,
    artistsOf: (trackId: string) => readonly string[],
  ) {
    for (const [i, id] of model.items.entries()) this.items.set(id, i);
    this.ials = ialsOf(model);
    for (const part of model.parts) if (part.name === 'rp3' && part.model.type === 'neighbours') this.rp3 = part.model;
    this.walk = binaryWalk(model.history);
    this.excluded = new Uint8Array(model.items.length);
    const h = model.history;
    this.rowArtists = [];
    for (let r = 0; r < h.rows; r++) {
      const artists = new Set<string>();
      for (let e = h.indptr[r]!; e < h.indptr[r + 1]!; e++)
        for (const a of artistsOf(model.items[h.indices[e]!]!)) artists.add(a);
      this.rowArtists.push(artists);
      for (const a of artists) {
        const rows = this.artistRows.get(a) ?? new Set<number>();
        rows.add(r);
        this.artistRows.set(a, rows);
      }
    }
  }

  has(trackId: string): boolean {
    return this.items.has(trackId);
  }

  /** The listener vector folded in from liked (weighted) and skipped tracks; undefined with no known track. */
  vectorFor(liked: ReadonlyMap<string, number>, skipped: Iterable<string>): Float64Array | undefined {
    if (!this.ials) return undefined;
    const ids: number[] = [];
    const weights: number[] = [];
    for (const [id, w] of liked) {
      const i = this.items.get(id);
      if (i !== undefined && w > 0) {
        ids.push(i);
        weights.push(w);
      }
    }
    if (ids.length === 0) return undefined;
    const against = [...skipped].map((id) => this.items.get(id)).filter((i) => i !== undefined);
    return foldInSigned(this.ials, Int32Array.from(ids), Float32Array.from(weights), Int32Array.from(against));
  }

  /** The k tracks scoring highest against the vector (through the vector index). */
  nearest(vector: Float64Array, k: number): Scores {
    const out: Scores = new Map();
    if (!this.index || this.index.size === 0) return out;
    const matches = this.index.search(Float32Array.from(vector), Math.min(k, this.index.size));
    for (const [i, id] of matches.ids.entries()) out.set(id, matches.scores[i]!);
    return out;
  }

  /** RP3beta: the k tracks the seeds lead to by the walk track → listener → track. */
  neighbours(seeds: ReadonlyMap<string, number>, k: number): Scores {
    const out: Scores = new Map();
    if (!this.rp3) return out;
    const ids: number[] = [];
    const weights: number[] = [];
    for (const [id, w] of seeds) {
      const i = this.items.get(id);
      if (i !== undefined) {
        ids.push(i);
        weights.push(w);
      }
    }
    if (ids.length === 0) return out;
    const scores = new Float32Array(this.model.items.length);
    const seedIds = Int32Array.from(ids);
    scoreNeighbours(this.rp3, this.walk, seedIds, Float32Array.from(weights), scores);
    for (const s of seedIds) this.excluded[s] = 1;
    try {
      for (const j of topK(scores, k, this.excluded, this.model.popularity)) {
        if (scores[j]! > 0) out.set(this.model.items[j]!, scores[j]!);
      }
    } finally {
      for (const s of seedIds) this.excluded[s] = 0;
    }
    return out;
  }

  /** Artists whose listeners (and playlists) overlap most with this artist's, best first. */
  relatedArtists(artistId: string, k: number): [string, number][] {
    if (k > RELATED_KEPT) return this.coListened(artistId, k);
    let best = this.related.get(artistId);
    if (best) this.related.delete(artistId);
    else {
      best = this.coListened(artistId, RELATED_KEPT);
      if (this.related.size >= RELATED_CACHED) this.related.delete(this.related.keys().next().value!);
    }
    this.related.set(artistId, best);
    return best.slice(0, k);
  }

  /** The k artists sharing most rows with this one, by c / (√(n_a n_b) + shrink); ties by id. */
  private coListened(artistId: string, k: number): [string, number][] {
    const rows = this.artistRows.get(artistId);
    if (!rows) return [];
    const together = new Map<string, number>();
    for (const r of rows)
      for (const b of this.rowArtists[r]!) if (b !== artistId) together.set(b, (together.get(b) ?? 0) + 1);
    const n = rows.size;
    return [...together.entries()]
      .map(([b, c]): [string, number] => [b, c / (Math.sqrt(n * this.artistRows.get(b)!.size) + RELATED_SHRINK)])
      .sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]))
      .slice(0, k);
  }

  /** The mean of the artist's tracks' item factors, for grouping a listener's artists. */
  artistVector(trackIds: readonly string[]): Float64Array | undefined {
    if (!this.ials) return undefined;
    const f = this.ials.params.factors;
    const v = new Float64Array(f);
    let n = 0;
    for (const id of trackIds) {
      const i = this.items.get(id);
      if (i === undefined) continue;
      for (let a = 0; a < f; a++) v[a]! += this.ials.itemFactors[i * f + a]!;
      n++;
    }
    return n === 0 ? undefined : v;
  }
}

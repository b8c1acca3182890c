/**
 * Answers from a fitted model: the top k items for a known user (their history is the seed set and is
 * excluded), or for a seed list never seen in training (a new playlist's first tracks). A blend's
 * parts are normalised by rank window: within each part's `ours.depth` best items, a score becomes
 * (s − s_depth) / (s_1 − s_depth), outside 0; then parts are added with their weights.
 */
import { type ArtistGraph, artistGraph, scoreArtistWalk, scoreSameArtist, seedArtists } from './artists.js';
import { easeLocalIndex, scoreEase } from './ease.js';
import { foldIn, scoreIals } from './ials.js';
import { binaryWalk, type Part, partPower, partValue, type RecsModel, weightedWalk } from './model.js';
import { scoreNeighbours, type Walk } from './neighbours.js';
import { topK } from './topk.js';
import { scoreUserKnn } from './userknn.js';

export class Recommender {
  private readonly walk: Walk;
  /** Walks over weighted values, by partValue's power (power 0 is `walk`). */
  private readonly walks = new Map<number, Walk>();
  private readonly userIndex = new Map<string, number>();
  private readonly itemIndex = new Map<string, number>();
  private readonly easeLocal = new Map<Part, Int32Array>();
  private readonly excluded: Uint8Array;
  /** The artist parts' graph and the catalogue tracks outside the matrix, when the model has artists. */
  private readonly artistGraph?: ArtistGraph;
  private readonly otherIndex = new Map<string, number>();

  constructor(readonly model: RecsModel) {
    this.walk = binaryWalk(model.history);
    this.walks.set(0, this.walk);
    for (const [i, id] of model.users.entries()) this.userIndex.set(id, i);
    for (const [i, id] of model.items.entries()) this.itemIndex.set(id, i);
    for (const part of model.parts) {
      if (part.model.type === 'ease') this.easeLocal.set(part, easeLocalIndex(part.model, model.items.length));
    }
    this.excluded = new Uint8Array(model.items.length);
    if (model.artists) {
      this.artistGraph = artistGraph(model.artists, model.history);
      for (const [i, id] of model.artists.otherTracks.entries()) this.otherIndex.set(id, i);
    }
  }

  /** Top k item ids for a training user; an unknown user gets the most popular items. */
  forUser(userId: string, k: number): string[] {
    const user = this.userIndex.get(userId) ?? -1;
    const h = this.model.history;
    const seeds = user < 0 ? new Int32Array(0) : h.indices.subarray(h.indptr[user]!, h.indptr[user + 1]!);
    const weights = user < 0 ? new Float32Array(0) : h.values.subarray(h.indptr[user]!, h.indptr[user + 1]!);
    const artists = this.model.artists?.ofItem;
    return this.rank(
      user,
      seeds,
      weights,
      k,
      Int32Array.from(seeds, (s) => artists?.[s] ?? -1),
    );
  }

  /**
   * Top k item ids continuing a list of seed item ids (seeds are excluded). Ids the matrix does not hold
   * are ignored, except by the artist parts when the catalogue knows their artist.
   */
  forSeeds(seedIds: string[], k: number): string[] {
    const unique = [...new Set(seedIds)];
    const known = unique.map((id) => this.itemIndex.get(id)).filter((i) => i !== undefined);
    const artists = this.model.artists
      ? seedArtists(this.model.artists, this.otherIndex, this.itemIndex, unique)
      : new Int32Array(0);
    return this.rank(-1, Int32Array.from(known), new Float32Array(known.length).fill(1), k, artists);
  }

  private rank(user: number, seeds: Int32Array, weights: Float32Array, k: number, artists: Int32Array): string[] {
    const { model, excluded } = this;
    for (const s of seeds) excluded[s] = 1;
    try {
      const n = model.items.length;
      let total: Float32Array;
      if (model.parts.length === 1) total = this.partScores(model.parts[0]!, user, seeds, weights, artists);
      else {
        total = new Float32Array(n);
        // At least k deep, or the list's tail would be filled by popularity alone.
        const depth = Math.max(model.params['ours.depth'] ?? 200, k);
        for (const part of model.parts) {
          const scores = this.partScores(part, user, seeds, weights, artists);
          const best = topK(scores, depth, excluded, model.popularity);
          if (best.length === 0) continue;
          const top = scores[best[0]!]!;
          const floor = scores[best[best.length - 1]!]!;
          const span = top - floor || 1;
          for (const j of best) total[j]! += (part.weight * (scores[j]! - floor)) / span;
        }
      }
      return Array.from(topK(total, k, excluded, model.popularity), (j) => model.items[j]!);
    } finally {
      for (const s of seeds) excluded[s] = 0;
    }
  }

  private walkOf(power: number): Walk {
    let walk = this.walks.get(power);
    if (!walk) {
      walk = weightedWalk(this.model.history, power);
      this.walks.set(power, walk);
    }
    return walk;
  }

  private partScores(
    part: Part,
    user: number,
    seeds: Int32Array,
    weights: Float32Array,
    artists: Int32Array,
  ): Float32Array {
    const { model } = this;
    const out = new Float32Array(model.items.length);
    const m = part.model;
    const power = partPower(part.name, model.params);
    // A training user's row holds raw weights (play counts); a new list's seeds weigh 1 each.
    const values =
      user < 0
        ? weights
        : power === 0
          ? new Float32Array(seeds.length).fill(1)
          : weights.map((w) => partValue(w, power));
    switch (m.type) {
      case 'popularity':
        out.set(model.popularity);
        break;
      case 'neighbours':
        scoreNeighbours(m, this.walk, seeds, values, out);
        break;
      case 'ease':
        scoreEase(m, this.easeLocal.get(part)!, seeds, values, 1, out);
        break;
      case 'userknn': {
        const walk = this.walkOf(power);
        scoreUserKnn(m, walk.byUser, walk.byItem, seeds, values, user, 1, out);
        break;
      }
      case 'artist': {
        if (!this.artistGraph) break;
        if (m.variant === 'same') scoreSameArtist(this.artistGraph, model.popularity, artists, m.params, out);
        else scoreArtistWalk(this.artistGraph, this.walk.byUser, model.popularity, artists, m.params, out);
        break;
      }
      case 'ials': {
        if (seeds.length === 0) break;
        const f = m.params.factors;
        const vector = user >= 0 ? m.userFactors.subarray(user * f, (user + 1) * f) : foldIn(m, seeds, weights);
        scoreIals(m, vector, 1, out);
        break;
      }
    }
    return out;
  }
}

/**
 * Retrieval: the candidates of one request, per seed group, from every source (the fitted model, the
 * catalogue's relations, co-listened artists, content), each normalised to 0..1 and weighted
 * (docs/recommendations.md, "Retrieval"). Pure over the catalogue, the live model and the content index.
 */
import type { RecsPurpose, TrackRecsRequest } from '../../ports/recommendations.js';
import type { VectorIndex } from '../../ports/vector-index.js';
import type { Catalogue } from './catalogue.js';
import { type ListenerState, statedGenreWeight } from './listener.js';
import type { LiveModel, Scores } from './live-model.js';

/** Candidates each source offers per seed group. */
export const POOL = 300;

/** Weights of the retrieval sources (each normalised to 0..1 within its own list first). */
export const SOURCES = {
  model: 1,
  neighbours: 1,
  seedArtist: 0.5,
  /** When the artist is the seed itself (artist radio, seed_artists). */
  artistSeed: 1,
  album: 0.3,
  related: 0.5,
  genre: 0.3,
  /** When the genre is the seed itself. */
  genreSeed: 1,
  /** The listener's own taste added to seeded lists (radio, autoplay, continuation). */
  personal: 0.25,
  /** Tracks that sound alike (content vectors of the audio features, cosine). */
  content: 0.3,
  /** … when the seed is a track the model does not know (nobody played it yet): cold start. */
  coldContent: 1,
  /** Everyone's most played: a floor under every list, so none is ever empty. */
  popularity: 0.05,
  /** Popularity when the listener has no signals at all (cold start). */
  coldPopularity: 0.4,
  /** New releases, for a listener with no signals, and for every list asking for releases since a date. */
  fresh: 0.2,
};

const RELATED_ARTISTS = 10;
const TRACKS_PER_RELATED = 5;
const TASTE_SEEDS = 50;

export interface SeedGroup {
  key?: 'TRACK' | 'ARTIST' | 'GENRE';
  id?: string;
  tracks: Map<string, number>;
  artists: string[];
  genres: string[];
  /** The listener's own vector, for the taste group. */
  vector?: Float64Array;
  /** Multiplies the group's candidates (the listener's stated genres fade as they listen); 1 when absent. */
  weight?: number;
}

export function seedGroups(
  r: TrackRecsRequest,
  seedTracks: string[],
  seedArtists: string[],
  cat: Catalogue,
  state: ListenerState & { vector?: Float64Array },
  live: LiveModel | undefined,
): SeedGroup[] {
  const groups: SeedGroup[] = [];
  const total = seedTracks.length + seedArtists.length + (r.seedGenres?.length ?? 0);
  const trackGroup = (ids: string[], weights: number[]): SeedGroup => ({
    tracks: new Map(ids.map((id, k) => [id, weights[k]!])),
    artists: [],
    genres: [],
  });
  if (total <= 5) {
    for (const id of seedTracks) groups.push({ ...trackGroup([id], [1]), key: 'TRACK', id });
  } else if (seedTracks.length > 0) {
    // Many seed tracks (a playlist, a queue): one group; later tracks weigh more (most recent last).
    const weights = seedTracks.map((_, k) => 1 + k / seedTracks.length);
    groups.push({ ...trackGroup(seedTracks, weights), key: 'TRACK', id: seedTracks.at(-1)! });
  }
  for (const id of seedArtists) groups.push({ tracks: new Map(), artists: [id], genres: [], key: 'ARTIST', id });
  for (const g of r.seedGenres ?? []) groups.push({ tracks: new Map(), artists: [], genres: [g], key: 'GENRE', id: g });
  if (groups.length === 0 || SEEDED_WITH_TASTE.has(r.purpose)) {
    const taste = [...state.taste.entries()].sort((a, b) => b[1] - a[1]).slice(0, TASTE_SEEDS);
    const followed = [...state.followed].filter((a) => cat.hasArtist(a));
    const seededGroup = groups.length > 0;
    // A seeded list leans on the listener's taste only through the model; an unseeded one on all of it.
    if (!seededGroup || (live && state.vector)) {
      groups.push({
        tracks: seededGroup ? new Map() : new Map(taste),
        artists: seededGroup ? [] : followed,
        genres: [],
        vector: state.vector,
      });
    }
    // Genres picked at sign-up stand in for taste not yet shown, fading as real listening accumulates;
    // one group each, so every picked genre reaches the top of the list, not only the first.
    const stated = statedGenreWeight(state);
    for (const g of state.statedGenres)
      if (cat.hasGenre(g)) groups.push({ tracks: new Map(), artists: [], genres: [g], weight: stated });
  }
  return groups;
}

/** One seed group's candidates: catalogue index → score, each source normalised and weighted. */
export function retrieve(
  group: SeedGroup,
  cat: Catalogue,
  live: LiveModel | undefined,
  content: VectorIndex | undefined,
): Map<number, number> {
  const out = new Map<number, number>();
  const byId = (scores: Scores) => {
    const m = new Map<number, number>();
    for (const [id, s] of scores) {
      const i = cat.indexOf(id);
      if (i !== undefined) m.set(i, s);
    }
    return m;
  };
  if (live) {
    const vector = group.vector ?? (group.tracks.size > 0 ? live.vectorFor(group.tracks, []) : undefined);
    const artistTracks = new Map<string, number>();
    for (const a of group.artists) for (const i of cat.ofArtist(a).slice(0, 10)) artistTracks.set(cat.tracks[i]!.id, 1);
    const v = vector ?? (artistTracks.size > 0 ? live.vectorFor(artistTracks, []) : undefined);
    if (v) addSource(out, byId(live.nearest(v, POOL)), SOURCES.model, true);
    const walkSeeds = group.tracks.size > 0 ? group.tracks : artistTracks;
    if (walkSeeds.size > 0) addSource(out, byId(live.neighbours(walkSeeds, POOL)), SOURCES.neighbours);
  }
  const seedIndices = [...group.tracks.keys()].map((id) => cat.indexOf(id)).filter((i) => i !== undefined);
  const artistsOfSeeds = new Set(seedIndices.flatMap((i) => cat.tracks[i]!.artistIds));
  const genres = new Set([...group.genres.map((g) => g.toLowerCase())]);
  for (const i of seedIndices) for (const g of cat.tracks[i]!.genres) genres.add(g);
  for (const a of group.artists) for (const g of cat.artistGenres(a).slice(0, 3)) genres.add(g);

  addSource(out, ranked(flat([...artistsOfSeeds].map((a) => cat.ofArtist(a)))), SOURCES.seedArtist);
  addSource(out, ranked(flat(group.artists.map((a) => cat.ofArtist(a)))), SOURCES.artistSeed);
  const albums = new Set(seedIndices.map((i) => cat.tracks[i]!.albumId));
  addSource(out, ranked(flat([...albums].map((a) => cat.ofAlbum(a)))), SOURCES.album);
  if (live) {
    const related = new Map<number, number>();
    for (const a of new Set([...artistsOfSeeds, ...group.artists])) {
      for (const [b, sim] of live.relatedArtists(a, RELATED_ARTISTS)) {
        for (const [k, i] of cat.ofArtist(b).slice(0, TRACKS_PER_RELATED).entries())
          related.set(i, Math.max(related.get(i) ?? 0, sim / (1 + k)));
      }
    }
    addSource(out, related, SOURCES.related);
  }
  addSource(out, ranked(flat([...genres].map((g) => cat.ofGenre(g).slice(0, POOL)))), genreWeight(group));
  addContent(out, group, cat, live, content);
  return out;
}

/** Tracks that sound like the group's seed tracks (their weighted mean content vector). */
function addContent(
  out: Map<number, number>,
  group: SeedGroup,
  cat: Catalogue,
  live: LiveModel | undefined,
  index: VectorIndex | undefined,
) {
  if (!index || group.tracks.size === 0) return;
  let mean: Float32Array | undefined;
  let cold = true;
  for (const [id, w] of group.tracks) {
    const content = cat.tracks[cat.indexOf(id) ?? -1]?.content;
    if (live?.has(id)) cold = false;
    if (!content) continue;
    mean ??= new Float32Array(content.length);
    for (let k = 0; k < content.length; k++) mean[k]! += w * content[k]!;
  }
  if (!mean?.some((x) => x !== 0)) return;
  const found = index.search(mean, Math.min(POOL, index.size));
  const scores = new Map<number, number>();
  for (const [k, id] of found.ids.entries()) {
    const i = cat.indexOf(id);
    if (i !== undefined && found.scores[k]! > 0) scores.set(i, found.scores[k]!);
  }
  addSource(out, scores, cold ? SOURCES.coldContent : SOURCES.content);
}

/** Purposes whose seeded lists still lean a little on the listener's own taste. */
const SEEDED_WITH_TASTE = new Set<RecsPurpose>(['radio', 'autoplay', 'continuation']);

function genreWeight(group: SeedGroup): number {
  return group.genres.length > 0 && group.tracks.size === 0 && group.artists.length === 0
    ? SOURCES.genreSeed
    : SOURCES.genre;
}

/** Adds a source's scores normalised to 0..1 (by its best, or min–max when scores can be negative). */
export function addSource(out: Map<number, number>, scores: Map<number, number>, weight: number, minMax = false): void {
  if (scores.size === 0 || weight === 0) return;
  let best = Number.NEGATIVE_INFINITY;
  let worst = Number.POSITIVE_INFINITY;
  for (const s of scores.values()) {
    best = Math.max(best, s);
    worst = Math.min(worst, s);
  }
  const floor = minMax ? worst : 0;
  const span = best - floor || 1;
  for (const [i, s] of scores) {
    const v = Math.max(0, (s - floor) / span);
    if (v > 0 || !minMax) out.set(i, (out.get(i) ?? 0) + weight * Math.max(v, minMax ? 0 : 1e-6));
  }
}

/** Unique indices in order, scored by their position: 1, 1/2, 1/3 … (a ranked list's natural decay). */
function ranked(indices: number[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const i of indices) if (!m.has(i)) m.set(i, 1 / (1 + m.size / 10));
  return m;
}

function flat(lists: readonly (readonly number[])[]): number[] {
  const out: number[] = [];
  for (const l of lists) out.push(...l);
  return out;
}

export function popular(cat: Catalogue): Map<number, number> {
  return ranked(cat.byPopularity.slice(0, POOL));
}

/**
 * New releases, newest first; with a date, every track released since (the filter drops older ones);
 * with genres, only tracks of one of them.
 */
export function fresh(cat: Catalogue, since?: string, genres: readonly string[] = []): Map<number, number> {
  const inGenres = (i: number) => genres.length === 0 || cat.tracks[i]!.genres.some((g) => genres.includes(g));
  const list = since
    ? cat.byRelease.filter((i) => (cat.tracks[i]!.releaseDate ?? '') >= since && inGenres(i))
    : cat.byRelease.filter(inGenres).slice(0, POOL);
  return ranked(list);
}

/** The model's neighbours of the listener's skipped tracks, closeness 0..1 (1 for the closest). */
export function skipNeighbours(state: ListenerState, live: LiveModel | undefined): Map<string, number> {
  const out = new Map<string, number>();
  if (!live || state.skipped.size === 0) return out;
  const found = live.neighbours(new Map([...state.skipped].map((t) => [t, 1])), POOL);
  const best = Math.max(0, ...found.values());
  if (best > 0) for (const [t, s] of found) out.set(t, s / best);
  return out;
}

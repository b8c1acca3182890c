/**
 * The ranking stage: candidates from retrieval (each with the blended retrieval score) are filtered by
 * the request's hard rules, re-scored with the listener's context and ordered under artist diversity
 * caps. Pure: the same candidates and context give the same list. Every weight is in RANKING and in
 * docs/recommendations.md ("Ranking").
 */

import type { RecsPurpose } from '../../ports/recommendations.js';
import { isAvailableIn } from '../markets.js';

export interface Candidate {
  trackId: string;
  artistIds: readonly string[];
  releaseDate: string | null;
  markets: readonly string[] | null;
  /** The retrieval score, ≥ 0 (sources normalised to 0..1, then weighted and added). */
  score: number;
  /** Tunable attributes by Spotify's names (CatalogueTrack.attributes). */
  attributes?: Readonly<Record<string, number>>;
}

/** Spotify's min_/max_/target_ attributes of a request, by attribute name (`tempo`, `energy` …). */
export interface Tunable {
  min: Readonly<Record<string, number>>;
  max: Readonly<Record<string, number>>;
  target: Readonly<Record<string, number>>;
}

/** The span of each tunable attribute: a target's closeness is 1 − |value − target| / span. */
export const ATTRIBUTE_SPANS: Readonly<Record<string, number>> = {
  acousticness: 1,
  danceability: 1,
  energy: 1,
  instrumentalness: 1,
  liveness: 1,
  speechiness: 1,
  valence: 1,
  mode: 1,
  key: 11,
  time_signature: 4,
  tempo: 150,
  loudness: 40,
  popularity: 100,
  duration_ms: 600_000,
};

export interface RankingContext {
  purpose: RecsPurpose;
  /** UTC ms. */
  now: number;
  exclude: ReadonlySet<string>;
  /** Tracks the listener has played (any length): left out when `unheardOnly`. */
  heard: ReadonlySet<string>;
  unheardOnly: boolean;
  releasedSince?: string;
  market?: string;
  /** Tracks the listener left within 10 s and never heard for 30 s. */
  skipped: ReadonlySet<string>;
  /** Per artist, how many of the listener's skips were of their tracks. */
  skippedArtists: ReadonlyMap<string, number>;
  /** Per track, 0..1: how close it is to the listener's skipped tracks (the model's neighbours of them). */
  skipNeighbours: ReadonlyMap<string, number>;
  /** Per track, when the listener last played it (UTC ms). */
  lastPlayed: ReadonlyMap<string, number>;
  followed: ReadonlySet<string>;
  /** Per artist, 0..1: how much more than usual the listener plays them at this hour of the day. */
  hourAffinity: ReadonlyMap<string, number>;
  tunable?: Tunable;
}

const DAY_MS = 86_400_000;

/**
 * Release dates parsed once each: ranking reads one per candidate, hundreds per request, and a
 * catalogue holds a few thousand distinct dates. Emptied if it ever grows past RELEASE_DATES_KEPT.
 */
const releasedAt = new Map<string, number>();
const RELEASE_DATES_KEPT = 100_000;

function releaseMs(date: string): number {
  let ms = releasedAt.get(date);
  if (ms === undefined) {
    if (releasedAt.size >= RELEASE_DATES_KEPT) releasedAt.clear();
    ms = Date.parse(`${date}T00:00:00Z`);
    releasedAt.set(date, ms);
  }
  return ms;
}

export const RANKING = {
  /** Where a skipped track is not left out, its score is multiplied by this. */
  skippedTrack: 0.1,
  /** Purposes that leave skipped tracks out altogether. */
  skipsLeftOut: new Set<RecsPurpose>(['radio', 'autoplay', 'discover-weekly', 'daily-mix']),
  /** The score of a track by an artist the listener skipped, per skip (at most `skippedArtistMax`). */
  skippedArtist: 0.5,
  skippedArtistMax: 3,
  /** A track as close as can be to a skipped one is multiplied by 1 − this (scaled by closeness). */
  skipNeighbour: 0.6,
  /** A track played within this long is "recently played" … */
  recentMs: 2 * DAY_MS,
  /** … and multiplied by this for these purposes (they are about something to hear next). */
  recentlyPlayed: 0.3,
  recentPurposes: new Set<RecsPurpose>(['radio', 'autoplay', 'home', 'discover-weekly']),
  /** Freshness: weight × 2^(−age / half-life) added, age from the album's release date. */
  freshnessHalfLifeDays: 60,
  freshness: {
    radio: 0.05,
    autoplay: 0.05,
    home: 0.1,
    'discover-weekly': 0.1,
    'daily-mix': 0.05,
    'release-radar': 0.6,
    continuation: 0.02,
  } satisfies Record<RecsPurpose, number>,
  /** Added when any of the track's artists is followed by the listener. */
  followed: 0.2,
  /** Added × the listener's hour-of-day affinity for the track's artist (0..1). */
  hourOfDay: 0.15,
  /** Added × the mean closeness to the request's target_ attributes (0..1). */
  target: 1,
  /** At most `perArtist` tracks of one artist in any `window` consecutive tracks … */
  window: 10,
  perArtist: 2,
  /** … except Discover Weekly: at most `perArtist` in the whole list, a hard cap (a shorter list rather). */
  wholeListCaps: new Set<RecsPurpose>(['discover-weekly']),
  /** Purposes where the same artist never plays twice in a row. */
  noRepeatArtist: new Set<RecsPurpose>(['radio', 'autoplay', 'daily-mix', 'discover-weekly']),
};

/** The hard rules of the request: excluded, heard (when unheard only), too old, or not sold here. */
export function admissible(c: Candidate, ctx: RankingContext): boolean {
  if (ctx.exclude.has(c.trackId)) return false;
  if (ctx.unheardOnly && ctx.heard.has(c.trackId)) return false;
  if (ctx.releasedSince && (c.releaseDate === null || c.releaseDate < ctx.releasedSince)) return false;
  if (ctx.market && !isAvailableIn(c.markets as string[] | null, ctx.market)) return false;
  if (ctx.skipped.has(c.trackId) && RANKING.skipsLeftOut.has(ctx.purpose)) return false;
  if (ctx.tunable) {
    // A track whose attribute is unknown (features not computed yet) cannot be shown to be in range.
    for (const [name, min] of Object.entries(ctx.tunable.min))
      if (!((c.attributes?.[name] ?? Number.NaN) >= min)) return false;
    for (const [name, max] of Object.entries(ctx.tunable.max))
      if (!((c.attributes?.[name] ?? Number.NaN) <= max)) return false;
  }
  return true;
}

/** 0..1: how close the track is to the target attributes on average (an unknown attribute counts 0). */
function targetCloseness(c: Candidate, target: Readonly<Record<string, number>>): number {
  const names = Object.keys(target);
  if (names.length === 0) return 0;
  let sum = 0;
  for (const name of names) {
    const value = c.attributes?.[name];
    if (value === undefined) continue;
    sum += Math.max(0, 1 - Math.abs(value - target[name]!) / (ATTRIBUTE_SPANS[name] ?? 1));
  }
  return sum / names.length;
}

/** The candidate's score in context; see RANKING. */
function contextScore(c: Candidate, ctx: RankingContext): number {
  let score = c.score;
  if (c.releaseDate) {
    const ageDays = Math.max(0, (ctx.now - releaseMs(c.releaseDate)) / DAY_MS);
    score += RANKING.freshness[ctx.purpose] * 2 ** (-ageDays / RANKING.freshnessHalfLifeDays);
  }
  if (c.artistIds.some((a) => ctx.followed.has(a))) score += RANKING.followed;
  let hour = 0;
  for (const a of c.artistIds) hour = Math.max(hour, ctx.hourAffinity.get(a) ?? 0);
  score += RANKING.hourOfDay * hour;
  if (ctx.tunable) score += RANKING.target * targetCloseness(c, ctx.tunable.target);

  if (ctx.skipped.has(c.trackId)) score *= RANKING.skippedTrack;
  let artistSkips = 0;
  for (const a of c.artistIds) artistSkips = Math.max(artistSkips, ctx.skippedArtists.get(a) ?? 0);
  score *= RANKING.skippedArtist ** Math.min(artistSkips, RANKING.skippedArtistMax);
  score *= 1 - RANKING.skipNeighbour * (ctx.skipNeighbours.get(c.trackId) ?? 0);
  const last = ctx.lastPlayed.get(c.trackId);
  if (last !== undefined && ctx.now - last < RANKING.recentMs && RANKING.recentPurposes.has(ctx.purpose))
    score *= RANKING.recentlyPlayed;
  return score;
}

/**
 * Filters, re-scores and orders the candidates; at most `limit`, never fewer because of the caps alone.
 * `lead` (a song radio's seed) is placed first, and the caps count it.
 */
export function rank(
  candidates: readonly Candidate[],
  ctx: RankingContext,
  limit: number,
  lead?: Candidate,
): Candidate[] {
  const scored = candidates
    .filter((c) => admissible(c, ctx))
    .map((c) => ({ c, score: contextScore(c, ctx) }))
    .sort((a, b) => b.score - a.score || a.c.trackId.localeCompare(b.c.trackId))
    .map(({ c, score }) => ({ ...c, score }));
  if (!lead) return diversify(scored, ctx.purpose, limit);
  const rest = scored.filter((c) => c.trackId !== lead.trackId);
  return diversify(rest, ctx.purpose, limit, [lead]);
}

/**
 * Takes the best candidate that keeps the artist caps; when none does (a catalogue of few artists),
 * the best that at least avoids the same artist twice in a row, and failing that the best left; under
 * a hard cap (Discover Weekly) the list ends there instead.
 */
function diversify(
  sorted: readonly Candidate[],
  purpose: RecsPurpose,
  limit: number,
  start: Candidate[] = [],
): Candidate[] {
  const out: Candidate[] = [...start];
  const rest = [...sorted];
  const window = RANKING.wholeListCaps.has(purpose) ? Number.POSITIVE_INFINITY : RANKING.window;
  const noRepeat = RANKING.noRepeatArtist.has(purpose);
  const shares = (a: Candidate, b: Candidate) => a.artistIds.some((x) => b.artistIds.includes(x));
  const afterLast = (c: Candidate) => out.length === 0 || !shares(c, out[out.length - 1]!);
  const withinCap = (c: Candidate) => {
    const recent = out.slice(Math.max(0, out.length - (window - 1)));
    return c.artistIds.every((a) => recent.filter((r) => r.artistIds.includes(a)).length < RANKING.perArtist);
  };
  const hardCap = RANKING.wholeListCaps.has(purpose);
  while (out.length < limit && rest.length > 0) {
    let at = rest.findIndex((c) => withinCap(c) && (!noRepeat || afterLast(c)));
    if (hardCap && at < 0) at = rest.findIndex(withinCap);
    if (hardCap && at < 0) break;
    if (at < 0) at = rest.findIndex(afterLast);
    if (at < 0) at = 0;
    out.push(rest.splice(at, 1)[0]!);
  }
  return out;
}

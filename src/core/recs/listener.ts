/**
 * What a listener's own signals say at request time: their taste as track weights (folded into the
 * model's item space on the spot, so a play written a second ago counts), their skips, what they heard
 * and when, and which artists they play at this hour of the day.
 */
import type { ListenerSignals } from './catalogue.js';
import { confidence, type IalsModel, solveSymmetric } from './ials.js';

/** The signals' thresholds and weights (docs/recommendations.md, "Signals"), for the fit and the fold-in. */
/** A play heard at least this long is a positive signal (the royalty rule's threshold). */
export const HEARD_MS = 30_000;
/** A play left before this is a skip: a signal against the track. */
export const SKIPPED_MS = 10_000;
/** What saving a track weighs, in plays heard to the end. */
export const SAVE_WEIGHT = 2;
/** What adding a track to a playlist weighs, for the listener who added it. */
export const PLAYLIST_ADD_WEIGHT = 1;
/** A followed artist's most popular tracks each weigh this much in the listener's taste… */
export const FOLLOW_WEIGHT = 0.5;
/** … this many of them. */
export const FOLLOW_TRACKS = 3;
/** A skip's weight against the track in the fold-in (preference 0 at this confidence). */
export const SKIP_WEIGHT = 2;
/** Hours either side of now that count as "this hour" in the hour-of-day profile. */
export const HOUR_SPAN = 1;
/** Plays of an artist needed before their hour-of-day profile is believed. */
export const HOUR_MIN_PLAYS = 3;
/**
 * Stated genres weigh STATED_HALF_AT / (STATED_HALF_AT + n), n the listener's evidence (tracks
 * in their taste plus followed artists): 1 with nothing heard, ½ at this many, ⅕ at four times it.
 */
export const STATED_HALF_AT = 10;

export interface ListenerState {
  /** Track → taste weight (plays heard, saves). */
  taste: Map<string, number>;
  heard: Set<string>;
  skipped: Set<string>;
  skippedArtists: Map<string, number>;
  lastPlayed: Map<string, number>;
  followed: Set<string>;
  hourAffinity: Map<string, number>;
  /** Genres the listener picked themselves, lower case. */
  statedGenres: string[];
  /** Changes whenever a new play, save or follow is written: keys the cached live vector. */
  fingerprint: string;
}

export function listenerState(
  signals: ListenerSignals,
  artistsOf: (trackId: string) => readonly string[],
  now: number,
): ListenerState {
  const taste = new Map<string, number>();
  const heard = new Set<string>();
  const heardLong = new Set<string>();
  const shortOnly = new Set<string>();
  const lastPlayed = new Map<string, number>();
  for (const p of signals.plays) {
    heard.add(p.trackId);
    if (!lastPlayed.has(p.trackId)) lastPlayed.set(p.trackId, p.at);
    if (p.listenedMs >= HEARD_MS) {
      heardLong.add(p.trackId);
      const share = Math.min(1, p.listenedMs / Math.max(p.durationMs, HEARD_MS));
      taste.set(p.trackId, (taste.get(p.trackId) ?? 0) + share);
    } else if (p.listenedMs < SKIPPED_MS) shortOnly.add(p.trackId);
  }
  for (const t of signals.saved) taste.set(t, (taste.get(t) ?? 0) + SAVE_WEIGHT);
  const saved = new Set(signals.saved);
  const skipped = new Set([...shortOnly].filter((t) => !heardLong.has(t) && !saved.has(t)));
  const skippedArtists = new Map<string, number>();
  for (const t of skipped) for (const a of artistsOf(t)) skippedArtists.set(a, (skippedArtists.get(a) ?? 0) + 1);

  const newest = signals.plays[0];
  return {
    taste,
    heard,
    skipped,
    skippedArtists,
    lastPlayed,
    followed: new Set(signals.followedArtists),
    hourAffinity: hourAffinity(signals, artistsOf, now),
    statedGenres: signals.statedGenres.map((g) => g.toLowerCase()),
    fingerprint: [
      signals.plays.length,
      newest?.at ?? 0,
      newest?.listenedMs ?? 0,
      newest?.trackId ?? '',
      signals.saved.length,
      signals.saved[0] ?? '',
      signals.followedArtists.length,
    ].join(':'),
  };
}

/** How much the listener's stated genres still count (1 → 0) as their own listening accumulates. */
export function statedGenreWeight(state: Pick<ListenerState, 'taste' | 'followed' | 'statedGenres'>): number {
  if (state.statedGenres.length === 0) return 0;
  return STATED_HALF_AT / (STATED_HALF_AT + state.taste.size + state.followed.size);
}

/**
 * Per artist, how much more of their plays fall within HOUR_SPAN hours of the current UTC hour than an
 * even spread would put there: (share − even) / (1 − even), 0 when not more. UTC on both sides, so the
 * listener's time zone cancels out.
 */
function hourAffinity(signals: ListenerSignals, artistsOf: (t: string) => readonly string[], now: number) {
  const hour = new Date(now).getUTCHours();
  const total = new Map<string, number>();
  const near = new Map<string, number>();
  for (const p of signals.plays) {
    if (p.listenedMs < HEARD_MS) continue;
    const h = new Date(p.at).getUTCHours();
    const distance = Math.min(Math.abs(h - hour), 24 - Math.abs(h - hour));
    for (const a of artistsOf(p.trackId)) {
      total.set(a, (total.get(a) ?? 0) + 1);
      if (distance <= HOUR_SPAN) near.set(a, (near.get(a) ?? 0) + 1);
    }
  }
  const even = (2 * HOUR_SPAN + 1) / 24;
  const out = new Map<string, number>();
  for (const [a, n] of total) {
    if (n < HOUR_MIN_PLAYS) continue;
    const share = (near.get(a) ?? 0) / n;
    if (share > even) out.set(a, (share - even) / (1 - even));
  }
  return out;
}

/**
 * The listener's vector against the model's item factors, solved exactly: liked items pull it toward
 * them (preference 1 at their confidence), skipped items push it away (preference 0 at SKIP_WEIGHT's
 * confidence), which moves a skipped track's close neighbours down too.
 */
export function foldInSigned(
  model: IalsModel,
  liked: Int32Array,
  likedWeights: Float32Array,
  disliked: Int32Array,
): Float64Array {
  const f = model.params.factors;
  const y = model.itemFactors;
  const a = model.itemGram.slice();
  const b = new Float64Array(f);
  const addOuter = (o: number, w: number) => {
    for (let p = 0; p < f; p++) {
      const yp = y[o + p]! * w;
      for (let q = 0; q < f; q++) a[p * f + q]! += yp * y[o + q]!;
    }
  };
  for (let s = 0; s < liked.length; s++) {
    const o = liked[s]! * f;
    const c = confidence(model.params, likedWeights[s]!);
    for (let p = 0; p < f; p++) b[p]! += c * y[o + p]!;
    addOuter(o, c - 1);
  }
  const cSkip = confidence(model.params, SKIP_WEIGHT);
  for (const item of disliked) addOuter(item * f, cSkip - 1);
  return solveSymmetric(a, b, f);
}

/**
 * THE ranking formula of search, in one place.
 *
 *   score = weights.text       × textScore
 *         + weights.popularity × popularity / 100
 *         + weights.affinity   × affinity            (0..1, from the listener; 0 when unknown)
 *         + weights.freshness  × freshness(releaseDate, now)
 *
 * Items not available in the requested market are excluded before ranking; so are items failing a filter.
 *
 * textScore (about 0..3) rewards how well the query's words match the item:
 * - each query word takes its best match among the item's words, MATCH[kind] × FIELD[field]:
 *   exact > prefix (the word being typed) > one typo > a typo'd prefix > two typos; the name and the
 *   artists weigh the same per word (typing a title's start or an artist's name is as good a guess:
 *   measured, a lighter artist field loses more than it gains), the name wins through COMPLETE, both
 *   outweigh the album; words of a title's tail ("- Remastered 2011", "(feat. X)") count a little less
 *   than its core. The words' mean is the base of the score.
 * - bonuses, the same for every type so scores compare across types:
 *   EXACT_WORDS (1) when every word matched without a typo (in full search: whole, not as a prefix), so
 *   an item needing a typo never outranks one that needs none;
 *   COMPLETE when the query covers every word of the name's core ("hello" for "Hello - Live"), in
 *   full search, where the query is finished (typeahead lets popularity order the titles a prefix
 *   starts);
 *   START when, in typeahead, the query's words, in order and each on a word of its own, are the first
 *   words of the name or of an artist ("bohemian rh" for "Bohemian Rhapsody", "queen" for Queen's
 *   tracks, "queen bohem" across both); more when the whole query begins one of them;
 *   ARTIST_COMPLETE when the query covers all of an artist's name ("queen" is not "Queens of the Stone
 *   Age"; an artist's own name counts); in typeahead only with whole words and when the query says
 *   more than the name ("cayucas cayu"), so that "astr" is not taken for the artist ASTR alone;
 *   ORDER, a small one, for consecutive query words matched in order in the same group;
 *   and an OVERLAP penalty for query words whose only matches other query words already cover
 *   ("cayucas cayu" on a track by Cayucas whose title does not start with "cayu").
 *   Coverage counts each query word once per group of words (the name's core, each artist's name): a
 *   word given twice covers two ("очень очень" for "Очень, очень").
 * A bonus larger than weights.popularity outranks any difference of popularity: popularity orders the
 * items of one kind of match, it does not lift a worse match above a better one.
 *
 * Readings of the query other than the typed one (memory-search/readings.ts) are scored with the same
 * formula: a word that a space slip made ("bythe" read as "by the", "waterr uns" as "water runs") counts
 * SPACE_SLIP of its match, and such a reading never has EXACT_WORDS, as it needed an edit; when every word
 * of it matched without a typo it has SLIP_WORDS instead (half as much, still more than weights.popularity):
 * a slip keeps every letter typed, so its reading outranks any reading needing a typo, and the words as
 * typed outrank it. A partial match
 * (every word of the query but one matched, answered only when no item matched them all) scores
 * `partialDrop(weights)` below its formula's score, so it sorts below any full match, in every type.
 *
 * Versions: when the query names none (no remix, live, remaster, edit, a year …), an original recording
 * ranks above its versions ("Jingle Bells - 1999 - Remaster", "Song (Live at X)", same core title and
 * first artist) when its score is within `versionMargin(weights)` below theirs, as if about
 * VERSION_POPULARITY points of popularity apart were equal: it is put right above its best version, and
 * nothing else moves. A much more popular version still ranks first (memory-search/search.ts).
 *
 * freshness = 2^(−age / 14 days): a new-release boost, 1 on release day (and for future dates), ½ after
 * two weeks, nearly gone after two months; 0 when the date is unknown.
 */
import type { RankingWeights } from '../../ports/search-index.js';

export const DEFAULT_WEIGHTS: RankingWeights = { text: 1, popularity: 0.35, affinity: 0.5, freshness: 0.03 };

/** How a query word matched an item's word (index into MATCH). */
export const EXACT = 0;
export const PREFIX = 1;
/** A whole word that only matched as the prefix of a longer one (full search's last word). */
export const PREFIX_OF_COMPLETE = 2;
export const TYPO1 = 3;
export const TYPO_PREFIX = 4;
export const TYPO2 = 5;
export const MATCH: readonly number[] = [1, 0.99, 0.55, 0.6, 0.5, 0.45];

/** Fields of an item (index into FIELD). */
export const NAME = 0;
export const ARTISTS = 1;
export const ALBUM = 2;
export const FIELD: readonly number[] = [1, 1, 0.5];
/** Factor on a word of a title's tail. */
export const TAIL = 0.8;
/** Factor on a word that a space slip made (two typed words read as one, one read as two, a space moved). */
export const SPACE_SLIP = 0.8;

export interface Bonuses {
  exactWords: number;
  /** SLIP_WORDS: every word of a reading with a space slip mended matched without a typo. */
  slipWords: number;
  complete: number;
  /** ARTIST_COMPLETE counts only words matched whole (typeahead: "cayucas" covers Cayucas, "cayu" not). */
  wholeWordCoverage: boolean;
  /** ARTIST_COMPLETE only when the query says more than the artist's name ("cayucas cayu"). */
  artistNeedsMore: boolean;
  start: number;
  /** More for START within one group: the whole query begins the name or one artist's name. */
  oneGroupStart: number;
  artistComplete: number;
  /** A penalty, times the share of query words that only matched words other query words cover. */
  overlap: number;
  order: number;
}
export const FULL_SEARCH_BONUSES: Bonuses = {
  exactWords: 1,
  slipWords: 0.5,
  complete: 0.4,
  wholeWordCoverage: false,
  artistNeedsMore: false,
  start: 0,
  oneGroupStart: 0,
  artistComplete: 0.15,
  overlap: 0.2,
  order: 0.03,
};
export const TYPEAHEAD_BONUSES: Bonuses = {
  exactWords: 1,
  slipWords: 0.5,
  complete: 0,
  wholeWordCoverage: true,
  artistNeedsMore: true,
  start: 0.4,
  oneGroupStart: 0.3,
  artistComplete: 0.15,
  overlap: 0.2,
  order: 0.03,
};

export interface TextMatch {
  /** Every query word matched without a typo (and, in full search, whole). */
  exactWords: boolean;
  /** The same, in a reading with a space slip mended. */
  slipWords: boolean;
  /** Sum over query words of their best MATCH × FIELD (× TAIL). */
  matchSum: number;
  words: number;
  complete: boolean;
  start: boolean;
  oneGroupStart: boolean;
  artistComplete: boolean;
  /** Share of query words whose matches other query words already cover, 0..1. */
  overlap: number;
  /** Share of consecutive word pairs matched in order, 0..1. */
  inOrder: number;
}

export function textScore(m: TextMatch, bonuses: Bonuses): number {
  return (
    m.matchSum / m.words +
    (m.exactWords ? bonuses.exactWords : 0) +
    (m.slipWords ? bonuses.slipWords : 0) +
    (m.complete ? bonuses.complete : 0) +
    (m.start ? bonuses.start : 0) +
    (m.oneGroupStart ? bonuses.oneGroupStart : 0) +
    (m.artistComplete ? bonuses.artistComplete : 0) -
    bonuses.overlap * m.overlap +
    bonuses.order * m.inOrder
  );
}

const DAY_MS = 86_400_000;
const HALF_LIFE_DAYS = 14;

/** `releaseDay` in days since 1970-01-01 (null when unknown). */
export function freshness(releaseDay: number | null, now: number): number {
  if (releaseDay === null) return 0;
  const age = now / DAY_MS - releaseDay;
  return age <= 0 ? 1 : 2 ** (-age / HALF_LIFE_DAYS);
}

export function rankScore(
  weights: RankingWeights,
  text: number,
  popularity: number,
  affinity: number,
  fresh: number,
): number {
  return (
    weights.text * text +
    (weights.popularity * popularity) / 100 +
    weights.affinity * affinity +
    weights.freshness * fresh
  );
}

/** How much more popular than its original a version may be and still rank below it. */
export const VERSION_POPULARITY = 20;

export function versionMargin(weights: RankingWeights): number {
  return (weights.popularity * VERSION_POPULARITY) / 100;
}

/**
 * How far below its formula's score a partial match is put: more than the formula's whole range (a text
 * score stays under 4), so the best partial match sorts below the worst full one whatever the weights.
 */
export function partialDrop(weights: RankingWeights): number {
  return 5 * weights.text + weights.popularity + weights.affinity + weights.freshness;
}

/**
 * A request turned into what every segment needs: the query words (free text and field filters, each
 * with its prefix and typo allowance), the other filters as lookup tables, and the name key for exact
 * title lookups.
 *
 * Prefix rule: in typeahead (`prefix: true`) the last free-text word may be incomplete, so it matches
 * the words it begins (PREFIX, nearly as good as exact), and every other word of 3+ characters (or a lone
 * CJK character) may be cut short too: it also matches as a prefix of longer words, with a low score
 * (PREFIX_OF_COMPLETE, below one typo) and only in the second tier, after every match of whole words.
 * "bohe rhap" finds Bohemian Rhapsody, "ade hello" Adele's Hello, while "the" still ranks "The Cure"
 * before "Theory". Shorter words must be whole: a prefix of one or two letters matches too much.
 *
 * In full search the query is finished: every word must match whole or with typos, but the last word of
 * 3+ characters still matches as a prefix, second tier, which helps queries cut short. Only when that
 * finds nothing does every word get that allowance (`widened`: "bohem rhapsody"), so the common query
 * does not pay for the wider ranges.
 *
 * Typos (typos.ts): one edit from 4 characters, two from 8. A word of three letters gets one edit ("ths"
 * for "this", "kil" for "kill") only beside another free-text word (alone it would match hundreds of
 * short words), only when it is not a common word of the index (in fewer than COMMON_SHORT documents:
 * "the", "you" or "one" typed right mean themselves), and only once the query's words as typed found
 * nothing whole in any type (`withShortTypos`, tried by index.ts): a query that found its track does
 * not pay for the many short words one letter away. Like every typo, it ranks after whole words.
 *
 * Other readings of the same words: `respellings` (readings.ts) reads space slips; `partials` drops one
 * word when nothing matched them all (index.ts says when each is tried).
 */
import { analyze, isCjkToken } from '../../core/search/normalize.js';
import type { Bonuses } from '../../core/search/ranking.js';
import {
  ALBUM as ALBUM_FIELD,
  ARTISTS,
  FULL_SEARCH_BONUSES,
  NAME,
  TYPEAHEAD_BONUSES,
} from '../../core/search/ranking.js';
import { SEARCH_TYPES, type SearchRequest } from '../../ports/search-index.js';
import { findWord, hashString } from './arrays.js';
import { nameKey } from './prepare.js';
import { type Segment, START_WORDS } from './segment.js';
import type { Tables } from './tables.js';
import { maxTypos } from './typos.js';
import { namesVersion } from './versions.js';

export const NO_PREFIX = 0;
export const TYPEAHEAD = 1;
export const WHOLE_WORD_PREFIX = 2;

/** Where a query word comes from, which decides the fields it may match. */
const TEXT = 0;
const ARTIST_FILTER = 1;
const ALBUM_FILTER = 2;
const TRACK_FILTER = 3;

export interface Term {
  text: string;
  prefix: number;
  typos: number;
  source: number;
  /** Factor on the word's match: 1, or SPACE_SLIP for a word a space slip made (readings.ts). */
  weight: number;
  /** Typed as one word with the next term ("bythe" → by, the): the document must have them side by side. */
  glued: boolean;
}

export interface Plan {
  terms: Term[];
  /** Hash of the free-text words, to find names equal to the query (null without free text). */
  nameKey: number | null;
  /** Typeahead: hash of the complete words (up to three) names must begin with (null: none)… */
  startKey: number | null;
  /** …which are these terms. */
  startWords: number[];
  textWords: string[];
  /** Per index-wide genre: allowed (null: no genre filter). */
  genres: Uint8Array | null;
  yearFrom: number;
  yearTo: number;
  /** Release day range (inclusive) for tag:new; null without it. */
  newFrom: number | null;
  newTo: number;
  /** Per market set: available (null: no market given). */
  markets: Uint8Array | null;
  bonuses: Bonuses;
  typeahead: boolean;
  /** A reading of the query with a space slip mended (readings.ts): SLIP_WORDS, never EXACT_WORDS. */
  respelt: boolean;
  /** The query names no version (versions.ts): an original ranks above its versions of about its score. */
  originalsFirst: boolean;
  /** Terms of three letters that may take one edit when the words as typed find nothing (`withShortTypos`). */
  shortTypos: number[];
}

const DAY_MS = 86_400_000;
const NEW_DAYS = 14;

/** A 3-letter word in at least this many documents is taken as meant: it gets no typo. */
export const COMMON_SHORT = 50;

export function planRequest(request: SearchRequest, tables: Tables, segments: readonly Segment[]): Plan {
  // A word said twice stays twice: "la la land" covers two words of La La Land.
  const terms: Term[] = [];
  const textWords = parts(request.text ?? '');
  const shortTypos: number[] = [];
  const add = (text: string, prefix: number, source: number) => {
    const short =
      textWords.length >= 2 &&
      source === TEXT &&
      maxTypos(text, true) > maxTypos(text) &&
      documentsWith(segments, text) < COMMON_SHORT;
    if (short) shortTypos.push(terms.length);
    terms.push({ text, prefix, typos: maxTypos(text), source, weight: 1, glued: false });
  };
  textWords.forEach((word, i) => {
    const last = i === textWords.length - 1;
    let prefix = NO_PREFIX;
    if (request.prefix && last) prefix = TYPEAHEAD;
    else if ((request.prefix || last) && cutShort(word)) prefix = WHOLE_WORD_PREFIX;
    add(word, prefix, TEXT);
  });
  const { filters } = request;
  for (const word of parts(filters.artist ?? '')) add(word, NO_PREFIX, ARTIST_FILTER);
  for (const word of parts(filters.album ?? '')) add(word, NO_PREFIX, ALBUM_FILTER);
  for (const word of parts(filters.track ?? '')) add(word, NO_PREFIX, TRACK_FILTER);

  const nowDay = Math.floor(request.now / DAY_MS);
  const plan: Plan = {
    terms,
    nameKey: null,
    startKey: null,
    startWords: [],
    textWords,
    genres: filters.genre ? tables.genresMatching(filters.genre) : null,
    yearFrom: filters.yearFrom ?? 0,
    yearTo: filters.yearTo ?? 65535,
    newFrom: filters.tagNew ? nowDay - NEW_DAYS : null,
    newTo: nowDay,
    markets: request.market ? tables.availableIn(request.market) : null,
    bonuses: request.prefix ? TYPEAHEAD_BONUSES : FULL_SEARCH_BONUSES,
    typeahead: request.prefix,
    respelt: false,
    originalsFirst: !namesVersion([...textWords, ...parts(filters.track ?? '')], request.prefix),
    shortTypos,
  };
  return withKeys(plan);
}

/** The plan with one edit allowed in its uncommon 3-letter words; null when it has none. */
export function withShortTypos(plan: Plan): Plan | null {
  if (plan.shortTypos.length === 0) return null;
  const terms = plan.terms.map((term, t) =>
    plan.shortTypos.includes(t) ? { ...term, typos: maxTypos(term.text, true) } : term,
  );
  return { ...plan, terms, shortTypos: [] };
}

/** The plan with its lookup keys (exact name, typeahead start) worked out from its free-text words. */
function withKeys(plan: Plan): Plan {
  const { textWords } = plan;
  const startWords = plan.typeahead ? Math.min(START_WORDS, textWords.length - 1) : 0;
  plan.nameKey = textWords.length > 0 ? nameKey(textWords.map(wordHash)) : null;
  plan.startKey = startWords > 0 ? nameKey(textWords.slice(0, startWords).map(wordHash)) : null;
  plan.startWords = Array.from({ length: startWords }, (_, i) => i);
  return plan;
}

/**
 * The plan with other free-text terms (the filters' terms kept): a reading of the query with a space
 * slip mended (`respelt`), or with a word left out (a partial reading).
 */
export function withText(plan: Plan, text: Term[], respelt: boolean): Plan {
  const rest = plan.terms.filter((t) => t.source !== TEXT);
  const textWords = text.map((t) => t.text);
  const terms = [...text, ...rest];
  return withKeys({ ...plan, terms, textWords, respelt: plan.respelt || respelt, shortTypos: [] });
}

/** A free-text term. */
export function textTerm(text: string, prefix: number, weight: number, glued: boolean): Term {
  return { text, prefix, typos: 0, source: TEXT, weight, glued };
}

/** The free-text terms of a plan, in query order (they come first). */
export function textTerms(plan: Plan): Term[] {
  return plan.terms.filter((t) => t.source === TEXT);
}

/** Documents having `word`, in all segments (deleted ones included: an estimate). */
export function documentsWith(segments: readonly Segment[], word: string): number {
  let n = 0;
  for (const segment of segments) {
    const w = findWord(segment.dict, word);
    if (w >= 0) n += segment.postingOffsets[w + 1]! - segment.postingOffsets[w]!;
  }
  return n;
}

/** Whether a word may stand for a longer one it begins: three characters or more, or a CJK character. */
function cutShort(word: string): boolean {
  return word.length >= 3 || isCjkToken(word);
}

/** The plan with every free-text word that may be cut short matching as a prefix too; null if none gains. */
export function widened(plan: Plan): Plan | null {
  let gained = false;
  const terms = plan.terms.map((term) => {
    if (term.source !== TEXT || term.prefix !== NO_PREFIX || !cutShort(term.text)) return term;
    gained = true;
    return { ...term, prefix: WHOLE_WORD_PREFIX };
  });
  return gained ? { ...plan, terms } : null;
}

function wordHash(word: string): number {
  return hashString(word) | 0;
}

function parts(text: string): string[] {
  const out: string[] = [];
  for (const token of analyze(text)) if (token.span === 1) out.push(token.text);
  return out;
}

const ALL_FIELDS = (1 << NAME) | (1 << ARTISTS) | (1 << ALBUM_FIELD);

/**
 * The fields a word may match in documents of a type, as a bit mask (0: the type cannot satisfy it).
 * `artist:` looks at an artist's own name; `album:` at an album's name or a track's album; `track:` only
 * at tracks' names.
 */
export function fieldMask(term: Term, type: number): number {
  const name = SEARCH_TYPES[type];
  switch (term.source) {
    case TEXT:
      return ALL_FIELDS;
    case ARTIST_FILTER:
      return name === 'artist' ? 1 << NAME : 1 << ARTISTS;
    case ALBUM_FILTER:
      return name === 'album' ? 1 << NAME : name === 'track' ? 1 << ALBUM_FIELD : 0;
    default:
      return name === 'track' ? 1 << NAME : 0;
  }
}

export function isFree(term: Term): boolean {
  return term.source === TEXT;
}

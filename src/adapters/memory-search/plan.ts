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
import { hashString } from './arrays.js';
import { nameKey } from './prepare.js';
import { START_WORDS } from './segment.js';
import type { Tables } from './tables.js';
import { maxTypos } from './typos.js';

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
}

const DAY_MS = 86_400_000;
const NEW_DAYS = 14;

export function planRequest(request: SearchRequest, tables: Tables): Plan {
  // A word said twice stays twice: "la la land" covers two words of La La Land.
  const terms: Term[] = [];
  const add = (text: string, prefix: number, source: number) => {
    terms.push({ text, prefix, typos: maxTypos(text), source });
  };
  const textWords = parts(request.text ?? '');
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
  const startWords = request.prefix ? Math.min(START_WORDS, textWords.length - 1) : 0;
  return {
    terms,
    nameKey: textWords.length > 0 ? nameKey(textWords.map(wordHash)) : null,
    startKey: startWords > 0 ? nameKey(textWords.slice(0, startWords).map(wordHash)) : null,
    startWords: Array.from({ length: startWords }, (_, i) => i),
    textWords,
    genres: filters.genre ? tables.genresMatching(filters.genre) : null,
    yearFrom: filters.yearFrom ?? 0,
    yearTo: filters.yearTo ?? 65535,
    newFrom: filters.tagNew ? nowDay - NEW_DAYS : null,
    newTo: nowDay,
    markets: request.market ? tables.availableIn(request.market) : null,
    bonuses: request.prefix ? TYPEAHEAD_BONUSES : FULL_SEARCH_BONUSES,
    typeahead: request.prefix,
  };
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

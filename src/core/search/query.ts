/**
 * The `q` parameter: free text plus Spotify's field filters. `artist:adele`, `artist:"mötley crüe"`,
 * `album:`, `track:` and `genre:` take a word or a quoted phrase; `year:1990` or `year:1990-1999`;
 * `tag:new` (released in the last two weeks). Filter names ignore case. A filter repeated adds its words
 * (`artist:` twice requires both); a repeated `year:` or `genre:` keeps the last. Anything else — an
 * unknown `foo:bar`, a filter with nothing after the colon — stays plain text.
 */
import type { SearchFilters } from '../../ports/search-index.js';
import { Invalid } from '../errors.js';

export const MAX_QUERY_LENGTH = 500;

export interface ParsedQuery {
  /** The free text, words separated by single spaces. */
  text: string;
  filters: SearchFilters;
}

const FILTER = /^(artist|album|track|genre|year|tag):/i;
const YEAR = /^(\d{4})(?:-(\d{4}))?$/;
const TAGS = ['new'];

export function parseQuery(q: string): ParsedQuery {
  const query = q.trim();
  if (query === '') throw new Invalid('q must not be empty', 'q');
  if (query.length > MAX_QUERY_LENGTH) throw new Invalid(`q must be at most ${MAX_QUERY_LENGTH} characters`, 'q');

  const words: string[] = [];
  const filters: SearchFilters = {};
  let i = 0;
  while (i < query.length) {
    while (i < query.length && /\s/.test(query[i]!)) i++;
    if (i >= query.length) break;
    const rest = query.slice(i);
    const name = FILTER.exec(rest)?.[1]?.toLowerCase();
    if (name !== undefined) {
      const { value, end } = readValue(query, i + name.length + 1);
      if (value !== '') {
        applyFilter(filters, name, value);
        i = end;
        continue;
      }
    }
    const { value, end } = readValue(query, i);
    words.push(value);
    i = end;
  }
  const text = words.join(' ').trim();
  if (text === '' && Object.keys(filters).length === 0) throw new Invalid('q must contain words or filters', 'q');
  return { text, filters };
}

/** A word up to the next white space, or a quoted phrase (the quotes removed) when it starts with `"`. */
function readValue(query: string, start: number): { value: string; end: number } {
  if (query[start] === '"') {
    const close = query.indexOf('"', start + 1);
    const end = close < 0 ? query.length : close + 1;
    return { value: query.slice(start + 1, close < 0 ? query.length : close).trim(), end };
  }
  let end = start;
  while (end < query.length && !/\s/.test(query[end]!)) end++;
  return { value: query.slice(start, end), end };
}

function applyFilter(filters: SearchFilters, name: string, value: string): void {
  switch (name) {
    case 'artist':
    case 'album':
    case 'track': {
      const previous = filters[name];
      filters[name] = previous ? `${previous} ${value}` : value;
      return;
    }
    case 'genre':
      filters.genre = value;
      return;
    case 'year': {
      const m = YEAR.exec(value);
      if (!m) throw new Invalid(`year must be a year or a range of years like 1990-1999 (got "${value}")`, 'q');
      const from = Number(m[1]);
      const to = m[2] === undefined ? from : Number(m[2]);
      if (from > to) throw new Invalid(`year range ${value} ends before it starts`, 'q');
      filters.yearFrom = from;
      filters.yearTo = to;
      return;
    }
    case 'tag':
      if (!TAGS.includes(value.toLowerCase())) {
        throw new Invalid(`tag must be one of ${TAGS.join(', ')} (got "${value}")`, 'q');
      }
      filters.tagNew = true;
      return;
  }
}

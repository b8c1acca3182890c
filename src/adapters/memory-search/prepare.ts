/**
 * SearchDoc → batch rows. Names are analysed once per distinct string (an album's name and an artist's
 * name recur on every track), titles split into core and tail, words interned into the batch.
 */
import { analyzeInto, splitTitle, type Token, type TokenSink } from '../../core/search/normalize.js';
import { ALBUM, ARTISTS, NAME } from '../../core/search/ranking.js';
import type { SearchDoc } from '../../ports/search-index.js';
import { IntList } from './arrays.js';
import { type DocBatch, TYPE_NUMBER } from './batch.js';
import { AsciiTokenizer, type WordSink } from './intern.js';
import { NO_DAY, packMeta } from './segment.js';
import type { Tables } from './tables.js';

const DAY_MS = 86_400_000;

/** The hash under which a name's core words are filed, from the words' own hashes (`hashString`). */
export function nameKey(wordHashes: readonly number[]): number {
  let h = 0x811c9dc5;
  for (let w = 0; w < wordHashes.length; w++) {
    h = Math.imul(h ^ wordHashes[w]!, 0x01000193);
    h ^= h >>> 15;
  }
  return h >>> 0;
}

/** Release date → its year (0 when unknown or malformed). */
export function parseYear(date: string | null): number {
  if (!date || date.length < 4) return 0;
  const year = digits(date, 0, 4);
  return year > 0 && (date.length === 4 || date[4] === '-') ? year : 0;
}

/** Release date → days since 1970-01-01 (a year or month alone: its first day); NO_DAY when unknown. */
export function parseDay(date: string | null): number {
  const year = parseYear(date);
  if (year === 0) return NO_DAY;
  const month = date!.length >= 7 ? Math.min(12, Math.max(1, digits(date!, 5, 7))) : 1;
  const day = date!.length >= 10 ? Math.min(31, Math.max(1, digits(date!, 8, 10))) : 1;
  return Math.floor(Date.UTC(year, month - 1, day) / DAY_MS);
}

/** The number written by date[from..to), or −1 when it is not all digits. */
function digits(date: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = date.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

export function clampPopularity(p: number): number {
  return Number.isFinite(p) ? Math.max(0, Math.min(100, Math.round(p))) : 0;
}

export class Preparer implements TokenSink, WordSink {
  /** Analysed strings: album names (as titles) and artist names recur on every track. */
  private readonly titles = new Map<string, number>();
  private readonly names = new Map<string, number>();
  private readonly genres = new Map<string, number>();
  // Tracks share their album's markets, genres and date: worked out again only when they change.
  private lastMarkets: readonly string[] | null = null;
  private lastMarketSet = 0;
  private lastGenres: readonly string[] | null = null;
  private lastGenreIds: number[] = [];
  private lastDate: string | null = null;
  private lastYear = 0;
  private lastDay = NO_DAY;
  private readonly start = new IntList();
  private readonly count = new IntList();
  private readonly hash = new IntList();
  private readonly cacheWords = new IntList();
  private readonly cacheMetas = new IntList();
  /** Where the analysis being done goes, and the field and group bits of its metas. */
  private words = this.cacheWords;
  private metas = this.cacheMetas;
  private extra = 0;
  /** While analysing: whether in a tail, the core's words, the tail's part count. */
  private tail = 0;
  private tailParts = 0;
  /** Hashes of the core's words. */
  private readonly core: number[] = [];
  private readonly ascii: AsciiTokenizer;

  constructor(
    private readonly batch: DocBatch,
    private readonly tables: Tables,
  ) {
    this.ascii = new AsciiTokenizer(batch.interner);
  }

  add(doc: SearchDoc): void {
    const type = TYPE_NUMBER.get(doc.type);
    if (type === undefined) throw new Error(`unknown search type ${doc.type}`);
    const batch = this.batch;
    const date = doc.releaseDate ?? null;
    if (date !== this.lastDate) {
      this.lastDate = date;
      this.lastYear = parseYear(date);
      this.lastDay = parseDay(date);
    }
    batch.ids.push(doc.id);
    batch.begin(
      type,
      clampPopularity(doc.popularity),
      this.lastYear,
      this.lastDay,
      this.marketSet(doc.markets ?? null),
      0,
    );
    // An album's and an artist's name recur (on tracks): analysed once. A track's own title is rarely
    // shared: analysed straight into the batch.
    const cache = doc.type === 'album' ? this.titles : doc.type === 'artist' ? this.names : null;
    let nameHash: number;
    if (cache === null) nameHash = this.analyzeInto(doc.name ?? '', true, batch.forwardWords, batch.forwardMeta, NAME);
    else {
      const name = this.entry(doc.name ?? '', true, cache);
      nameHash = this.hash.data[name]!;
      this.emit(name, NAME, 0);
    }
    batch.nameHash.data[batch.size - 1] = nameHash;
    const artists = doc.artists ?? [];
    for (let a = 0; a < artists.length; a++) this.emit(this.entry(artists[a]!, false, this.names), ARTISTS, a);
    if (doc.album) this.emit(this.entry(doc.album, true, this.titles), ALBUM, 0);
    const genres = this.genreIds(doc.genres ?? []);
    for (let g = 0; g < genres.length; g++) batch.addGenre(genres[g]!);
    batch.end();
  }

  private genreIds(genres: readonly string[]): number[] {
    if (genres === this.lastGenres) return this.lastGenreIds;
    const ids: number[] = [];
    for (const genre of genres) {
      let id = this.genres.get(genre);
      if (id === undefined) {
        id = this.tables.genre(genre);
        this.genres.set(genre, id);
      }
      ids.push(id);
    }
    this.lastGenres = genres;
    this.lastGenreIds = ids;
    return ids;
  }

  private marketSet(markets: readonly string[] | null): number {
    if (markets === null) return 0;
    // Tracks share their album's list: ask the table only when it changes.
    if (markets !== this.lastMarkets) {
      this.lastMarkets = markets;
      this.lastMarketSet = this.tables.marketSet(markets);
    }
    return this.lastMarketSet;
  }

  private emit(entry: number, field: number, group: number): void {
    const from = this.start.data[entry]!;
    const to = from + this.count.data[entry]!;
    const extra = field | (Math.min(group, 31) << 3);
    const words = this.cacheWords.data;
    const metas = this.cacheMetas.data;
    for (let i = from; i < to; i++) this.batch.addWord(words[i]!, metas[i]! | extra);
  }

  /** The analysis of a string (split into core and tail when it is a title), cached in `cache`. */
  private entry(text: string, title: boolean, cache: Map<string, number>): number {
    const cached = cache.get(text);
    if (cached !== undefined) return cached;
    const id = this.start.length;
    const from = this.words.length;
    this.start.push(from);
    const hash = this.analyzeInto(text, title, this.words, this.metas, 0);
    this.count.push(this.words.length - from);
    this.hash.push(hash);
    cache.set(text, id);
    return id;
  }

  /**
   * Analyses `text` (a title: its core, then its tail) onto `words` and `metas`, with `extra` (field and
   * group) in each meta; returns the key of its core words (`nameKey`).
   */
  private analyzeInto(text: string, title: boolean, words: IntList, metas: IntList, extra: number): number {
    const from = words.length;
    this.words = words;
    this.metas = metas;
    this.extra = extra;
    this.core.length = 0;
    this.tail = 0;
    let tailFrom = -1;
    if (title) {
      const { core, tail } = splitTitle(text);
      this.analyze(core);
      if (tail) {
        tailFrom = words.length;
        this.tail = 1;
        this.tailParts = 0;
        this.analyze(tail);
      }
    } else this.analyze(text);
    // Every word learns how many parts its core (or tail) has.
    const coreLength = Math.min(this.core.length, 127) << 20;
    const tailLength = Math.min(this.tailParts, 127) << 20;
    const to = words.length;
    const data = metas.data;
    for (let i = from; i < to; i++) data[i]! |= tailFrom >= 0 && i >= tailFrom ? tailLength : coreLength;
    this.words = this.cacheWords;
    this.metas = this.cacheMetas;
    return nameKey(this.core) | 0;
  }

  private analyze(text: string): void {
    if (!this.ascii.run(text, this)) analyzeInto(text, this);
  }

  token(text: string, pos: number, span: number): void {
    this.word(this.batch.word(text), pos, span);
  }

  word(id: number, pos: number, span: number): void {
    if (span === 1) {
      if (this.tail === 0) this.core.push(this.batch.interner.hashOf(id));
      else this.tailParts++;
    }
    this.words.push(id);
    this.metas.push(packMeta(0, this.tail, 0, pos, span, 0) | this.extra);
  }
}

/** The parts of a text (its tokens but aliases), in order. */
export function parts(tokens: readonly Token[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) if (tokens[i]!.span === 1) out.push(tokens[i]!.text);
  return out;
}

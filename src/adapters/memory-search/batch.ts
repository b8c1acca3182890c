/**
 * Documents on their way into a segment, as columns: the load path and upserts fill a batch from
 * SearchDocs (prepare.ts), merges fill one from existing segments; build.ts turns it into a segment.
 * Words are interned into batch-local numbers in order of appearance.
 */
import { SEARCH_TYPES, type SearchType } from '../../ports/search-index.js';
import { IntList } from './arrays.js';
import { WordInterner } from './intern.js';
import { PackedBuilder } from './packed.js';

export const TYPE_NUMBER = new Map<SearchType, number>(SEARCH_TYPES.map((t, i) => [t, i]));

export class DocBatch {
  readonly interner = new WordInterner();
  /** Document ids, packed: `begin` is preceded by pushing the document's id here. */
  readonly ids = new PackedBuilder();
  readonly types = new IntList();
  readonly popularity = new IntList();
  readonly year = new IntList();
  readonly day = new IntList();
  readonly market = new IntList();
  readonly nameHash = new IntList();
  readonly genreOffsets = new IntList();
  readonly genres = new IntList();
  readonly forwardOffsets = new IntList();
  readonly forwardWords = new IntList();
  readonly forwardMeta = new IntList();

  constructor(expected = 1024) {
    for (const list of [this.types, this.popularity, this.year, this.day, this.market, this.nameHash]) {
      list.grow(expected);
    }
    // Sized for typical documents up front: growing a large typed array makes the GC work harder.
    this.genreOffsets.grow(expected + 1);
    this.forwardOffsets.grow(expected + 1);
    this.genres.grow(expected * 2);
    this.forwardWords.grow(expected * 8);
    this.forwardMeta.grow(expected * 8);
    this.genreOffsets.push(0);
    this.forwardOffsets.push(0);
  }

  get size(): number {
    return this.types.length;
  }

  get words(): string[] {
    return this.interner.words;
  }

  word(text: string): number {
    return this.interner.intern(text);
  }

  /** The batch number of a word (−1 if absent). */
  wordId(text: string): number {
    return this.interner.find(text);
  }

  /** Opens a document (its id pushed onto `ids` first); its words and genres follow, then `end()`. */
  begin(type: number, popularity: number, year: number, day: number, market: number, nameHash: number): void {
    this.types.push(type);
    this.popularity.push(popularity);
    this.year.push(year);
    this.day.push(day);
    this.market.push(market);
    this.nameHash.push(nameHash | 0);
  }

  addWord(word: number, meta: number): void {
    this.forwardWords.push(word);
    this.forwardMeta.push(meta);
  }

  addGenre(genre: number): void {
    this.genres.push(genre);
  }

  end(): void {
    this.forwardOffsets.push(this.forwardWords.length);
    this.genreOffsets.push(this.genres.length);
  }
}

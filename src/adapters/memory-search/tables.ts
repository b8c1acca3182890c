/**
 * Index-wide tables shared by all segments: genres and market sets are interned once (a track carries
 * its album's genres and markets, so there are few distinct values), and a document stores numbers.
 */
import { foldText, tokenize } from '../../core/search/normalize.js';

/** The tables as plain data, in id order: what another thread needs to rebuild them identically. */
export interface TablesData {
  genres: string[];
  marketSets: (string[] | null)[];
}

export class Tables {
  readonly genreNames: string[] = [];
  readonly genreWords: string[][] = [];
  private readonly genreIds = new Map<string, number>();
  /** Market sets; 0 is "everywhere" (null). */
  readonly marketSets: (ReadonlySet<string> | null)[] = [null];
  private readonly marketIds = new Map<string, number>();
  private readonly availability = new Map<string, Uint8Array>();

  /** Tables with the same ids as those `data` was exported from. */
  static from(data: TablesData): Tables {
    const tables = new Tables();
    for (const name of data.genres) {
      tables.genreIds.set(name, tables.genreNames.length);
      tables.genreNames.push(name);
      tables.genreWords.push(tokenize(name));
    }
    for (const markets of data.marketSets.slice(1)) {
      const list = markets ?? [];
      tables.marketIds.set(list.length === 1 ? list[0]! : [...list].sort().join(','), tables.marketSets.length);
      tables.marketSets.push(new Set(list));
    }
    return tables;
  }

  export(): TablesData {
    return { genres: [...this.genreNames], marketSets: this.marketSets.map((set) => (set === null ? null : [...set])) };
  }

  genre(name: string): number {
    const folded = foldText(name);
    let id = this.genreIds.get(folded);
    if (id === undefined) {
      id = this.genreNames.length;
      this.genreNames.push(folded);
      this.genreWords.push(tokenize(folded));
      this.genreIds.set(folded, id);
    }
    return id;
  }

  marketSet(markets: readonly string[] | null): number {
    if (markets === null) return 0;
    const key = markets.length === 1 ? markets[0]! : [...markets].sort().join(',');
    let id = this.marketIds.get(key);
    if (id === undefined) {
      id = this.marketSets.length;
      this.marketSets.push(new Set(markets.map(upper)));
      this.marketIds.set(key, id);
    }
    return id;
  }

  /** Per market set: 1 when it includes `market`. Cached per market, extended as sets are added. */
  availableIn(market: string): Uint8Array {
    const code = market.toUpperCase();
    let table = this.availability.get(code);
    if (table === undefined || table.length < this.marketSets.length) {
      table = new Uint8Array(this.marketSets.length);
      for (let i = 0; i < table.length; i++) {
        const set = this.marketSets[i];
        table[i] = set === null || set === undefined || set.has(code) ? 1 : 0;
      }
      this.availability.set(code, table);
    }
    return table;
  }

  /**
   * Per genre: 1 when it matches `filter`: every word of the filter is a word of the genre
   * (`genre:rock` matches "rock" and "classic rock"; `genre:"hip hop"` matches "southern hip hop").
   */
  genresMatching(filter: string): Uint8Array {
    const wanted = tokenize(filter);
    const table = new Uint8Array(this.genreNames.length);
    for (let g = 0; g < table.length; g++) {
      const words = this.genreWords[g]!;
      let all = wanted.length > 0;
      for (const w of wanted) if (!words.includes(w)) all = false;
      table[g] = all ? 1 : 0;
    }
    return table;
  }
}

function upper(s: string): string {
  return s.toUpperCase();
}

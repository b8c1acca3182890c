/**
 * The in-memory search index (SearchIndex port).
 *
 * Documents live in segments of typed arrays (segment.ts, built by build.ts from prepared batches):
 * a sorted dictionary, postings in document order (documents are numbered by type, then by descending
 * popularity), a forward index of each document's words with field and position, a typo index, big
 * prefixes with their best documents, and keys of exact names and name starts. `load` builds one main
 * segment; upserts and removals go to small segments and deletion marks, merged as they grow, large
 * merges on a worker thread (store.ts, merger.ts).
 *
 * A search is planned once (plan.ts), each word expanded against each segment's dictionary (expand.ts;
 * expansions are kept per segment for later queries), candidates found by key (lookups.ts) and by
 * scanning the cheapest word's postings in popularity order (scan.ts), scored by the Matcher (match.ts)
 * and ranked with core/search/ranking.ts (search.ts). Other readings of the query (space slips mended,
 * a word left out) are tried when the query as typed finds too little (readings.ts). On worker threads:
 * pool.ts.
 * `total` is exact when the scans read every candidate, else an estimate (search.ts says how).
 */
import { DEFAULT_WEIGHTS } from '../../core/search/ranking.js';
import type {
  RankingWeights,
  SearchDoc,
  SearchIndex,
  SearchRequest,
  SearchResults,
  SearchType,
} from '../../ports/search-index.js';
import { TYPE_NUMBER } from './batch.js';
import { unpackInSlices } from './merge.js';
import { type Plan, planRequest, widened, withShortTypos } from './plan.js';
import { partials, respellings } from './readings.js';
import { type MoreReadings, Reading, searchType } from './search.js';
import type { Segment } from './segment.js';
import { type LoadedStore, SegmentStore, type StoreOptions } from './store.js';

export interface MemorySearchOptions extends StoreOptions {
  weights?: RankingWeights;
}

export class MemorySearchIndex implements SearchIndex {
  private readonly weights: RankingWeights;
  private readonly store: SegmentStore;

  constructor(options: MemorySearchOptions = {}) {
    this.weights = { ...DEFAULT_WEIGHTS, ...options.weights };
    this.store = new SegmentStore(options);
  }

  /** Whether a large merge is running on the worker thread (searches are answered meanwhile). */
  get merging(): boolean {
    return this.store.mergingInBackground;
  }

  /** Resolves once no merge is running (tests and benchmarks wait for one to finish). */
  settled(): Promise<void> {
    return this.store.settled();
  }

  /** Stops the merge worker. */
  close(): Promise<void> {
    return this.store.close();
  }

  load(docs: SearchDoc[]): void {
    this.store.load(docs);
  }

  /** After `load`: the index as a message for `adopt` on another thread (pool.ts). */
  exportLoaded(): LoadedStore {
    return this.store.exportLoaded();
  }

  /** Takes over an index another thread loaded, sharing its columns on shared memory. */
  async adopt(loaded: LoadedStore): Promise<void> {
    this.store.adopt(loaded, await unpackInSlices(loaded.main.dictPacked));
  }

  upsert(docs: SearchDoc[]): void {
    this.store.upsert(docs);
  }

  remove(type: SearchType, ids: string[]): void {
    this.store.remove(type, ids);
  }

  count(type: SearchType): number {
    return this.store.count(type);
  }

  /**
   * A search tries, in turn, until one step finds something in some type asked:
   * 1. the query as planned (plan.ts). In a type where its words as typed find nothing whole (tier 1),
   *    also its space slips mended (readings.ts `respellings`) and one edit in its uncommon 3-letter
   *    words (plan.ts `withShortTypos`), beside its typos (search.ts);
   * 2. in full search, every word allowed to be cut short (plan.ts `widened`: "bohem rhapsody");
   * 3. partial readings, each leaving one word out (readings.ts `partials`), scored below any full match.
   * A query that finds its words never pays for the later readings and steps. A caller that splits a
   * search in parts (pool.ts) decides as a whole with `request.cutShort`: false runs step 1 alone; true
   * says that step 1 found nothing in the whole query, and runs the later steps (in typeahead too).
   */
  search(request: SearchRequest): SearchResults {
    const segments = this.store.segments;
    const plan = planRequest(request, this.store.tables, segments);
    if (request.cutShort === false) return this.searchWith([plan], request, true, false);
    let results: SearchResults | null = null;
    if (request.cutShort !== true) {
      results = this.searchWith([plan], request, true, false);
      if (foundAny(results)) return results;
    }
    let last = withShortTypos(plan) ?? plan;
    const wide = request.prefix ? null : widened(last);
    if (wide !== null) {
      results = this.searchWith([wide], request, false, false);
      if (foundAny(results)) return results;
      last = wide;
    }
    const readings = partials(last, segments);
    if (readings.length > 0) return this.searchWith(readings, request, false, true);
    return results ?? this.searchWith([], request, false, false);
  }

  /**
   * Every type asked, searched with `plans` as its first readings (several: side by side). With `more`,
   * a type where they find nothing whole tries the other readings of the first plan too.
   */
  private searchWith(plans: Plan[], request: SearchRequest, more: boolean, partial: boolean): SearchResults {
    const segments = this.store.segments;
    const { filters } = request;
    const filtered =
      filters.genre !== undefined ||
      filters.yearFrom !== undefined ||
      filters.yearTo !== undefined ||
      filters.tagNew === true;
    const results: SearchResults = {};
    const main = plans[0];
    const searchable = main !== undefined && (main.terms.length > 0 || filtered);
    const first = searchable ? plans.map((p) => new Reading(p, segments)) : [];
    let others: MoreReadings | null | undefined;
    const other = () => {
      if (others === undefined) others = more && main !== undefined ? otherReadings(main, segments) : null;
      return others;
    };
    const { weights } = this;
    for (const type of new Set(request.types)) {
      const typeNumber = TYPE_NUMBER.get(type);
      if (typeNumber === undefined) continue;
      results[type] = searchable
        ? searchType({ type, typeNumber, first, partial, segments, request, weights }, other)
        : { items: [], total: 0 };
    }
    return results;
  }
}

/** The readings tried when the words as typed find nothing whole: space slips, typos in short words. */
function otherReadings(plan: Plan, segments: Segment[]): MoreReadings {
  const short = withShortTypos(plan);
  return {
    slips: respellings(plan, segments).map((p) => new Reading(p, segments)),
    shortTypos: short === null ? null : new Reading(short, segments),
  };
}

function foundAny(results: SearchResults): boolean {
  return Object.values(results).some((r) => r.total > 0);
}

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
 * and ranked with core/search/ranking.ts (search.ts). On worker threads: pool.ts.
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
import { expansionOf } from './expand.js';
import { unpackInSlices } from './merge.js';
import { type Plan, planRequest, widened } from './plan.js';
import { Matchers, searchType } from './search.js';
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
   * A full search whose words found nothing whole, in every type asked, is asked again with every word
   * allowed to be cut short (plan.ts, `cutShort`): "bohem rhapsody". A query that finds anything never
   * pays for those wider ranges.
   */
  search(request: SearchRequest): SearchResults {
    const plan = planRequest(request, this.store.tables);
    if (request.prefix || request.cutShort === false) return this.searchWith(plan, request);
    if (request.cutShort === true) return this.searchWith(widened(plan) ?? plan, request);
    const results = this.searchWith(plan, request);
    if (Object.values(results).some((r) => r.total > 0)) return results;
    const wide = widened(plan);
    return wide === null ? results : this.searchWith(wide, request);
  }

  private searchWith(plan: Plan, request: SearchRequest): SearchResults {
    const segments = this.store.segments;
    const { filters } = request;
    const filtered =
      filters.genre !== undefined ||
      filters.yearFrom !== undefined ||
      filters.yearTo !== undefined ||
      filters.tagNew === true;
    const results: SearchResults = {};
    const searchable = plan.terms.length > 0 || filtered;
    const expansions = searchable ? segments.map((s) => plan.terms.map((t) => expansionOf(s, t))) : [];
    const matchers = new Matchers(plan, expansions);
    const { weights } = this;
    for (const type of new Set(request.types)) {
      const typeNumber = TYPE_NUMBER.get(type);
      if (typeNumber === undefined) continue;
      results[type] = searchable
        ? searchType({ type, typeNumber, plan, segments, expansions, matchers, request, weights })
        : { items: [], total: 0 };
    }
    return results;
  }
}

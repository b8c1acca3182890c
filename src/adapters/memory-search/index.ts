/**
 * The in-memory search index (SearchIndex port): segments of typed arrays (segment.ts, build.ts) kept
 * by store.ts, queries planned once (plan.ts), expanded against each segment's dictionary (expand.ts),
 * scanned per type (scan.ts, match.ts) and ranked with core/search/ranking.ts (search.ts).
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
import { Expansion } from './expand.js';
import { planRequest } from './plan.js';
import { searchType } from './search.js';
import { SegmentStore } from './store.js';

export interface MemorySearchOptions {
  weights?: RankingWeights;
}

export class MemorySearchIndex implements SearchIndex {
  private readonly weights: RankingWeights;
  private readonly store = new SegmentStore();

  constructor(options: MemorySearchOptions = {}) {
    this.weights = { ...DEFAULT_WEIGHTS, ...options.weights };
  }

  load(docs: SearchDoc[]): void {
    this.store.load(docs);
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

  search(request: SearchRequest): SearchResults {
    const plan = planRequest(request, this.store.tables);
    const segments = this.store.segments;
    const { filters } = request;
    const filtered =
      filters.genre !== undefined ||
      filters.yearFrom !== undefined ||
      filters.yearTo !== undefined ||
      filters.tagNew === true;
    const results: SearchResults = {};
    const searchable = plan.terms.length > 0 || filtered;
    const expansions = searchable ? segments.map((s) => plan.terms.map((t) => new Expansion(s, t))) : [];
    for (const type of new Set(request.types)) {
      const typeNumber = TYPE_NUMBER.get(type);
      if (typeNumber === undefined) continue;
      results[type] = searchable
        ? searchType({ type, typeNumber, plan, segments, expansions, request, weights: this.weights })
        : { items: [], total: 0 };
    }
    return results;
  }
}

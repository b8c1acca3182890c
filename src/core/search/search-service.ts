import type { Logger } from 'pino';
import {
  type AffinityScores,
  SEARCH_TYPES,
  type SearchIndex,
  type SearchResults,
  type SearchType,
} from '../../ports/search-index.js';
import type { User } from '../accounts/types.js';
import type { AlbumSummary, Artist, CatalogRepository, Page, Track } from '../catalog/types.js';
import { Invalid } from '../errors.js';
import type { Playlist, PlaylistRepository } from '../playlists/repository.js';
import { tokenize } from './normalize.js';
import { parseQuery } from './query.js';
import type { CatalogChange, CatalogChanges, SearchDocSource } from './types.js';

export interface SearchParams {
  q: string;
  type: string;
  limit: number;
  offset: number;
  /** A market code; absent means the listener's own country. */
  market?: string;
}

/** One page per requested type; types without catalogue data yet (shows, episodes, audiobooks) come back empty. */
export interface SearchPages {
  track?: Page<Track>;
  artist?: Page<Artist>;
  album?: Page<AlbumSummary>;
  /** Public playlists only. */
  playlist?: Page<Playlist>;
  show?: Page<never>;
  episode?: Page<never>;
  audiobook?: Page<never>;
}

export type Suggestion =
  | { type: 'track'; item: Track }
  | { type: 'artist'; item: Artist }
  | { type: 'album'; item: AlbumSummary };

/** Where a listener's affinity comes from (saved items, history); none is known until those exist. */
export type AffinitySource = (user: User) => Promise<AffinityScores | undefined>;

const FLUSH_DELAY_MS = 50;

export function parseTypes(raw: string): SearchType[] {
  const types = raw.split(',').map((t) => t.trim());
  const unknown = types.find((t) => !SEARCH_TYPES.includes(t as SearchType));
  if (unknown !== undefined || types.length === 0) {
    throw new Invalid(`type must list some of ${SEARCH_TYPES.join(', ')} (got "${unknown ?? raw}")`, 'type');
  }
  return [...new Set(types as SearchType[])];
}

/**
 * Search: the query goes to the in-memory index, whose hits are hydrated from the catalog. The index
 * is loaded from the database at start and kept current from the catalog change stream: a change is
 * searchable (or gone) after a short debounce plus one read of the changed documents.
 */
export class SearchService {
  private pending = new Map<string, CatalogChange>();
  private flushTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private stopFeed: (() => Promise<void>) | undefined;

  constructor(
    private readonly index: SearchIndex,
    private readonly source: SearchDocSource,
    private readonly changes: CatalogChanges,
    private readonly catalog: CatalogRepository,
    private readonly playlists: Pick<PlaylistRepository, 'byIds'>,
    private readonly logger: Logger,
    private readonly affinity: AffinitySource = async () => undefined,
  ) {}

  /** Loads the index and follows the change stream; resolves once searchable, with the load's figures. */
  async start(): Promise<{ documents: number; ms: number }> {
    this.stopFeed = await this.changes.subscribe(
      (batch) => this.enqueue(batch),
      () => void this.reload().catch((err) => this.logger.error({ err }, 'search index reload failed')),
    );
    return this.reload();
  }

  async stop(): Promise<void> {
    clearTimeout(this.flushTimer);
    await this.stopFeed?.();
    await this.flushing;
    await this.index.close?.();
  }

  /**
   * Loads every document, in turn with the flushes of changes: a change announced while the snapshot is
   * read is flushed after the load, so the load cannot put back what the change replaced.
   */
  private reload(): Promise<{ documents: number; ms: number }> {
    const loaded = this.flushing.then(() => this.loadAll());
    this.flushing = loaded.then(
      () => undefined,
      () => undefined,
    );
    return loaded;
  }

  private async loadAll(): Promise<{ documents: number; ms: number }> {
    const started = performance.now();
    const docs = await this.source.all();
    this.index.load(docs);
    const figures = { documents: docs.length, ms: Math.round(performance.now() - started) };
    this.logger.info(figures, 'search index loaded');
    return figures;
  }

  private enqueue(batch: CatalogChange[]): void {
    for (const change of batch) this.pending.set(`${change.kind}:${change.id}`, change);
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      this.flushing = this.flushing
        .then(() => this.flush())
        .catch((err) => this.logger.error({ err }, 'search index update failed'));
    }, FLUSH_DELAY_MS);
  }

  /** Re-reads every document the changes touch; those no longer visible leave the index. */
  private async flush(): Promise<void> {
    const changes = [...this.pending.values()];
    this.pending.clear();
    if (changes.length === 0) return;
    const ids = await this.source.dependents(changes.filter((c) => c.kind !== 'playlist'));
    const playlistIds = changes.filter((c) => c.kind === 'playlist').map((c) => c.id);
    const [tracks, albums, artists, playlists] = await Promise.all([
      this.source.tracks(ids.tracks),
      this.source.albums(ids.albums),
      this.source.artists(ids.artists),
      this.source.playlists(playlistIds),
    ]);
    for (const [type, wanted, found] of [
      ['track', ids.tracks, tracks],
      ['album', ids.albums, albums],
      ['artist', ids.artists, artists],
      ['playlist', playlistIds, playlists],
    ] as const) {
      const present = new Set(found.map((d) => d.id));
      const gone = wanted.filter((id) => !present.has(id));
      if (gone.length > 0) this.index.remove(type, gone);
      if (found.length > 0) this.index.upsert(found);
    }
  }

  async search(user: User, params: SearchParams): Promise<SearchPages> {
    const types = parseTypes(params.type);
    const results = await this.query(user, params.q, types, params.limit, params.offset, false, params.market);
    return this.hydrate(results, types);
  }

  /** Typeahead: the single best match and the top few per type for a partial query. */
  async suggest(
    user: User,
    q: string,
    limit: number,
    market?: string,
  ): Promise<{ best: Suggestion | null } & SearchPages> {
    const types: SearchType[] = [...SEARCH_TYPES];
    const results = await this.query(user, q, types, limit, 0, true, market);
    const pages = await this.hydrate(results, types);
    // The best match is the top item whose own name the query spells (the artist "Adele" for "adel",
    // not Adele's most popular track); scores break ties. Without such an item, the best score wins.
    const words = tokenize(parseQuery(q).text);
    const spells = (name: string) => {
      const tokens = tokenize(name);
      return words.length > 0 && words.every((w) => tokens.some((t) => t.startsWith(w)));
    };
    let best: Suggestion | null = null;
    let bestRank = [-1, Number.NEGATIVE_INFINITY];
    for (const type of ['track', 'artist', 'album'] as const) {
      const top = results[type]?.items[0];
      const item = pages[type]?.items.find((x) => x.id === top?.id);
      if (!top || !item) continue;
      const rank = [spells(item.name) ? 1 : 0, top.score];
      if (rank[0]! > bestRank[0]! || (rank[0] === bestRank[0] && rank[1]! > bestRank[1]!)) {
        bestRank = rank;
        best = { type, item } as Suggestion;
      }
    }
    return { best, ...pages };
  }

  private async query(
    user: User,
    q: string,
    types: SearchType[],
    limit: number,
    offset: number,
    prefix: boolean,
    market?: string,
  ) {
    const { text, filters } = parseQuery(q);
    return await this.index.search({
      text,
      filters,
      types,
      limit,
      offset,
      market: market ?? user.country,
      prefix,
      affinity: await this.affinity(user),
      now: Date.now(),
    });
  }

  private async hydrate(results: SearchResults, types: SearchType[]): Promise<SearchPages> {
    const ids = (type: SearchType) => results[type]?.items.map((h) => h.id) ?? [];
    const [tracks, artists, albums, playlists] = await Promise.all([
      types.includes('track') ? this.catalog.tracks(ids('track')) : [],
      types.includes('artist') ? this.catalog.artists(ids('artist')) : [],
      types.includes('album') ? this.catalog.albums(ids('album')) : [],
      types.includes('playlist') ? this.playlists.byIds(ids('playlist')) : [],
    ]);
    // Keep the index's order; an item that vanished between the two reads is dropped.
    const ordered = <T extends { id: string }>(type: SearchType, items: T[]): Page<T> => {
      const byId = new Map(items.map((i) => [i.id, i]));
      const list = ids(type).flatMap((id) => byId.get(id) ?? []);
      return { items: list, total: results[type]?.total ?? 0 };
    };
    const pages: SearchPages = {};
    for (const type of types) {
      if (type === 'track') pages.track = ordered('track', tracks);
      else if (type === 'artist') pages.artist = ordered('artist', artists);
      else if (type === 'album') pages.album = ordered('album', albums);
      // One made private since the index last heard of it is left out.
      else if (type === 'playlist')
        pages.playlist = ordered(
          'playlist',
          playlists.filter((p) => p.public),
        );
      else pages[type] = { items: [], total: results[type]?.total ?? 0 };
    }
    return pages;
  }
}

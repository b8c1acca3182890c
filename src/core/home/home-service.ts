import { createHash } from 'node:crypto';
import type { JobQueue } from '../../ports/job-queue.js';
import type { Recommendations } from '../../ports/recommendations.js';
import type { AlbumSummary, Artist, CatalogRepository, Page } from '../catalog/types.js';
import type { ListeningService } from '../events/listening-service.js';
import type { Playlist, PlaylistRepository } from '../playlists/repository.js';
import { daysBefore, utcDay } from './periods.js';
import type { HomeReads, MadeForYouStore } from './types.js';

export type HomeItem =
  | { type: 'album'; album: AlbumSummary }
  | { type: 'playlist'; playlist: Playlist }
  | { type: 'artist'; artist: Artist };

export interface HomeSection {
  id: string;
  title: string;
  items: HomeItem[];
}

export const MADE_FOR_YOU_JOB = 'made-for-you';
export const MADE_FOR_YOU_SWEEP_JOB = 'made-for-you-sweep';
export interface MadeForYouPayload {
  userId: string;
  /** Build the Daily Mixes again even when today's are made (the listener changed their genres). */
  remixToday?: boolean;
}
export interface MadeForYouSweepPayload {
  day: string;
}

const SHELF = 10;
/** Jump back in: contexts played at least this often 2 to 60 days ago, and not in the last 2 days. */
export const JUMP_BACK_IN = { fromDays: 60, toDays: 2, minPlays: 3, limit: SHELF };
/** New releases of followed artists from this many days back. */
const FOLLOWED_RELEASE_DAYS = 28;
/** An album counts as already known (not recommended again) after this many plays of its tracks. */
const KNOWN_AFTER_PLAYS = 3;
/** Generated playlists are kept for listeners who played something in this many days. */
export const ACTIVE_DAYS = 28;

const SHARED_TTL_MS = 60_000;
/** Popular near you: streams in the listener's market over 28 days, of albums 3 listeners or more played. */
const NEAR_DAYS = 28;
const NEAR_MIN_LISTENERS = 3;

const KIND_ORDER = { 'discover-weekly': 0, 'daily-mix': 1, 'release-radar': 2 } as const;

function parseUri(uri: string): { type: string; id: string } | null {
  const m = /^cadenza:(album|playlist|artist):([0-9A-Za-z]{22})$/.exec(uri);
  return m ? { type: m[1]!, id: m[2]! } : null;
}

/**
 * The personalised home (Spotify's: recently played, made for you, jump back in, your top artists,
 * recommended albums, new releases) and the listener's made-for-you shelf. Home is the first request
 * of a session, so every read runs at once; a shelf that is missing or from an earlier day is rebuilt
 * by a background job, and the request answers with what exists.
 */
export class HomeService {
  private readonly sharedLists = new Map<string, { at: number; value: Promise<unknown> }>();

  constructor(
    private readonly reads: HomeReads,
    private readonly store: MadeForYouStore,
    private readonly catalog: CatalogRepository,
    private readonly playlists: PlaylistRepository,
    private readonly listening: ListeningService,
    private readonly recs: Recommendations,
    private readonly jobs: { queue: JobQueue; poke(): void },
    private readonly now: () => number = Date.now,
  ) {}

  async home(userId: string, market: string): Promise<HomeSection[]> {
    const today = utcDay(this.now());
    const [recent, jump, top, shelf, followed, recommended, newest, popularAll, near] = await Promise.all([
      this.reads.recentContexts(userId, SHELF),
      this.reads.jumpBackIn(userId, JUMP_BACK_IN),
      this.topArtists(userId),
      this.shelf(userId, today),
      this.reads.followedReleases(userId, daysBefore(this.now(), FOLLOWED_RELEASE_DAYS), SHELF, market),
      this.recommendedAlbums(userId, market),
      this.shared(`newest:${market}`, () => this.catalog.newestAlbums(SHELF, 0, market)),
      this.shared(`popular:${market}`, () => this.reads.popularAlbums(SHELF, market)),
      this.shared(`near:${market}`, () => this.reads.popularNear(market, NEAR_DAYS, NEAR_MIN_LISTENERS, SHELF)),
    ]);
    // Someone with nothing played lately still gets the catalogue's most popular albums.
    const popular = recent.length > 0 || top.length > 0 ? [] : popularAll;
    const resolve = await this.resolver(
      userId,
      [...recent, ...jump].map((c) => c.uri),
      [...followed, ...recommended, ...popular, ...near],
    );
    const albums = (ids: string[]) => resolve.items(ids.map((id) => `cadenza:album:${id}`));
    const sections: HomeSection[] = [
      { id: 'recently-played', title: 'Recently played', items: resolve.items(recent.map((c) => c.uri)) },
      {
        id: 'made-for-you',
        title: 'Made for you',
        items: shelf.map((playlist): HomeItem => ({ type: 'playlist', playlist })),
      },
      { id: 'jump-back-in', title: 'Jump back in', items: resolve.items(jump.map((c) => c.uri)) },
      { id: 'new-releases-for-you', title: 'New releases for you', items: albums(followed) },
      {
        id: 'top-artists',
        title: 'Your top artists',
        items: top.map((artist): HomeItem => ({ type: 'artist', artist })),
      },
      { id: 'recommended-albums', title: 'Recommended for today', items: albums(recommended) },
      { id: 'popular-near-you', title: 'Popular near you', items: albums(near) },
      { id: 'popular-albums', title: 'Popular albums', items: albums(popular) },
      {
        id: 'new-releases',
        title: 'New releases',
        // Followed artists' releases are shown above already.
        items: newest.items
          .filter((a) => !followed.includes(a.id))
          .map((album): HomeItem => ({ type: 'album', album })),
      },
    ];
    return sections.filter((s) => s.items.length > 0);
  }

  /**
   * Catalogue-wide lists (the same for every listener in a market) are read at most once a minute:
   * home is every session's first request, and these scan the albums.
   */
  private shared<T>(key: string, read: () => Promise<T>): Promise<T> {
    const now = this.now();
    const hit = this.sharedLists.get(key);
    if (hit && now - hit.at < SHARED_TTL_MS) return hit.value as Promise<T>;
    const value = read();
    this.sharedLists.set(key, { at: now, value });
    value.catch(() => this.sharedLists.delete(key));
    return value;
  }

  /** The made-for-you shelf as a page, asking for a rebuild when it is stale. */
  async madeForYou(userId: string, limit: number, offset: number): Promise<Page<Playlist>> {
    const all = await this.shelf(userId, utcDay(this.now()));
    return { items: all.slice(offset, offset + limit), total: all.length };
  }

  private async shelf(userId: string, today: string): Promise<Playlist[]> {
    const [entries, lastRun] = await Promise.all([this.store.shelf(userId), this.store.lastRun(userId)]);
    if (lastRun !== today) void this.requestRefresh(userId, today);
    const playlists = new Map((await this.playlists.byIds(entries.map((e) => e.playlistId))).map((p) => [p.id, p]));
    return [...entries]
      .sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.slot - b.slot)
      .flatMap((e) => playlists.get(e.playlistId) ?? []);
  }

  /**
   * One job per listener and day, whoever asks first. A listener with no plays yet and no picked
   * genres has nothing to build from.
   */
  private async requestRefresh(userId: string, today: string): Promise<void> {
    try {
      const [listened, stated] = await Promise.all([
        this.reads.hasListened(userId),
        this.reads.hasStatedGenres(userId),
      ]);
      if (!listened && !stated) return;
      if (await this.enqueueRefresh(userId, today)) this.jobs.poke();
    } catch {
      // The next request asks again; home answers either way.
    }
  }

  private sweepTimer: NodeJS.Timeout | undefined;

  /**
   * Queues the day's sweep now and every hour (the worker role runs this). The job key is the UTC day,
   * so however many processes tick, each day's sweep runs once.
   */
  startDailySweep(everyMs = 3_600_000): void {
    if (this.sweepTimer) return;
    const tick = () => {
      const day = utcDay(this.now());
      const payload: MadeForYouSweepPayload = { day };
      this.jobs.queue.enqueue(MADE_FOR_YOU_SWEEP_JOB, `${MADE_FOR_YOU_SWEEP_JOB}:${day}`, payload).then(
        (added) => added && this.jobs.poke(),
        () => {},
      );
    };
    tick();
    this.sweepTimer = setInterval(tick, everyMs);
    this.sweepTimer.unref();
  }

  stopDailySweep(): void {
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
  }

  /** The daily sweep: one refresh job for every listener active lately. */
  async sweep(day: string): Promise<number> {
    let queued = 0;
    for (const userId of await this.store.activeListeners(ACTIVE_DAYS)) {
      if (await this.enqueueRefresh(userId, day)) queued++;
    }
    if (queued > 0) this.jobs.poke();
    return queued;
  }

  /**
   * The listener changed the genres they picked: their Daily Mixes (some made from those genres) are
   * made again now, even if today's refresh ran already. Keyed by the day and the genres, so saving
   * the same choice again queues nothing more.
   */
  async statedGenresChanged(userId: string, genres: readonly string[]): Promise<void> {
    const choice = createHash('sha256').update(JSON.stringify(genres)).digest('base64url').slice(0, 16);
    try {
      const key = `genres-${choice}`;
      if (await this.enqueueRefresh(userId, utcDay(this.now()), { remixToday: true, key })) this.jobs.poke();
    } catch {
      // The genres are saved either way; tomorrow's refresh makes the mixes from them.
    }
  }

  /** Queues a listener's refresh for the day; false when that day's job (`key` within it) is already queued. */
  private enqueueRefresh(
    userId: string,
    day: string,
    { remixToday, key }: { remixToday?: boolean; key?: string } = {},
  ): Promise<boolean> {
    const payload: MadeForYouPayload = remixToday ? { userId, remixToday } : { userId };
    const jobKey = `${MADE_FOR_YOU_JOB}:${userId}:${day}${key === undefined ? '' : `:${key}`}`;
    return this.jobs.queue.enqueue(MADE_FOR_YOU_JOB, jobKey, payload);
  }

  private async topArtists(userId: string): Promise<Artist[]> {
    const short = await this.listening.topArtists(userId, 'short_term', SHELF, 0);
    if (short.items.length > 0) return short.items;
    return (await this.listening.topArtists(userId, 'medium_term', SHELF, 0)).items;
  }

  /** Albums of the tracks the engine picks for the home, without those the listener saved or knows well. */
  private async recommendedAlbums(userId: string, market: string): Promise<string[]> {
    const trackIds = await this.recs.tracks({ userId, purpose: 'home', limit: 50, market });
    return (await this.reads.newAlbumsOf(userId, trackIds, KNOWN_AFTER_PLAYS)).slice(0, SHELF);
  }

  /**
   * Looks up every context at once. A playlist the listener may no longer read (made private since,
   * or someone else's shelf) is left out, as a 404 would leave it out.
   */
  private async resolver(userId: string, uris: string[], albumIds: string[]) {
    const ids = { album: new Set(albumIds), playlist: new Set<string>(), artist: new Set<string>() };
    for (const u of uris) {
      const p = parseUri(u);
      if (p) ids[p.type as keyof typeof ids].add(p.id);
    }
    const [albums, playlists, artists] = await Promise.all([
      this.catalog.albums([...ids.album]),
      this.playlists.byIds([...ids.playlist]),
      this.catalog.artists([...ids.artist]),
    ]);
    const readable = await Promise.all(
      playlists.map(async (p) =>
        p.public || p.owner.id === userId || p.madeFor === userId || (await this.playlists.isCollaborator(p.id, userId))
          ? [p]
          : [],
      ),
    );
    const byUri = new Map<string, HomeItem>([
      ...albums.map((album) => [`cadenza:album:${album.id}`, { type: 'album', album }] as const),
      ...readable
        .flat()
        .map((playlist) => [`cadenza:playlist:${playlist.id}`, { type: 'playlist', playlist }] as const),
      ...artists.map((artist) => [`cadenza:artist:${artist.id}`, { type: 'artist', artist }] as const),
    ]);
    return { items: (list: string[]) => list.flatMap((u) => byUri.get(u) ?? []) };
  }
}

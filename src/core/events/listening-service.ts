import type { Artist, CatalogRepository, Page, Track } from '../catalog/types.js';
import { Invalid } from '../errors.js';

export type TimeRange = 'short_term' | 'medium_term' | 'long_term';
export const TIME_RANGES: readonly TimeRange[] = ['short_term', 'medium_term', 'long_term'];

/**
 * Top lists weigh each day's listening, (plays + minutes listened), by 0.5^(age in days / half-life):
 * short_term looks at the last 4 weeks with a 7-day half-life, medium_term at 6 months with 30 days,
 * long_term at everything with a year. So within a range recent listening counts more, and a track
 * played through counts more than one skipped after a few seconds.
 */
export const RANGES: Record<TimeRange, { days: number | null; halfLifeDays: number }> = {
  short_term: { days: 28, halfLifeDays: 7 },
  medium_term: { days: 182, halfLifeDays: 30 },
  long_term: { days: null, halfLifeDays: 365 },
};

export interface HistoryRow {
  eventId: string;
  trackId: string;
  playedAt: number;
  contextUri: string | null;
}

export interface WrappedTotals {
  minutes: number;
  plays: number;
  trackIds: string[];
  artistIds: string[];
  genres: Array<{ name: string; minutes: number }>;
}

/** Reads of what the consumers derived; implemented in adapters/postgres. */
export interface ListeningReads {
  /** Newest first; `before`/`after` are exclusive bounds in UTC ms (with `after`, the plays just after it). */
  history(userId: string, options: { before?: number; after?: number; limit: number }): Promise<HistoryRow[]>;
  top(
    userId: string,
    kind: 'tracks' | 'artists',
    range: TimeRange,
    limit: number,
    offset: number,
  ): Promise<Page<string>>;
  wrapped(userId: string, year: number, limit: number): Promise<WrappedTotals>;
}

export interface PlayedItem {
  track: Track;
  playedAt: number;
  contextUri: string | null;
}

export interface Wrapped extends Omit<WrappedTotals, 'trackIds' | 'artistIds'> {
  year: number;
  tracks: Track[];
  artists: Artist[];
}

export const HISTORY_LIMIT = 50;
export const WRAPPED_TOP = 5;

/** Recently played, top artists and tracks, and the yearly Wrapped summary of one listener. */
export class ListeningService {
  constructor(
    private readonly reads: ListeningReads,
    private readonly catalog: CatalogRepository,
    private readonly now: () => number = Date.now,
  ) {}

  async recentlyPlayed(userId: string, options: { before?: number; after?: number; limit: number }) {
    if (options.before !== undefined && options.after !== undefined) {
      throw new Invalid('give before or after, not both', 'before');
    }
    const rows = await this.reads.history(userId, options);
    const tracks = await this.byId(rows.map((r) => r.trackId));
    return rows.flatMap((r): PlayedItem[] => {
      const track = tracks.get(r.trackId);
      return track ? [{ track, playedAt: r.playedAt, contextUri: r.contextUri }] : [];
    });
  }

  async topTracks(userId: string, range: TimeRange, limit: number, offset: number): Promise<Page<Track>> {
    const page = await this.reads.top(userId, 'tracks', range, limit, offset);
    const tracks = await this.byId(page.items);
    return { items: page.items.flatMap((id) => tracks.get(id) ?? []), total: page.total };
  }

  async topArtists(userId: string, range: TimeRange, limit: number, offset: number): Promise<Page<Artist>> {
    const page = await this.reads.top(userId, 'artists', range, limit, offset);
    const artists = new Map((await this.catalog.artists(page.items)).map((a) => [a.id, a]));
    return { items: page.items.flatMap((id) => artists.get(id) ?? []), total: page.total };
  }

  async wrapped(userId: string, year: number): Promise<Wrapped> {
    const thisYear = new Date(this.now()).getUTCFullYear();
    if (year < 2000 || year > thisYear) throw new Invalid(`year must be from 2000 to ${thisYear}`, 'year');
    const totals = await this.reads.wrapped(userId, year, WRAPPED_TOP);
    const [tracks, artists] = await Promise.all([this.byId(totals.trackIds), this.catalog.artists(totals.artistIds)]);
    const artistById = new Map(artists.map((a) => [a.id, a]));
    return {
      year,
      minutes: totals.minutes,
      plays: totals.plays,
      genres: totals.genres,
      tracks: totals.trackIds.flatMap((id) => tracks.get(id) ?? []),
      artists: totals.artistIds.flatMap((id) => artistById.get(id) ?? []),
    };
  }

  private async byId(ids: string[]): Promise<Map<string, Track>> {
    const tracks = await this.catalog.tracks([...new Set(ids)]);
    return new Map(tracks.map((t) => [t.id, t]));
  }
}

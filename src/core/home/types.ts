/** What the personalised home and the made-for-you playlists read and write; implemented in adapters/postgres. */

/** The system account that owns generated playlists (created by migration 022; nobody can sign in as it). */
export const SYSTEM_USER_ID = '0000000000000000000000';

export type MadeForYouKind = 'discover-weekly' | 'daily-mix' | 'release-radar';

/** A context (`cadenza:album|playlist|artist:<id>`) and how the listener played it. */
export interface ContextPlays {
  uri: string;
  lastPlayedAt: number;
  plays: number;
}

export interface HomeReads {
  /**
   * Contexts played most recently, distinct, newest first. A play started outside any context (a
   * single track from search) counts for the track's album, as Spotify's home shows it.
   */
  recentContexts(userId: string, limit: number): Promise<ContextPlays[]>;
  /**
   * Contexts played at least `minPlays` times between `fromDays` and `toDays` days ago and not at all
   * in the last `toDays` days, most played first.
   */
  jumpBackIn(
    userId: string,
    window: { fromDays: number; toDays: number; minPlays: number; limit: number },
  ): Promise<ContextPlays[]>;
  /** Whether the listener has any play in the listening history. */
  hasListened(userId: string): Promise<boolean>;
  /** Whether the listener picked any genres (the engine seeds their lists from them). */
  hasStatedGenres(userId: string): Promise<boolean>;
  /** Albums by artists the listener follows released on or after `since` (`YYYY-MM-DD`), newest first. */
  followedReleases(userId: string, since: string, limit: number, market: string): Promise<string[]>;
  /**
   * Albums most streamed in `market` in the last `days` days, counting only albums at least
   * `minListeners` different listeners streamed (so a small server does not show one person's taste).
   */
  popularNear(market: string, days: number, minListeners: number, limit: number): Promise<string[]>;
  /** The most popular published albums sold in `market`. */
  popularAlbums(limit: number, market: string): Promise<string[]>;
  /**
   * The albums of these tracks, distinct, in the tracks' order, without albums the listener saved or
   * played tracks of at least `minPlays` times.
   */
  newAlbumsOf(userId: string, trackIds: string[], minPlays: number): Promise<string[]>;
  /** The listener's country (their market). */
  market(userId: string): Promise<string>;
}

/** One generated playlist on a listener's shelf and the period its content belongs to. */
export interface ShelfEntry {
  kind: MadeForYouKind;
  /** 0 for Discover Weekly and Release Radar; 1…6 for Daily Mixes. */
  slot: number;
  playlistId: string;
  period: string;
}

export interface PlaylistLook {
  name: string;
  description: string;
  imageKey: string | null;
}

export interface MadeForYouStore {
  /** The listener's generated playlists: Discover Weekly, Daily Mix 1…n, Release Radar. */
  shelf(userId: string): Promise<ShelfEntry[]>;
  /** The UTC day (`YYYY-MM-DD`) the listener's shelf was last brought up to date, or null. */
  lastRun(userId: string): Promise<string | null>;
  /**
   * Runs `work` while no other refresh of this listener's shelf runs, in any process: two at once
   * (the day's refresh and one for newly picked genres) would each fill a new playlist for the same
   * slot, and the later would delete the one the listener may have open.
   */
  exclusively<T>(userId: string, work: () => Promise<T>): Promise<T>;
  finishRun(userId: string, day: string): Promise<void>;
  /** A new empty private playlist owned by the system account and made for the listener; its id. */
  createPlaylist(userId: string, look: PlaylistLook): Promise<string>;
  describe(playlistId: string, look: PlaylistLook): Promise<void>;
  /** Puts the playlist in its slot (replacing what was there) for the period. */
  place(userId: string, entry: ShelfEntry): Promise<void>;
  /** Deletes a generated playlist (and its slot). */
  remove(playlistId: string): Promise<void>;
  /** Listeners with at least one play in the last `days` days. */
  activeListeners(days: number): Promise<string[]>;
  /** Of `trackIds`, those the listener has ever started (a skip counts as heard). */
  playedAmong(userId: string, trackIds: string[]): Promise<Set<string>>;
  /** The listener's most played tracks by any of these artists, most played first. */
  familiarTracks(userId: string, artistIds: string[], limit: number): Promise<string[]>;
  /**
   * Tracks on albums released on or after `since` by artists the listener follows or has played,
   * at most `perAlbum` of each album, followed artists' first, then newest release.
   */
  releaseCandidates(userId: string, since: string, perAlbum: number, limit: number): Promise<string[]>;
}

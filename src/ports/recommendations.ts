/**
 * The recommendations port: what the surfaces (radio and autoplay, the personalised home, Discover
 * Weekly, Daily Mixes, Release Radar, playlist continuation, related artists) ask of the engine. The
 * engine keeps the fitted model, folds a listener's newest listens and skips in, retrieves candidates
 * and ranks them with the listener's context; a surface only says what it is for and what to leave out.
 */

/** What a list is for: the ranking stage weighs familiarity, freshness and diversity by purpose. */
export type RecsPurpose =
  | 'radio'
  | 'autoplay'
  | 'home'
  | 'discover-weekly'
  | 'daily-mix'
  | 'release-radar'
  | 'continuation';

export interface TrackRecsRequest {
  userId: string;
  purpose: RecsPurpose;
  /** How many track ids to return at most (fewer when the catalogue holds fewer that qualify). */
  limit: number;
  /** Seeds; with none, the listener's own taste is the seed. */
  seedTrackIds?: readonly string[];
  seedArtistIds?: readonly string[];
  seedGenres?: readonly string[];
  /** Tracks never to return (already in the playlist or the queue). */
  exclude?: readonly string[];
  /** Only tracks the listener has never played (Discover Weekly). */
  unheardOnly?: boolean;
  /** Only tracks whose album was released on or after this date, `YYYY-MM-DD` (Release Radar). */
  releasedSince?: string;
  /** The listener's market: tracks not available there are left out. */
  market?: string;
}

/** What one seed of a request brought: its candidates, and how many of them passed the filters. */
export interface SeedPool {
  id: string;
  type: 'TRACK' | 'ARTIST' | 'GENRE';
  initialPoolSize: number;
  afterFilteringSize: number;
}

export interface Recommendations {
  /** Playable track ids, best first. */
  tracks(request: TrackRecsRequest): Promise<string[]>;
  /** Artist ids whose listeners overlap most with this artist's, best first (Spotify's "Fans also like"). */
  relatedArtists(artistId: string, limit: number): Promise<string[]>;
  /**
   * The listener's taste in groups for Daily Mixes: each group a few artist ids that belong together
   * (listened by the same people), the group the listener plays most first.
   */
  tasteClusters(userId: string, maxClusters: number): Promise<string[][]>;
}

export interface ArtistRef {
  id: string;
  name: string;
}

export interface Artist extends ArtistRef {
  genres: string[];
  popularity: number;
  imageKey: string | null;
  /** How many listeners follow the artist. */
  followers: number;
}

export type AlbumType = 'album' | 'single' | 'compilation';

export interface AlbumSummary {
  id: string;
  name: string;
  albumType: AlbumType;
  releaseDate: string | null;
  releaseDatePrecision: 'year' | 'month' | 'day' | null;
  totalTracks: number;
  imageKey: string | null;
  artists: ArtistRef[];
  availableMarkets: string[] | null;
}

export interface Album extends AlbumSummary {
  label: string | null;
  upc: string | null;
  genres: string[];
  popularity: number;
}

export interface Track {
  id: string;
  name: string;
  album: AlbumSummary;
  artists: ArtistRef[];
  discNumber: number;
  trackNumber: number;
  durationMs: number;
  explicit: boolean;
  isrc: string | null;
  popularity: number;
  availableMarkets: string[] | null;
}

/** A genre as found in the tags of published albums. */
export interface Genre {
  name: string;
  albums: number;
  imageKey: string | null;
}

export interface Page<T> {
  items: T[];
  total: number;
}

/** Reads of what listeners may see: published albums' tracks whose media is ready. */
export interface CatalogRepository {
  tracks(ids: string[]): Promise<Track[]>;
  album(id: string): Promise<Album | undefined>;
  albums(ids: string[]): Promise<Album[]>;
  albumTracks(albumId: string, limit: number, offset: number): Promise<Page<Track>>;
  /** The first `limit` tracks of each album (albums without visible tracks are absent), in one read. */
  firstTracksOfAlbums(albumIds: string[], limit: number): Promise<Map<string, Page<Track>>>;
  artist(id: string): Promise<Artist | undefined>;
  artists(ids: string[]): Promise<Artist[]>;
  /** Only albums sold in `market`, when one is given. */
  artistAlbums(
    artistId: string,
    types: AlbumType[],
    limit: number,
    offset: number,
    market?: string,
  ): Promise<Page<AlbumSummary>>;
  /** The artist's most popular visible tracks, most popular first, then newest release. */
  artistTopTracks(artistId: string, limit: number): Promise<Track[]>;
  newestAlbums(limit: number, offset: number, market?: string): Promise<Page<AlbumSummary>>;
  /** Genres of published albums, most common first. */
  genres(): Promise<Genre[]>;
  genreAlbums(names: string[], limit: number, offset: number): Promise<Page<AlbumSummary>>;
  genreTracks(names: string[], limit: number): Promise<Track[]>;
  genreArtists(names: string[], limit: number): Promise<Artist[]>;
}

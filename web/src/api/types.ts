/** The Spotify-shaped objects the screens read (only the fields they use). */
import type { PlaylistSummary } from './playlist-types.js';

export interface Image {
  url: string;
  width: number | null;
  height: number | null;
}

export interface ArtistRef {
  id: string;
  name: string;
}

export interface Artist extends ArtistRef {
  genres: string[];
  images: Image[];
  popularity: number;
}

export interface AlbumSummary {
  id: string;
  name: string;
  album_type: 'album' | 'single' | 'compilation';
  total_tracks: number;
  images: Image[];
  release_date: string;
  artists: ArtistRef[];
}

export interface SimplifiedTrack {
  id: string;
  name: string;
  artists: ArtistRef[];
  duration_ms: number;
  disc_number: number;
  track_number: number;
  explicit: boolean;
}

export interface Track extends SimplifiedTrack {
  album: AlbumSummary;
  popularity: number;
}

export interface Paging<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
  next: string | null;
}

export interface Album extends AlbumSummary {
  tracks: Paging<SimplifiedTrack>;
  label: string;
  genres: string[];
  copyrights: { text: string; type: string }[];
}

export interface Category {
  id: string;
  name: string;
  icons: Image[];
}

export interface GenrePage {
  category: Category;
  tracks: Track[];
  albums: Paging<AlbumSummary>;
  artists: Artist[];
}

export type Role = 'listener' | 'artist' | 'admin';

export interface Me {
  id: string;
  username: string;
  display_name: string | null;
  product: 'free' | 'premium';
  role: Role;
  country: string;
}

export type BestMatch =
  | { type: 'track'; item: Track }
  | { type: 'artist'; item: Artist }
  | { type: 'album'; item: AlbumSummary };

export interface SearchResults {
  tracks?: Paging<Track>;
  artists?: Paging<Artist>;
  albums?: Paging<AlbumSummary>;
}

export interface Suggestions extends SearchResults {
  q: string;
  best_match: BestMatch | null;
}

export interface StudioTrack {
  id: string;
  name: string;
  track_number: number;
  duration_ms: number;
  status: 'processing' | 'ready' | 'failed' | 'retired';
  failure_reason: string | null;
  job: { state: string; progress: number; attempts: number; last_error: string | null } | null;
}

export interface StudioAlbum {
  id: string;
  name: string;
  album_type: 'album' | 'single' | 'compilation';
  release_date: string | null;
  status: 'draft' | 'published';
  images: Image[];
  artists: string[];
  tracks: StudioTrack[];
}

/** `GET /v1/radio`: a station of tracks from one seed (track, artist, album or playlist). */
export interface Radio {
  /** "<seed name> Radio". */
  name: string;
  seed_uri: string;
  tracks: Track[];
}

/** Answers of the recommendation routes that are a plain list of tracks (autoplay, playlist continuation). */
export interface TrackList {
  tracks: Track[];
}

export interface RelatedArtists {
  artists: Artist[];
}

/** One card of a home section: a simplified album, artist or playlist; `type` tells which. */
export type HomeItem =
  | (AlbumSummary & { type: 'album' })
  | (Artist & { type: 'artist' })
  | (PlaylistSummary & { type: 'playlist' });

/** One row of the personalised home (`recently-played`, `made-for-you`, `jump-back-in`, `top-artists` …). */
export interface HomeSection {
  id: string;
  title: string;
  items: HomeItem[];
}

export interface Home {
  sections: HomeSection[];
}

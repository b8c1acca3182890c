/**
 * The playable catalogue as the online engine sees it: every ready track on a published album, with
 * what retrieval and ranking need (artists, album, genres, release date, popularity, markets), indexed
 * by artist, album and genre. Held in memory and reloaded on a short interval: candidate generation
 * touches thousands of tracks per request, which would be thousands of rows read per request otherwise.
 */

export interface CatalogueTrack {
  id: string;
  albumId: string;
  /** Credited artists, main artist first. */
  artistIds: string[];
  /** Track, album and artist genres, lower case. */
  genres: string[];
  /** `YYYY-MM-DD` (a year or a month alone is its first day), or null when unknown. */
  releaseDate: string | null;
  /** 0..100, the catalog's score. */
  popularity: number;
  /** Null means everywhere. */
  markets: string[] | null;
  /**
   * Spotify's tunable attributes by name (popularity and duration_ms always; the audio features once
   * they are computed), for min_/max_/target_ requests.
   */
  attributes: Readonly<Record<string, number>>;
  /** The content vector of its audio features (src/core/features/vector.ts), when computed and not zero. */
  content?: Float32Array;
}

/** A listener's own signals, newest first, as the ranking stage and the live fold-in read them. */
export interface ListenerPlay {
  trackId: string;
  /** UTC ms the play started. */
  at: number;
  listenedMs: number;
  durationMs: number;
}

export interface ListenerSignals {
  /** Their latest plays outside private sessions, newest first. */
  plays: ListenerPlay[];
  /** Saved tracks, newest first. */
  saved: string[];
  followedArtists: string[];
  /** Genres the listener picked themselves (at sign-up or later), lower case; may be empty. */
  statedGenres: string[];
}

export class Catalogue {
  readonly tracks: CatalogueTrack[];
  private readonly index = new Map<string, number>();
  private readonly artists = new Map<string, number[]>();
  private readonly albums = new Map<string, number[]>();
  private readonly genres = new Map<string, number[]>();
  private readonly genresOfArtist = new Map<string, readonly string[]>();
  /** Track indices, most popular first. */
  readonly byPopularity: number[];
  /** Track indices, newest release first (undated last). */
  readonly byRelease: number[];

  constructor(tracks: CatalogueTrack[]) {
    this.tracks = tracks;
    const push = (map: Map<string, number[]>, key: string, i: number) => {
      const list = map.get(key);
      if (list) list.push(i);
      else map.set(key, [i]);
    };
    for (const [i, t] of tracks.entries()) {
      this.index.set(t.id, i);
      for (const a of t.artistIds) push(this.artists, a, i);
      push(this.albums, t.albumId, i);
      for (const g of t.genres) push(this.genres, g, i);
    }
    const popular = (a: number, b: number) => tracks[b]!.popularity - tracks[a]!.popularity || a - b;
    for (const list of [...this.artists.values(), ...this.genres.values()]) list.sort(popular);
    this.byPopularity = tracks.map((_, i) => i).sort(popular);
    this.byRelease = tracks
      .map((_, i) => i)
      .sort((a, b) => (tracks[b]!.releaseDate ?? '').localeCompare(tracks[a]!.releaseDate ?? '') || popular(a, b));
  }

  indexOf(trackId: string): number | undefined {
    return this.index.get(trackId);
  }

  /** The track's credited artists; none for a track the catalogue does not hold. */
  artistsOf(trackId: string): readonly string[] {
    const i = this.index.get(trackId);
    return i === undefined ? [] : this.tracks[i]!.artistIds;
  }

  hasArtist(artistId: string): boolean {
    return this.artists.has(artistId);
  }

  hasGenre(genre: string): boolean {
    return this.genres.has(genre.toLowerCase());
  }

  /** The artist's tracks, most popular first. */
  ofArtist(artistId: string): readonly number[] {
    return this.artists.get(artistId) ?? [];
  }

  ofAlbum(albumId: string): readonly number[] {
    return this.albums.get(albumId) ?? [];
  }

  /** The genre's tracks, most popular first. */
  ofGenre(genre: string): readonly number[] {
    return this.genres.get(genre.toLowerCase()) ?? [];
  }

  /** Every artist credited on a playable track. */
  artistIds(): IterableIterator<string> {
    return this.artists.keys();
  }

  /** The artist's genres, from their tracks, most common first. */
  artistGenres(artistId: string): readonly string[] {
    // The catalogue never changes once built, and related artists asks this of every artist per request.
    const cached = this.genresOfArtist.get(artistId);
    if (cached) return cached;
    const tracks = this.artists.get(artistId);
    if (!tracks) return [];
    const counts = new Map<string, number>();
    for (const i of tracks) for (const g of this.tracks[i]!.genres) counts.set(g, (counts.get(g) ?? 0) + 1);
    const genres = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([g]) => g);
    this.genresOfArtist.set(artistId, genres);
    return genres;
  }

  /** Every genre with how many playable tracks carry it, most tracks first, then by name. */
  genreCounts(): { name: string; tracks: number }[] {
    return [...this.genres.entries()]
      .map(([name, list]) => ({ name, tracks: list.length }))
      .sort((a, b) => b.tracks - a.tracks || a.name.localeCompare(b.name));
  }

  /** The artist's popularity: their most popular track's. */
  artistPopularity(artistId: string): number {
    const first = this.ofArtist(artistId)[0];
    return first === undefined ? -1 : this.tracks[first]!.popularity;
  }
}

/** `2015`, `2015-03` or `2015-03-09` as a day; anything else null. */
export function releaseDay(date: string | null): string | null {
  if (!date) return null;
  if (/^\d{4}$/.test(date)) return `${date}-01-01`;
  if (/^\d{4}-\d{2}$/.test(date)) return `${date}-01`;
  if (/^\d{4}-\d{2}-\d{2}$/.test(date)) return date;
  return null;
}

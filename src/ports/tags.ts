/** What a tag reader (music-metadata) tells the ingest pipeline about a file. */
export interface AudioTags {
  title: string | undefined;
  artists: string[];
  albumArtist: string | undefined;
  album: string | undefined;
  trackNumber: number | undefined;
  discNumber: number | undefined;
  /** "YYYY", "YYYY-MM" or "YYYY-MM-DD" when the tags carry a date. */
  releaseDate: string | undefined;
  genres: string[];
  compilation: boolean;
  isrc: string | undefined;
  label: string | undefined;
  explicit: boolean;
  picture: { data: Buffer; mimeType: string } | undefined;
}

export interface TagReader {
  /** Throws MediaError when the file's tags cannot be parsed at all. */
  read(path: string, options: { covers: boolean }): Promise<AudioTags>;
}

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
  /** What the container's header says about the audio, read in-process (no FFmpeg). */
  header: AudioHeader;
  /** ReplayGain tags, the loudness estimate until the ladder job measures it. */
  replayGain: ReplayGain | undefined;
  musicBrainz: MusicBrainzIds;
  /** Embedded lyrics (unsynchronised text, or LRC when the tag holds timestamps), kept for the lyrics service. */
  lyrics: string | undefined;
}

/** Tags of a file that carries none: every field empty (a reader adds what the header says). */
export const NO_TEXT_TAGS: Omit<AudioTags, 'header'> = {
  title: undefined,
  artists: [],
  albumArtist: undefined,
  album: undefined,
  trackNumber: undefined,
  discNumber: undefined,
  releaseDate: undefined,
  genres: [],
  compilation: false,
  isrc: undefined,
  label: undefined,
  explicit: false,
  picture: undefined,
  replayGain: undefined,
  musicBrainz: {},
  lyrics: undefined,
};

export interface AudioHeader {
  /** Container as the reader names it, e.g. "FLAC", "MPEG", "Ogg", "M4A/mp42", "WAVE". */
  container: string;
  codec: string | undefined;
  durationMs: number | undefined;
  sampleRate: number | undefined;
  channels: number | undefined;
  /** Average bits per second, when known. */
  bitrate: number | undefined;
  lossless: boolean;
}

export interface ReplayGain {
  /** Track gain in dB relative to ReplayGain's reference (-18 LUFS for ReplayGain 2). */
  trackGainDb: number;
  /** Track peak as a linear sample value (1.0 = full scale), when tagged. */
  trackPeak: number | undefined;
}

export interface MusicBrainzIds {
  recordingId?: string;
  trackId?: string;
  releaseId?: string;
  releaseGroupId?: string;
  artistIds?: string[];
  albumArtistIds?: string[];
}

export interface TagReader {
  /** Throws MediaError when the file's tags cannot be parsed at all. */
  read(path: string, options: { covers: boolean }): Promise<AudioTags>;
}

/** A track as written to a playlist file. */
export interface ExportEntry {
  title: string;
  artists: string[];
  album: string;
  durationMs: number;
  /** Where a player finds the track (its page on this server). */
  location: string;
  /** The track's uri, `cadenza:track:<id>`. */
  identifier: string;
}

export interface ExportPlaylist {
  name: string;
  description: string;
  creator: string;
  entries: ExportEntry[];
}

/** An entry read from a playlist file; any field may be missing. */
export interface ImportEntry {
  /** 1-based line of the file where the entry starts, for reporting what did not match. */
  line: number;
  title?: string;
  artist?: string;
  album?: string;
  durationMs?: number;
  location?: string;
  identifier?: string;
}

export interface ImportedPlaylist {
  title?: string;
  entries: ImportEntry[];
}

/** Line breaks and other controls in names would break a line-based format or XML; they become spaces. */
export function oneLine(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  return s.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim();
}

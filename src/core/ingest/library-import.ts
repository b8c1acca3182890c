import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { AudioTags, TagReader } from '../../ports/tags.js';
import { type ImportedFile, INGEST_JOB, type IngestRepository, type LibraryFileState } from './types.js';

export const AUDIO_EXTENSIONS = new Set(
  '.mp3 .flac .ogg .oga .opus .m4a .m4b .mp4 .aac .wav .aif .aiff .wma .wv .mpc .amr'.split(' '),
);

export interface ImportProgress {
  phase: 'scan' | 'ingest';
  done: number;
  total: number;
}

export interface ScanResult {
  /** Job keys this import waits for (new and still-pending ones). */
  jobKeys: string[];
  added: number;
  changed: number;
  unchanged: number;
  retired: number;
  failed: number;
}

const NO_TAGS: AudioTags = {
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
};

async function* walk(dir: string): AsyncGenerator<string> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.')) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else if (entry.isFile() && AUDIO_EXTENSIONS.has(extname(entry.name).toLowerCase())) yield full;
  }
}

export function ingestJobKey(trackId: string, size: number, mtimeMs: number): string {
  return `ingest:${trackId}:${size}:${Math.trunc(mtimeMs)}`;
}

/** "Artist - Title" file names are common in untagged folders; use them when tags are missing. */
function fromFileName(path: string): { artist?: string; title: string } {
  const name = basename(path, extname(path)).replace(/^\d+[\s._-]+/, '');
  const m = /^(.+?)\s+-\s+(.+)$/.exec(name);
  return m ? { artist: m[1]!.trim(), title: m[2]!.trim() } : { title: name.trim() || 'Untitled' };
}

/**
 * `cadenza import DIR`: finds audio files, reads their tags, groups them into artists and albums and
 * queues each new or changed file for the ingest pipeline. Unchanged files (same size and mtime) are
 * skipped; files that disappeared retire their tracks.
 */
export class LibraryImporter {
  constructor(
    private readonly repo: IngestRepository,
    private readonly tags: TagReader,
  ) {}

  async scan(dir: string, onProgress: (p: ImportProgress) => void = () => {}): Promise<ScanResult> {
    const root = resolve(dir);
    const rootStat = await stat(root).catch(() => undefined);
    if (!rootStat?.isDirectory()) throw new Error(`${dir} is not a folder`);
    const known = new Map<string, LibraryFileState>((await this.repo.libraryFiles(root)).map((f) => [f.path, f]));
    const files: string[] = [];
    for await (const f of walk(root)) files.push(f);

    const result: ScanResult = { jobKeys: [], added: 0, changed: 0, unchanged: 0, retired: 0, failed: 0 };
    const present = new Set<string>();
    for (const [i, path] of files.entries()) {
      present.add(path);
      onProgress({ phase: 'scan', done: i, total: files.length });
      const s = await stat(path).catch(() => undefined);
      if (!s) continue;
      const before = known.get(path);
      if (before && before.size === s.size && before.mtimeMs === Math.trunc(s.mtimeMs)) {
        result.unchanged++;
        if (before.trackId) result.jobKeys.push(ingestJobKey(before.trackId, s.size, s.mtimeMs));
        continue;
      }
      try {
        const file = await this.describe(path, s.size, s.mtimeMs);
        const trackId = await this.repo.registerImportedFile(file, before?.trackId ?? null, (id) => ({
          name: INGEST_JOB,
          key: ingestJobKey(id, s.size, s.mtimeMs),
          payload: { trackId: id, sourcePath: path },
        }));
        result.jobKeys.push(ingestJobKey(trackId, s.size, s.mtimeMs));
        if (before) result.changed++;
        else result.added++;
      } catch (err) {
        result.failed++;
        await this.repo.recordLibraryFailure(path, s.size, s.mtimeMs, (err as Error).message);
      }
    }
    onProgress({ phase: 'scan', done: files.length, total: files.length });
    result.retired = await this.repo.retireMissing(root, present);
    return result;
  }

  private async describe(path: string, size: number, mtimeMs: number): Promise<ImportedFile> {
    // Unreadable tags are no verdict on the audio (music-metadata knows fewer formats than FFmpeg):
    // fall back to the file name and let the pipeline's probe decide.
    const tags = await this.tags.read(path, { covers: false }).catch(() => NO_TAGS);
    const guess = fromFileName(path);
    const artists = tags.artists.length > 0 ? tags.artists : [tags.albumArtist ?? guess.artist ?? 'Unknown Artist'];
    const compilation = tags.compilation;
    const albumArtist = tags.albumArtist ?? (compilation ? 'Various Artists' : artists[0]!);
    const album = tags.album ?? basename(dirname(path));
    return {
      path,
      size,
      mtimeMs: Math.trunc(mtimeMs),
      title: tags.title ?? guess.title,
      artists,
      albumArtist,
      album,
      albumType: compilation ? 'compilation' : 'album',
      releaseDate: tags.releaseDate ?? null,
      trackNumber: tags.trackNumber ?? 1,
      discNumber: tags.discNumber ?? 1,
      genres: tags.genres,
      isrc: tags.isrc ?? null,
      label: tags.label ?? null,
      explicit: tags.explicit,
    };
  }
}

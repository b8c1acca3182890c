import { basename, dirname, extname, relative } from 'node:path';
import type { AudioHeader, AudioTags } from '../../ports/tags.js';
import { creditedArtists, isVariousArtists, nameKey, VARIOUS_ARTISTS } from '../catalog/names.js';
import { MediaError } from '../errors.js';
import type { ImportedFile } from './types.js';

/**
 * How `cadenza import` turns one file's tags and header into catalog facts, and the rules it applies
 * to a folder's files together. Pure: the tags are read elsewhere (TagReader), nothing here touches
 * the disk.
 */

export const UNKNOWN_ARTIST = 'Unknown Artist';
const MIN_DURATION_MS = 500;
const VARIOUS_FOLDER = /^(compilations?|soundtracks?|various( artists)?|va|v\.a\.)$/i;

// --- header quality control ---------------------------------------------------------------------

/** Container families, by music-metadata's container names; anything else made of ftyp brands is MP4. */
const FAMILIES: [RegExp, string][] = [
  [/^MPEG$/, 'mpeg'],
  [/^ADTS/, 'adts'],
  [/^FLAC$/, 'flac'],
  [/^Ogg$/, 'ogg'],
  [/^(WAVE|RF64)/, 'wav'],
  [/^AIFF/, 'aiff'],
  [/^ASF/, 'asf'],
  [/^WavPack$/, 'wavpack'],
  [/^Musepack/, 'musepack'],
  [/^AMR$/, 'amr'],
  [/^EBML\//, 'matroska'],
  [/^Monkey's Audio$/, 'ape'],
  [/^(DSF|DSDIFF)/, 'dsd'],
];
const MP4_BRANDS = /^[A-Za-z0-9]{2,4}(\/[A-Za-z0-9]{2,4})*$/;

const EXTENSION_FAMILY: Record<string, string> = {
  '.mp3': 'mpeg',
  '.flac': 'flac',
  '.ogg': 'ogg',
  '.oga': 'ogg',
  '.opus': 'ogg',
  '.m4a': 'mp4',
  '.m4b': 'mp4',
  '.mp4': 'mp4',
  '.aac': 'adts',
  '.wav': 'wav',
  '.aif': 'aiff',
  '.aiff': 'aiff',
  '.wma': 'asf',
  '.wv': 'wavpack',
  '.mpc': 'musepack',
  '.amr': 'amr',
};

/** The family of a container as music-metadata names it ("M4A/isom/iso2" → mp4), to compare two names. */
export function containerFamily(container: string): string | undefined {
  for (const [pattern, family] of FAMILIES) if (pattern.test(container)) return family;
  return MP4_BRANDS.test(container) ? 'mp4' : undefined;
}

/**
 * The in-process quality control that gates publication of a lazy library's file (the ladder job
 * decodes it fully later): the header must be readable, match the file's extension, say how long the
 * audio is (between half a second and the limit) and its sample rate and channels.
 */
export function checkHeader(
  header: AudioHeader,
  extension: string,
  limits: { maxTrackSeconds: number },
): AudioHeader & { durationMs: number } {
  if (!header.container) throw new MediaError('the audio header could not be read');
  const ext = (extension.startsWith('.') ? extension : `.${extension}`).toLowerCase();
  const expected = EXTENSION_FAMILY[ext];
  if (expected && containerFamily(header.container) !== expected) {
    throw new MediaError(`file extension ${ext} does not match its content (${header.container})`);
  }
  const durationMs = header.durationMs;
  if (durationMs === undefined || !Number.isFinite(durationMs)) {
    throw new MediaError('the audio header does not say how long the audio is');
  }
  if (durationMs < MIN_DURATION_MS) throw new MediaError('audio is shorter than half a second');
  if (durationMs > limits.maxTrackSeconds * 1000) {
    throw new MediaError(`audio is too long: ${Math.round(durationMs / 1000)} s (limit ${limits.maxTrackSeconds} s)`);
  }
  if (!header.sampleRate) throw new MediaError('the audio header has no sample rate');
  if (!header.channels) throw new MediaError('the audio header has no channel count');
  return { ...header, durationMs };
}

// --- facts from the path ------------------------------------------------------------------------

/** "CD1", "CD 2", "Disc 2", "disk 3", "Disc 1 of 2", "CD2 - Live": a disc of the album in the folder above. */
const DISC_FOLDER = /^(?:cd|dis[ck])\s*[-_.]?\s*0*(\d{1,2})(?:\s*(?:of|\/)\s*\d{1,2})?(?:\s*[-:]\s*.*)?$/i;
/** "1-03 Title", "1.03 Title": disc and track. */
const DISC_TRACK = /^(\d{1,2})[-.](\d{1,3})(?:\s*[-._]\s*|\s+)(.+)$/;
/** "03 - Title", "03. Title", "3 Title", "03_Title". */
const TRACK = /^(\d{1,3})(?:\s*[-._)]\s*|\s+)(.+)$/;
const BARE_NUMBER_ARTIST = /^[1-9]\d{0,2}\s+[^\s\-._)].*?\s-\s/;
/** "Artist - 03 - Title". */
const ARTIST_TRACK = /^(.+?)\s+-\s+(\d{1,3})(?:\s*[-.]\s*|\s+)(.+)$/;
/** "Artist - Title". */
const ARTIST_TITLE = /^(.+?)\s+-\s+(.+)$/;

export interface PathFacts {
  title: string;
  artist?: string;
  trackNumber?: number;
  discNumber?: number;
  album: string;
  /** The folder above the album's, when it is inside the library (Artist/Album/NN Title.ext). */
  folderArtist?: string;
}

/** The folder an album's files live in: the file's folder, or its parent when that is a "CD1" folder. */
export function albumFolder(path: string): string {
  const dir = dirname(path);
  return DISC_FOLDER.test(basename(dir)) ? dirname(dir) : dir;
}

function positive(digits: string | undefined): number | undefined {
  const n = digits === undefined ? Number.NaN : Number.parseInt(digits, 10);
  return n > 0 ? n : undefined;
}

/** Title, track number and artist from a file name such as "03 - Song.flac" or "Artist - 03 - Song.mp3". */
function fromFileName(path: string): Pick<PathFacts, 'title' | 'artist' | 'trackNumber' | 'discNumber'> {
  let stem = basename(path, extname(path)).trim();
  if (!stem.includes(' ') && stem.includes('_')) stem = stem.replace(/_+/g, ' ').trim();
  if (/^\d{1,3}$/.test(stem)) return { title: `Track ${Number(stem)}`, trackNumber: positive(stem) };
  let rest = stem;
  let trackNumber: number | undefined;
  let discNumber: number | undefined;
  let artist: string | undefined;
  const discTrack = DISC_TRACK.exec(stem);
  // "3 Doors Down - Kryptonite", "50 Cent - In Da Club": a number followed by a bare space before an
  // "Artist - Title" name is part of the artist, unless zero-padded as track numbers are ("03 Artist - Title").
  const track = BARE_NUMBER_ARTIST.test(stem) ? null : TRACK.exec(stem);
  const artistTrack = ARTIST_TRACK.exec(stem);
  if (discTrack) {
    [discNumber, trackNumber, rest] = [positive(discTrack[1]), positive(discTrack[2]), discTrack[3]!];
  } else if (track) {
    [trackNumber, rest] = [positive(track[1]), track[2]!];
  } else if (artistTrack) {
    [artist, trackNumber, rest] = [artistTrack[1]!.trim(), positive(artistTrack[2]), artistTrack[3]!];
  }
  const artistTitle = artist ? undefined : ARTIST_TITLE.exec(rest);
  if (artistTitle) [artist, rest] = [artistTitle[1]!.trim(), artistTitle[2]!];
  return { title: rest.trim() || stem, artist, trackNumber, discNumber };
}

/** What the file's name and folders say, for files whose tags are missing. `root` is the library's folder. */
export function factsFromPath(path: string, root?: string): PathFacts {
  const facts: PathFacts = { ...fromFileName(path), album: '' };
  const dir = dirname(path);
  const disc = DISC_FOLDER.exec(basename(dir));
  if (disc) facts.discNumber = positive(disc[1]);
  const albumDir = albumFolder(path);
  facts.album = basename(albumDir);
  const above = dirname(albumDir);
  const inside = root !== undefined ? relative(root, above) : '';
  if (inside && !inside.startsWith('..') && !inside.startsWith('/')) facts.folderArtist = basename(above);
  return facts;
}

// --- one file -----------------------------------------------------------------------------------

/** Release dates a tag can hold that are no date: "0000", "0", before recorded sound, or far ahead. */
export function saneReleaseDate(date: string | undefined, nowMs: number): string | null {
  const m = date ? /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?/.exec(date.trim()) : null;
  if (!m) return null;
  const year = Number(m[1]);
  if (year < 1860 || year > new Date(nowMs).getUTCFullYear() + 1) return null;
  const month = Number(m[2] ?? 0);
  if (month < 1 || month > 12) return m[1]!;
  const day = Number(m[3] ?? 0);
  if (day < 1 || day > 31) return `${m[1]}-${m[2]}`;
  const when = Date.UTC(year, month - 1, day);
  return when > nowMs + 366 * 86_400_000 ? null : `${m[1]}-${m[2]}-${m[3]}`;
}

export interface FileToDescribe {
  path: string;
  size: number;
  mtimeMs: number;
  tags: AudioTags;
  fingerprint: string;
  maxTrackSeconds: number;
  /** The library's folder: lets an Artist/Album/Track layout name the artist of untagged files. */
  root?: string;
  /** For the release date check; defaults to now. */
  nowMs?: number;
}

/**
 * One file as the catalog will know it. Tags win; what they lack comes from the path (title and
 * track number from the file name, album from the folder, disc from a "CD2" folder, artist from an
 * "Artist - Title" name or the folder above the album). Throws MediaError when the header fails
 * `checkHeader`.
 */
export function describeFile(input: FileToDescribe): ImportedFile {
  const { tags, path } = input;
  const header = checkHeader(tags.header, extname(path), { maxTrackSeconds: input.maxTrackSeconds });
  const place = factsFromPath(path, input.root);
  const taggedAlbumArtist = tags.albumArtist;
  // iTunes and many rippers keep untagged compilations under a "Compilations" or "VA" folder.
  const variousFolder = !tags.album && place.folderArtist !== undefined && VARIOUS_FOLDER.test(place.folderArtist);
  const folderArtist = variousFolder ? undefined : place.folderArtist;
  const various = taggedAlbumArtist !== undefined ? isVariousArtists(taggedAlbumArtist) : variousFolder;
  const compilation = tags.compilation || various;
  const fallbackArtist =
    place.artist ?? (taggedAlbumArtist && !various ? taggedAlbumArtist : undefined) ?? folderArtist ?? UNKNOWN_ARTIST;
  const credits = tags.artists.length > 0 ? tags.artists : [fallbackArtist];
  const artists = creditedArtists(credits, various ? undefined : taggedAlbumArtist, tags.title ?? place.title);
  const albumArtist = various
    ? VARIOUS_ARTISTS
    : (taggedAlbumArtist ?? (compilation ? VARIOUS_ARTISTS : tags.album ? artists[0]! : (folderArtist ?? artists[0]!)));
  return {
    path,
    size: input.size,
    mtimeMs: Math.trunc(input.mtimeMs),
    title: tags.title ?? place.title,
    artists,
    albumArtist,
    album: tags.album ?? place.album,
    albumType: compilation ? 'compilation' : 'album',
    releaseDate: saneReleaseDate(tags.releaseDate, input.nowMs ?? Date.now()),
    trackNumber: tags.trackNumber ?? place.trackNumber ?? 1,
    discNumber: tags.discNumber ?? place.discNumber ?? 1,
    genres: tags.genres,
    isrc: tags.isrc ?? null,
    label: tags.label ?? null,
    explicit: tags.explicit,
    header,
    fingerprint: input.fingerprint,
    replayGain: tags.replayGain ?? null,
    musicBrainz: tags.musicBrainz,
    lyrics: tags.lyrics ?? null,
    guessed: {
      artists: tags.artists.length === 0,
      album: tags.album === undefined,
      albumArtist: taggedAlbumArtist === undefined && !compilation,
    },
  };
}

// --- one folder ---------------------------------------------------------------------------------

/**
 * The album artist shared by files of one album whose tags name none: the one album artist the
 * album's other files are tagged with; else the main artist of more than half of them; else they are a
 * compilation by Various Artists (rather than one album per artist).
 */
function sharedAlbumArtist(album: ImportedFile[]): { albumArtist: string; compilation: boolean } | undefined {
  const guessed = album.filter((f) => f.guessed?.albumArtist);
  const tagged = album.filter((f) => !f.guessed?.albumArtist);
  const taggedArtists = new Map(tagged.map((f) => [nameKey(f.albumArtist), f]));
  if (taggedArtists.size === 1) {
    const [only] = taggedArtists.values();
    return { albumArtist: only!.albumArtist, compilation: only!.albumType === 'compilation' };
  }
  if (taggedArtists.size > 1 || new Set(guessed.map((f) => nameKey(f.albumArtist))).size < 2) return undefined;
  const counts = new Map<string, { name: string; files: number }>();
  for (const file of guessed) {
    const name = file.artists[0] ?? file.albumArtist;
    const entry = counts.get(nameKey(name)) ?? { name, files: 0 };
    entry.files++;
    counts.set(nameKey(name), entry);
  }
  const main = [...counts.values()].find((c) => c.files * 2 > guessed.length);
  return main ? { albumArtist: main.name, compilation: false } : { albumArtist: VARIOUS_ARTISTS, compilation: true };
}

/**
 * The rules the importer applies to the files of one folder (with the "CD1", "CD2" folders of one
 * album): files of one album with no album artist tag and several track artists become one album, a
 * compilation by Various Artists unless one artist is on most of them; untagged files of the folder
 * (album named after it) share that one album. Track numbers are left as they are, duplicates too.
 */
export function resolveFolder(files: ImportedFile[]): ImportedFile[] {
  const albums = new Map<string, ImportedFile[]>();
  for (const file of files) {
    const key = nameKey(file.album);
    albums.set(key, [...(albums.get(key) ?? []), file]);
  }
  const resolved = new Map<ImportedFile, ImportedFile>();
  for (const album of albums.values()) {
    const shared = sharedAlbumArtist(album);
    if (!shared) continue;
    for (const file of album) {
      if (!file.guessed?.albumArtist) continue;
      resolved.set(file, {
        ...file,
        albumArtist: shared.albumArtist,
        albumType: shared.compilation ? 'compilation' : file.albumType,
      });
    }
  }
  return files.map((f) => resolved.get(f) ?? f);
}

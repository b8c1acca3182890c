import { parseFile } from 'music-metadata';
import { MediaError } from '../core/errors.js';
import type { AudioTags, TagReader } from '../ports/tags.js';

/** Tag values are user data: cap their length so a 10 MB "title" cannot reach the catalog. */
const MAX_TEXT = 500;

function text(value: string | undefined | null): string | undefined {
  const t = value?.replace(/\0/g, '').trim();
  return t ? t.slice(0, MAX_TEXT) : undefined;
}

function releaseDate(date: string | undefined, year: number | undefined): string | undefined {
  const m = date && /^(\d{4})(-\d{2})?(-\d{2})?/.exec(date.trim());
  if (m) return m[0];
  return year && year > 0 && year < 10000 ? String(year).padStart(4, '0') : undefined;
}

export class MusicMetadataTags implements TagReader {
  async read(path: string, options: { covers: boolean }): Promise<AudioTags> {
    let meta: Awaited<ReturnType<typeof parseFile>>;
    try {
      meta = await parseFile(path, { duration: false, skipCovers: !options.covers, skipPostHeaders: true });
    } catch (err) {
      throw new MediaError(`tags could not be read: ${(err as Error).message}`);
    }
    const c = meta.common;
    const artists = (c.artists?.length ? c.artists : c.artist ? [c.artist] : [])
      .map(text)
      .filter((a): a is string => !!a);
    const advisory = (meta.native ? Object.values(meta.native).flat() : []).find((t) =>
      /^(ITUNESADVISORY|rtng|EXPLICIT)$/i.test(t.id),
    );
    const picture = c.picture?.[0];
    return {
      title: text(c.title),
      artists: [...new Set(artists)].slice(0, 20),
      albumArtist: text(c.albumartist),
      album: text(c.album),
      trackNumber: c.track.no && c.track.no > 0 ? c.track.no : undefined,
      discNumber: c.disk.no && c.disk.no > 0 ? c.disk.no : undefined,
      releaseDate: releaseDate(c.date ?? c.originaldate, c.year),
      genres: (c.genre ?? [])
        .map(text)
        .filter((g): g is string => !!g)
        .slice(0, 10),
      compilation: c.compilation === true,
      isrc: text(c.isrc?.[0])?.slice(0, 15),
      label: text(c.label?.[0]),
      explicit: advisory
        ? String(advisory.value) === '1' || String(advisory.value).toLowerCase() === 'explicit'
        : false,
      picture: picture ? { data: Buffer.from(picture.data), mimeType: picture.format } : undefined,
    };
  }
}

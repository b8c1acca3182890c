import { mkdir, rename, rm } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { User } from '../accounts/types.js';
import { ALBUM_TYPES } from '../catalog/catalog-service.js';
import type { AlbumType } from '../catalog/types.js';
import { Forbidden, Invalid, NotFound } from '../errors.js';
import { newId } from '../ids.js';
import { AUDIO_EXTENSIONS } from '../ingest/library-import.js';
import type { IngestPipeline } from '../ingest/pipeline.js';
import { INGEST_JOB, type MediaPaths } from '../ingest/types.js';
import { MARKETS } from '../markets.js';
import type { AlbumDraft, StudioAlbum, StudioRepository } from './types.js';

export interface AlbumInput {
  name?: string;
  album_type?: string;
  release_date?: string | null;
  label?: string | null;
  upc?: string | null;
  artists?: string[];
  available_markets?: string[] | null;
}

/** An upload's text fields (as the form gave them) and the name of its file. */
export interface UploadFields {
  fileName: string;
  title: string | undefined;
  artists: string[];
  explicit: boolean;
  isrc: string | undefined;
  position: number | undefined;
}

export interface TrackUpload extends UploadFields {
  /** The uploaded bytes, already on disk in a temporary file this service takes over. */
  tempPath: string;
  size: number;
}

const DATE = /^\d{4}(-\d{2}(-\d{2})?)?$/;

function text(value: string | undefined | null, field: string, max: number): string | null {
  if (value === undefined || value === null) return null;
  const t = value.trim();
  if (t.length === 0 || t.length > max) throw new Invalid(`${field} must be 1 to ${max} characters`, field);
  return t;
}

function validateDraft(input: AlbumInput, partial: boolean): Partial<AlbumDraft> {
  const out: Partial<AlbumDraft> = {};
  if (input.name !== undefined || !partial) out.name = text(input.name, 'name', 200) ?? undefined;
  if (!partial && !out.name) throw new Invalid('name is required', 'name');
  if (input.album_type !== undefined) {
    if (!ALBUM_TYPES.includes(input.album_type as AlbumType)) {
      throw new Invalid(`album_type must be one of ${ALBUM_TYPES.join(', ')}`, 'album_type');
    }
    out.albumType = input.album_type as AlbumType;
  } else if (!partial) out.albumType = 'album';
  if (input.release_date !== undefined) {
    if (input.release_date !== null && !DATE.test(input.release_date)) {
      throw new Invalid('release_date must be YYYY, YYYY-MM or YYYY-MM-DD', 'release_date');
    }
    out.releaseDate = input.release_date;
  }
  if (input.label !== undefined) out.label = text(input.label, 'label', 200);
  if (input.upc !== undefined) {
    if (input.upc !== null && !/^\d{12,14}$/.test(input.upc)) throw new Invalid('upc must be 12 to 14 digits', 'upc');
    out.upc = input.upc;
  }
  if (input.artists !== undefined) out.artists = input.artists.map((a) => text(a, 'artists', 200)!).slice(0, 20);
  if (input.available_markets !== undefined) {
    const bad = input.available_markets?.find((m) => !MARKETS.has(m));
    if (bad) throw new Invalid(`available_markets has unknown market "${bad}"`, 'available_markets');
    out.availableMarkets = input.available_markets;
  }
  return out;
}

/** The track an upload describes, or Invalid naming the first bad field. */
function uploadMetadata(album: StudioAlbum, fields: UploadFields) {
  const ext = extname(fields.fileName).toLowerCase();
  if (!AUDIO_EXTENSIONS.has(ext)) {
    throw new Invalid(`file type "${ext || fields.fileName}" is not a supported audio format`, 'file');
  }
  const name = text(fields.title ?? fields.fileName.replace(/\.[^.]+$/, ''), 'title', 200)!;
  const artists = fields.artists.map((a) => text(a, 'artists', 200)!);
  if (fields.isrc !== undefined && !/^[A-Z]{2}[A-Z0-9]{3}\d{7}$/.test(fields.isrc)) {
    throw new Invalid('isrc must be 12 characters like USRC17607839', 'isrc');
  }
  const live = album.tracks.filter((t) => t.status !== 'retired').length;
  if (fields.position !== undefined && (fields.position < 0 || fields.position > live)) {
    throw new Invalid(`position must be from 0 to ${live}`, 'position');
  }
  return {
    ext,
    track: { name, artists, explicit: fields.explicit, isrc: fields.isrc ?? null, position: fields.position ?? null },
  };
}

/**
 * The artist studio: an artist account's drafts, uploads, track order and publishing. Albums of other
 * accounts are invisible here (NotFound) while drafts, and refused (Forbidden) once published.
 */
export class StudioService {
  constructor(
    private readonly repo: StudioRepository,
    private readonly pipeline: IngestPipeline,
    private readonly paths: MediaPaths,
    private readonly jobAdded: () => void,
  ) {}

  private async owned(user: User, albumId: string): Promise<StudioAlbum> {
    const album = await this.repo.album(albumId);
    if (!album || (album.ownerUserId !== user.id && album.status === 'draft' && user.role !== 'admin')) {
      throw new NotFound('album not found');
    }
    if (album.ownerUserId !== user.id && user.role !== 'admin')
      throw new Forbidden('only the owning artist account may change this album');
    return album;
  }

  async createAlbum(user: User, input: AlbumInput): Promise<StudioAlbum> {
    const defaults = { releaseDate: null, label: null, upc: null, artists: [], availableMarkets: null };
    const draft = { ...defaults, ...validateDraft(input, false) } as AlbumDraft;
    const profile = await this.repo.ensureProfile(user.id, user.displayName);
    const id = await this.repo.createAlbum(user.id, profile, draft);
    return (await this.repo.album(id))!;
  }

  albums(user: User): Promise<StudioAlbum[]> {
    return this.repo.albumsOf(user.id);
  }

  album(user: User, id: string): Promise<StudioAlbum> {
    return this.owned(user, id);
  }

  async updateAlbum(user: User, id: string, input: AlbumInput): Promise<StudioAlbum> {
    await this.owned(user, id);
    await this.repo.updateAlbum(id, validateDraft(input, true));
    return (await this.repo.album(id))!;
  }

  async setArtwork(user: User, id: string, image: Buffer): Promise<StudioAlbum> {
    await this.owned(user, id);
    const key = await this.pipeline.storeArtwork(image);
    await this.repo.setAlbumImage(id, key);
    return (await this.repo.album(id))!;
  }

  /**
   * Refuses an upload by its album and fields alone, so the route can answer before storing the file
   * when the fields come first. `uploadTrack` checks them again: fields may also follow the file.
   */
  async checkUpload(user: User, albumId: string, fields: UploadFields): Promise<void> {
    uploadMetadata(await this.owned(user, albumId), fields);
  }

  async uploadTrack(user: User, albumId: string, upload: TrackUpload): Promise<StudioAlbum> {
    try {
      const meta = uploadMetadata(await this.owned(user, albumId), upload);
      if (upload.size === 0) throw new Invalid('file is empty', 'file');
      const id = newId();
      const dir = join(this.paths.sources, id);
      await mkdir(dir, { recursive: true });
      try {
        const sourcePath = join(dir, `source${meta.ext}`);
        await rename(upload.tempPath, sourcePath);
        const profile = await this.repo.ensureProfile(user.id, user.displayName);
        await this.repo.addTrack(
          user.id,
          profile,
          { id, albumId, ...meta.track },
          { name: INGEST_JOB, key: `ingest:${id}:upload`, payload: { trackId: id, sourcePath } },
        );
      } catch (err) {
        // No track row, no job: nothing would ever read or remove this source.
        await rm(dir, { recursive: true, force: true });
        throw err;
      }
      this.jobAdded();
      return (await this.repo.album(albumId))!;
    } finally {
      await rm(upload.tempPath, { force: true });
    }
  }

  async reorder(user: User, albumId: string, trackIds: string[]): Promise<StudioAlbum> {
    const album = await this.owned(user, albumId);
    const live = album.tracks.filter((t) => t.status !== 'retired').map((t) => t.id);
    const asked = new Set(trackIds);
    if (asked.size !== trackIds.length || live.length !== trackIds.length || live.some((id) => !asked.has(id))) {
      throw new Invalid('track_ids must list every track of the album exactly once', 'track_ids');
    }
    await this.repo.reorder(albumId, trackIds);
    return (await this.repo.album(albumId))!;
  }

  async removeTrack(user: User, trackId: string): Promise<void> {
    const albumId = await this.repo.trackAlbum(trackId);
    if (!albumId) throw new NotFound('track not found');
    await this.owned(user, albumId);
    await this.repo.retireTrack(trackId);
  }

  async setPublished(user: User, albumId: string, published: boolean): Promise<StudioAlbum> {
    const album = await this.owned(user, albumId);
    if (published && !album.tracks.some((t) => t.status === 'processing' || t.status === 'ready')) {
      throw new Invalid('album has no tracks to publish', 'tracks');
    }
    await this.repo.setAlbumStatus(albumId, published ? 'published' : 'draft');
    return (await this.repo.album(albumId))!;
  }
}

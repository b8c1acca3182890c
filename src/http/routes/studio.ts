import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { type TSchema, Type } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Services } from '../../app.js';
import { Invalid } from '../../core/errors.js';
import type { UploadFields } from '../../core/studio/studio-service.js';
import type { StudioAlbum } from '../../core/studio/types.js';
import { requireUser } from '../auth.js';
import { bufferFile, type IncomingFile, readMultipart } from '../multipart.js';
import { IdParams } from '../schemas.js';
import type { App } from '../server.js';
import { baseUrl, Shapes } from '../shapes.js';

/**
 * `null` (clears the field) or a value. Null is tried first: the validator coerces types, and tried
 * against a string first it would turn null into "" (refused as a date, a label or a UPC).
 */
const Nullable = <T extends TSchema>(schema: T) => Type.Union([Type.Null(), schema]);

const AlbumBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    album_type: Type.Optional(Type.Union([Type.Literal('album'), Type.Literal('single'), Type.Literal('compilation')])),
    release_date: Type.Optional(Nullable(Type.String())),
    label: Type.Optional(Nullable(Type.String())),
    upc: Type.Optional(Nullable(Type.String())),
    artists: Type.Optional(Type.Array(Type.String(), { maxItems: 20 })),
    available_markets: Type.Optional(Nullable(Type.Array(Type.String(), { maxItems: 300 }))),
  },
  { additionalProperties: false },
);

const UPLOAD_FIELDS = ['title', 'artists', 'explicit', 'isrc', 'position'];

function studioAlbum(s: Shapes, a: StudioAlbum) {
  return {
    id: a.id,
    name: a.name,
    album_type: a.albumType,
    release_date: a.releaseDate,
    label: a.label,
    upc: a.upc,
    status: a.status,
    images: s.images(a.imageKey),
    artists: a.artists,
    uri: `cadenza:album:${a.id}`,
    tracks: a.tracks.map((t) => ({
      id: t.id,
      name: t.name,
      disc_number: t.discNumber,
      track_number: t.trackNumber,
      duration_ms: t.durationMs,
      explicit: t.explicit,
      isrc: t.isrc,
      artists: t.artists,
      status: t.status,
      failure_reason: t.failureReason,
      job: t.job && {
        state: t.job.state,
        progress: t.job.progress,
        attempts: t.job.attempts,
        last_error: t.job.lastError,
      },
    })),
  };
}

/** Artwork is decoded in memory: far below the audio upload limit. */
const ARTWORK_LIMIT = 32 * 1024 * 1024;

/** The upload's form fields as the studio takes them; a position must be a whole number. */
function uploadFields(fields: Record<string, string>, fileName: string): UploadFields {
  const { position } = fields;
  if (position !== undefined && !/^-?\d{1,9}$/.test(position.trim())) {
    throw new Invalid('position must be a whole number', 'position');
  }
  return {
    fileName,
    title: fields.title,
    artists: fields.artists ? fields.artists.split(',').filter((a) => a.trim()) : [],
    explicit: fields.explicit === 'true',
    isrc: fields.isrc,
    position: position === undefined ? undefined : Number(position),
  };
}

/** Streams an uploaded file into `dir` under a random name; a failed copy leaves nothing behind. */
async function saveIncoming(file: IncomingFile, dir: string) {
  await mkdir(dir, { recursive: true });
  const tempPath = join(dir, randomBytes(12).toString('hex'));
  try {
    await pipeline(file.stream, createWriteStream(tempPath));
  } catch (err) {
    await rm(tempPath, { force: true });
    throw err;
  }
  return { tempPath, fileName: file.fileName, size: (await stat(tempPath)).size };
}

export function registerStudioRoutes(app: App, { studio, config, paths }: Services): void {
  const shapes = (request: FastifyRequest) => new Shapes(baseUrl(request, config.publicUrl));
  const access = { access: 'artist' as const };
  const tags = ['studio'];

  app.get('/v1/studio/albums', { config: access, schema: { tags } }, async (request) => {
    const s = shapes(request);
    return { items: (await studio.albums(requireUser(request))).map((a) => studioAlbum(s, a)) };
  });

  app.post('/v1/studio/albums', { config: access, schema: { tags, body: AlbumBody } }, async (request, reply) => {
    const album = await studio.createAlbum(requireUser(request), request.body);
    return reply.code(201).send(studioAlbum(shapes(request), album));
  });

  app.get('/v1/studio/albums/:id', { config: access, schema: { tags, params: IdParams } }, async (request) =>
    studioAlbum(shapes(request), await studio.album(requireUser(request), request.params.id)),
  );

  app.patch(
    '/v1/studio/albums/:id',
    { config: access, schema: { tags, params: IdParams, body: AlbumBody } },
    async (request) =>
      studioAlbum(shapes(request), await studio.updateAlbum(requireUser(request), request.params.id, request.body)),
  );

  app.put('/v1/studio/albums/:id/image', { config: access, schema: { tags, params: IdParams } }, async (request) => {
    const user = requireUser(request);
    const maxFileBytes = Math.min(ARTWORK_LIMIT, config.maxUploadBytes);
    const form = await readMultipart(request, { fields: [], file: 'file', maxFileBytes, store: bufferFile });
    if (!form.file) throw new Invalid('send the artwork in the "file" field', 'file');
    return studioAlbum(shapes(request), await studio.setArtwork(user, request.params.id, form.file));
  });

  app.post(
    '/v1/studio/albums/:id/tracks',
    { config: access, schema: { tags, params: IdParams } },
    async (request, reply) => {
      const user = requireUser(request);
      const albumId = request.params.id;
      const form = await readMultipart(request, {
        fields: UPLOAD_FIELDS,
        file: 'file',
        beforeFile: (fields, fileName) => studio.checkUpload(user, albumId, uploadFields(fields, fileName)),
        store: (file) => saveIncoming(file, join(paths.sources, '.incoming')),
        discard: (saved) => rm(saved.tempPath, { force: true }),
      });
      const file = form.file;
      if (!file) throw new Invalid('file is required', 'file');
      let fields: UploadFields;
      try {
        fields = uploadFields(form.fields, file.fileName); // again: fields may follow the file
      } catch (err) {
        await rm(file.tempPath, { force: true });
        throw err;
      }
      // The service takes the temporary file over, and removes it whatever happens.
      const album = await studio.uploadTrack(user, albumId, { ...fields, tempPath: file.tempPath, size: file.size });
      return reply.code(202).send(studioAlbum(shapes(request), album));
    },
  );

  app.put(
    '/v1/studio/albums/:id/tracks',
    {
      config: access,
      schema: {
        tags,
        params: IdParams,
        body: Type.Object(
          { track_ids: Type.Array(Type.String({ pattern: '^[0-9A-Za-z]{22}$' }), { maxItems: 500 }) },
          { additionalProperties: false },
        ),
      },
    },
    async (request) =>
      studioAlbum(
        shapes(request),
        await studio.reorder(requireUser(request), request.params.id, request.body.track_ids),
      ),
  );

  app.delete(
    '/v1/studio/tracks/:id',
    { config: access, schema: { tags, params: IdParams } },
    async (request, reply) => {
      await studio.removeTrack(requireUser(request), request.params.id);
      return reply.code(204).send();
    },
  );

  for (const [action, published] of [
    ['publish', true],
    ['unpublish', false],
  ] as const) {
    app.post(
      `/v1/studio/albums/:id/${action}`,
      { config: access, schema: { tags, params: IdParams } },
      async (request) =>
        studioAlbum(shapes(request), await studio.setPublished(requireUser(request), request.params.id, published)),
    );
  }
}

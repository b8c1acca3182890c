import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { type TSchema, Type } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Services } from '../../app.js';
import { Invalid, PayloadTooLarge } from '../../core/errors.js';
import type { StudioAlbum } from '../../core/studio/types.js';
import { requireUser } from '../auth.js';
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

const UPLOAD_FIELDS = new Set(['title', 'artists', 'explicit', 'isrc', 'position']);

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

/**
 * Reads and discards what is left of a refused request body (bounded in time), so the client hears our
 * 4xx instead of a connection reset in the middle of its upload.
 */
async function drain(request: FastifyRequest): Promise<void> {
  const raw = request.raw;
  if (raw.readableEnded) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 10_000);
    raw.on('end', () => {
      clearTimeout(timer);
      resolve();
    });
    raw.on('error', () => resolve());
    raw.resume();
  });
}

function uploadError(err: unknown): Error {
  const code = (err as { code?: string }).code;
  if (code === 'FST_REQ_FILE_TOO_LARGE') return new PayloadTooLarge('file is larger than the upload limit', 'file');
  if (code === 'FST_INVALID_MULTIPART_CONTENT_TYPE') return new Invalid('body must be multipart/form-data', 'file');
  return err as Error;
}

/**
 * Streams the multipart upload's file to a temporary path, collecting its text fields. A refused
 * upload still reads the rest of the body, so the client gets the error rather than a reset.
 */
async function receiveUpload(request: FastifyRequest, incoming: string) {
  const fields: Record<string, string> = {};
  let file: { tempPath: string; fileName: string; size: number } | undefined;
  let problem: Error | undefined;
  try {
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        if (!UPLOAD_FIELDS.has(part.fieldname))
          problem ??= new Invalid(`${part.fieldname} is not a known field`, part.fieldname);
        else fields[part.fieldname] = String(part.value);
        continue;
      }
      if (problem || part.fieldname !== 'file' || file) {
        problem ??= new Invalid('send exactly one audio file in the "file" field', 'file');
        part.file.resume();
        continue;
      }
      await mkdir(incoming, { recursive: true });
      const tempPath = join(incoming, randomBytes(12).toString('hex'));
      file = { tempPath, fileName: part.filename, size: 0 };
      await pipeline(part.file, createWriteStream(tempPath));
      file.size = part.file.bytesRead;
    }
  } catch (err) {
    problem = uploadError(err);
    await drain(request);
  }
  if (problem) {
    if (file) await rm(file.tempPath, { force: true });
    throw problem;
  }
  if (!file) throw new Invalid('file is required', 'file');
  return { file, fields };
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
    const part = await request.file().catch(() => undefined);
    if (!part) throw new Invalid('send the artwork as multipart/form-data in the "file" field', 'file');
    const image = await part.toBuffer().catch(() => {
      throw new PayloadTooLarge('artwork is larger than the upload limit', 'file');
    });
    return studioAlbum(shapes(request), await studio.setArtwork(requireUser(request), request.params.id, image));
  });

  app.post(
    '/v1/studio/albums/:id/tracks',
    { config: access, schema: { tags, params: IdParams } },
    async (request, reply) => {
      const user = requireUser(request);
      const { file, fields } = await receiveUpload(request, join(paths.sources, '.incoming'));
      const position = fields.position === undefined ? undefined : Number(fields.position);
      if (position !== undefined && !Number.isInteger(position)) {
        await rm(file.tempPath, { force: true });
        throw new Invalid('position must be a whole number', 'position');
      }
      const album = await studio.uploadTrack(user, request.params.id, {
        tempPath: file.tempPath,
        size: file.size,
        fileName: file.fileName,
        title: fields.title,
        artists: fields.artists ? fields.artists.split(',').filter((a) => a.trim()) : [],
        explicit: fields.explicit === 'true',
        isrc: fields.isrc,
        position,
      });
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

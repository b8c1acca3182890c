import { Type } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Services } from '../../app.js';
import { Invalid } from '../../core/errors.js';
import { PLAYLIST_FORMATS, type PlaylistFormat } from '../../core/playlists/playlist-transfer.js';
import { requireUser } from '../auth.js';
import { checkInput } from '../input.js';
import { bufferFile, readMultipart } from '../multipart.js';
import { PlaylistShapes } from '../playlist-shapes.js';
import { IdParams } from '../schemas.js';
import type { App } from '../server.js';
import { baseUrl, Shapes } from '../shapes.js';

/** Covers are small; a 10,000-track playlist file is a few megabytes. */
const COVER_LIMIT = 8 * 1024 * 1024;
const IMPORT_LIMIT = 8 * 1024 * 1024;

const Format = Type.Unsafe<PlaylistFormat>({ type: 'string', enum: [...PLAYLIST_FORMATS] });

const MIME: Record<PlaylistFormat, string> = {
  m3u8: 'audio/x-mpegurl; charset=utf-8',
  xspf: 'application/xspf+xml; charset=utf-8',
};

/** Raw image bytes start with a signature; anything else must be base64, as Spotify's clients send. */
function coverBytes(body: Buffer): Buffer {
  const raw = body[0] === 0xff && body[1] === 0xd8; // JPEG
  const png = body.subarray(0, 4).toString('latin1') === '\x89PNG';
  if (raw || png) return body;
  // Some clients send a data URL rather than bare base64.
  const text = body
    .toString('latin1')
    .replace(/^data:image\/[\w+.-]+;base64,/, '')
    .replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) throw new Invalid('body must be a base64-encoded JPEG image', 'image');
  return Buffer.from(text, 'base64');
}

async function multipartCover(request: FastifyRequest): Promise<Buffer> {
  const form = await readMultipart(request, {
    fields: [],
    file: 'image',
    maxFileBytes: COVER_LIMIT,
    store: bufferFile,
  });
  if (!form.file) throw new Invalid('send the image in the "image" field', 'image');
  return form.file;
}

/** A file name that survives every browser: ASCII in `filename`, the real name in `filename*`. */
function attachment(name: string, ext: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\/]/g, '_').trim() || 'playlist';
  return `attachment; filename="${ascii}.${ext}"; filename*=UTF-8''${encodeURIComponent(`${name}.${ext}`)}`;
}

/**
 * Playlist covers (Spotify's base64 JPEG body, or multipart), and import and export as M3U8 and XSPF.
 * Raw bodies are parsed only inside this plugin, so other routes keep fastify's defaults.
 */
export function registerPlaylistFileRoutes(app: App, { playlists, playlistTransfer, config }: Services): void {
  const shapes = (request: FastifyRequest) => new PlaylistShapes(new Shapes(baseUrl(request, config.publicUrl)));
  const tags = ['playlists'];

  app.register(async (plugin) => {
    const scope = plugin as unknown as App;
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

    scope.put(
      '/v1/playlists/:id/images',
      { config: { access: 'user' }, bodyLimit: COVER_LIMIT, schema: { tags, params: IdParams } },
      async (request, reply) => {
        const body = request.isMultipart() ? await multipartCover(request) : request.body;
        if (!Buffer.isBuffer(body) || body.length === 0) throw new Invalid('body must be a JPEG image', 'image');
        const image = request.isMultipart() ? body : coverBytes(body);
        await playlists.setCover(requireUser(request).id, request.params.id, image);
        return reply.code(202).send();
      },
    );

    scope.get(
      '/v1/playlists/:id/images',
      { config: { access: 'user' }, schema: { tags, params: IdParams } },
      async (request) =>
        shapes(request).s.images((await playlists.get(requireUser(request).id, request.params.id)).imageKey),
    );

    scope.get(
      '/v1/playlists/:id/export',
      {
        config: { access: 'user' },
        schema: {
          tags,
          params: IdParams,
          querystring: Type.Object({ format: Format }, { additionalProperties: false }),
        },
      },
      async (request, reply) => {
        const { format } = request.query;
        const base = shapes(request).s.base;
        const file = await playlistTransfer.export(
          requireUser(request).id,
          request.params.id,
          format,
          (trackId) => `${base}/track/${trackId}`,
        );
        reply.header('Content-Type', MIME[format]);
        reply.header('Content-Disposition', attachment(file.name, format));
        return reply.send(file.body);
      },
    );

    scope.post(
      '/v1/me/playlists/import',
      {
        config: { access: 'user' },
        bodyLimit: IMPORT_LIMIT,
        schema: {
          tags,
          querystring: Type.Object(
            { format: Format, name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
            { additionalProperties: false },
          ),
        },
      },
      async (request, reply) => {
        const body = request.body;
        const text = Buffer.isBuffer(body) ? body.toString('utf8') : typeof body === 'string' ? body : undefined;
        if (!text) throw new Invalid(`body must be the ${request.query.format} file`, 'body');
        // Sent as bytes (any content type), the file meets the input rule only once it is text.
        checkInput(text, 'body');
        const me = requireUser(request).id;
        const report = await playlistTransfer.import(me, request.query.format, text, request.query.name);
        return reply.code(201).send({
          playlist: shapes(request).simplified(report.playlist),
          matched: report.matched,
          unmatched: report.unmatched,
        });
      },
    );
  });
}

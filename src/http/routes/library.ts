import { Type } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Services } from '../../app.js';
import { SAVED_ALBUM_TRACKS } from '../../core/library/library-service.js';
import type { SavedKind } from '../../core/library/types.js';
import { requireUser } from '../auth.js';
import { IdsBody, IdsQuery, idsFrom, PagingQuery } from '../schemas.js';
import type { App } from '../server.js';
import { baseUrl, Shapes } from '../shapes.js';

/** Saved tracks and albums: `/v1/me/tracks…` and `/v1/me/albums…`, Spotify's routes and shapes. */
export function registerLibraryRoutes(app: App, { library, config }: Services): void {
  const shapes = (request: FastifyRequest) => new Shapes(baseUrl(request, config.publicUrl));
  const tags = ['library'];
  const paths: Record<SavedKind, string> = { track: '/v1/me/tracks', album: '/v1/me/albums' };

  for (const kind of ['track', 'album'] as const) {
    const path = paths[kind];
    const write = { config: { access: 'user' as const }, schema: { tags, querystring: IdsQuery, body: IdsBody } };

    app.put(path, write, async (request, reply) => {
      await library.save(requireUser(request).id, kind, idsFrom(request.query.ids, request.body));
      return reply.code(200).send();
    });

    app.delete(path, write, async (request, reply) => {
      await library.remove(requireUser(request).id, kind, idsFrom(request.query.ids, request.body));
      return reply.code(200).send();
    });

    app.get(
      `${path}/contains`,
      {
        config: { access: 'user' },
        schema: { tags, querystring: Type.Object({ ids: Type.String() }, { additionalProperties: false }) },
      },
      async (request) => library.contains(requireUser(request).id, kind, idsFrom(request.query.ids, undefined)),
    );
  }

  app.get(
    '/v1/me/tracks',
    { config: { access: 'user' }, schema: { tags, querystring: PagingQuery } },
    async (request) => {
      const { limit, offset } = request.query;
      const page = await library.tracks(requireUser(request).id, limit, offset);
      const s = shapes(request);
      return s.page('/v1/me/tracks', page, limit, offset, (saved) => ({
        added_at: saved.addedAt.toISOString(),
        track: s.track(saved.track),
      }));
    },
  );

  app.get(
    '/v1/me/albums',
    { config: { access: 'user' }, schema: { tags, querystring: PagingQuery } },
    async (request) => {
      const { limit, offset } = request.query;
      const page = await library.albums(requireUser(request).id, limit, offset);
      const s = shapes(request);
      return s.page('/v1/me/albums', page, limit, offset, (saved) => ({
        added_at: saved.addedAt.toISOString(),
        album: s.album(saved.album, saved.tracks, SAVED_ALBUM_TRACKS, 0),
      }));
    },
  );
}

import { Type } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Services } from '../../app.js';
import type { HomeItem } from '../../core/home/home-service.js';
import { requireUser } from '../auth.js';
import { PlaylistShapes } from '../playlist-shapes.js';
import { Paging } from '../schemas.js';
import type { App } from '../server.js';
import { baseUrl, Shapes } from '../shapes.js';

/** The personalised home and the listener's made-for-you playlists. */
export function registerHomeRoutes(app: App, { home, config }: Services): void {
  const shapes = (request: FastifyRequest) => new PlaylistShapes(new Shapes(baseUrl(request, config.publicUrl)));
  const tags = ['home'];

  const item = (s: PlaylistShapes, x: HomeItem) =>
    x.type === 'album'
      ? s.s.albumSummary(x.album)
      : x.type === 'artist'
        ? s.s.artist(x.artist)
        : s.simplified(x.playlist);

  app.get(
    '/v1/me/home',
    { config: { access: 'user' }, schema: { tags, querystring: Type.Object({}, { additionalProperties: false }) } },
    async (request) => {
      const user = requireUser(request);
      const sections = await home.home(user.id, user.country);
      const s = shapes(request);
      return { sections: sections.map((x) => ({ id: x.id, title: x.title, items: x.items.map((i) => item(s, i)) })) };
    },
  );

  app.get(
    '/v1/me/made-for-you',
    { config: { access: 'user' }, schema: { tags, querystring: Type.Object(Paging, { additionalProperties: false }) } },
    async (request) => {
      const { limit, offset } = request.query;
      const page = await home.madeForYou(requireUser(request).id, limit, offset);
      const s = shapes(request);
      return s.s.page('/v1/me/made-for-you', page, limit, offset, (p) => s.simplified(p));
    },
  );
}

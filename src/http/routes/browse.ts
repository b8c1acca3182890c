import { Type } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Services } from '../../app.js';
import type { Category } from '../../core/catalog/browse-service.js';
import { listenerMarket } from '../auth.js';
import { PagingQuery } from '../schemas.js';
import type { App } from '../server.js';
import { baseUrl, Shapes } from '../shapes.js';

const CategoryParams = Type.Object({ id: Type.String({ pattern: '^[\\p{L}\\p{N}-]{1,100}$' }) });

function category(s: Shapes, c: Category) {
  return {
    href: `${s.base}/v1/browse/categories/${encodeURIComponent(c.id)}`,
    icons: s.images(c.imageKey),
    id: c.id,
    name: c.name,
  };
}

export function registerBrowseRoutes(app: App, { browse, catalog, config }: Services): void {
  const shapes = (request: FastifyRequest) => new Shapes(baseUrl(request, config.publicUrl));
  const tags = ['browse'];

  app.get(
    '/v1/browse/new-releases',
    { config: { access: 'user' }, schema: { tags, querystring: PagingQuery } },
    async (request) => {
      const { limit, offset } = request.query;
      const s = shapes(request);
      // Releases the listener can play: their own country's unless a market is asked for.
      const page = await catalog.newReleases(limit, offset, listenerMarket(request, request.query.market));
      return { albums: s.page('/v1/browse/new-releases', page, limit, offset, (a) => s.albumSummary(a)) };
    },
  );

  app.get(
    '/v1/browse/categories',
    {
      config: { access: 'user' },
      schema: { tags, summary: 'Genres found in the tags of published albums', querystring: PagingQuery },
    },
    async (request) => {
      const { limit, offset } = request.query;
      const s = shapes(request);
      const all = await browse.categories();
      const page = { items: all.slice(offset, offset + limit), total: all.length };
      return { categories: s.page('/v1/browse/categories', page, limit, offset, (c) => category(s, c)) };
    },
  );

  app.get(
    '/v1/browse/categories/:id',
    { config: { access: 'user' }, schema: { tags, params: CategoryParams } },
    async (request) => category(shapes(request), await browse.category(request.params.id)),
  );

  app.get(
    '/v1/browse/categories/:id/albums',
    { config: { access: 'user' }, schema: { tags, params: CategoryParams, querystring: PagingQuery } },
    async (request) => {
      const { limit, offset } = request.query;
      const s = shapes(request);
      const page = await browse.categoryAlbums(request.params.id, limit, offset);
      const path = `/v1/browse/categories/${encodeURIComponent(request.params.id)}/albums`;
      return { albums: s.page(path, page, limit, offset, (a) => s.albumSummary(a)) };
    },
  );

  app.get(
    '/v1/browse/genres/:id',
    {
      config: { access: 'user' },
      schema: { tags, summary: 'A genre page: popular tracks, albums and artists', params: CategoryParams },
    },
    async (request) => {
      const s = shapes(request);
      const page = await browse.genrePage(request.params.id);
      const path = `/v1/browse/categories/${encodeURIComponent(page.category.id)}/albums`;
      return {
        category: category(s, page.category),
        tracks: page.tracks.map((t) => s.track(t)),
        albums: s.page(path, page.albums, 20, 0, (a) => s.albumSummary(a)),
        artists: page.artists.map((a) => s.artist(a)),
      };
    },
  );
}

import { Type } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Services } from '../../app.js';
import { listenerMarket, marketOf, requireUser } from '../auth.js';
import { IdParams, Market, Paging, PagingQuery } from '../schemas.js';
import type { App } from '../server.js';
import { baseUrl, Shapes } from '../shapes.js';

export function registerCatalogRoutes(app: App, { catalog, follows, config }: Services): void {
  const shapes = (request: FastifyRequest) => new Shapes(baseUrl(request, config.publicUrl));
  const tags = ['catalog'];

  app.get(
    '/v1/tracks/:id',
    { config: { access: 'user' }, schema: { tags, params: IdParams, querystring: Type.Object({ market: Market }) } },
    async (request) =>
      shapes(request).track(await catalog.track(request.params.id, marketOf(request, request.query.market))),
  );

  app.get(
    '/v1/tracks',
    {
      config: { access: 'user' },
      schema: {
        tags,
        querystring: Type.Object({ ids: Type.String(), market: Market }, { additionalProperties: false }),
      },
    },
    async (request) => {
      const s = shapes(request);
      const tracks = await catalog.tracks(request.query.ids.split(','), marketOf(request, request.query.market));
      return { tracks: tracks.map((t) => (t ? s.track(t) : null)) };
    },
  );

  app.get(
    '/v1/albums/:id',
    { config: { access: 'user' }, schema: { tags, params: IdParams, querystring: Type.Object({ market: Market }) } },
    async (request) => {
      const album = await catalog.album(request.params.id);
      const tracks = await catalog.albumTracks(album.id, 50, 0);
      return shapes(request).album(album, tracks, 50, 0);
    },
  );

  app.get(
    '/v1/albums/:id/tracks',
    { config: { access: 'user' }, schema: { tags, params: IdParams, querystring: PagingQuery } },
    async (request) => {
      const { limit, offset } = request.query;
      const page = await catalog.albumTracks(request.params.id, limit, offset);
      const s = shapes(request);
      return s.page(`/v1/albums/${request.params.id}/tracks`, page, limit, offset, (t) => s.simplifiedTrack(t));
    },
  );

  app.get('/v1/artists/:id', { config: { access: 'user' }, schema: { tags, params: IdParams } }, async (request) =>
    shapes(request).artist(await catalog.artist(request.params.id)),
  );

  app.get(
    '/v1/artists',
    {
      config: { access: 'user' },
      schema: { tags, querystring: Type.Object({ ids: Type.String() }, { additionalProperties: false }) },
    },
    async (request) => {
      const s = shapes(request);
      const artists = await catalog.artists(request.query.ids.split(','));
      return { artists: artists.map((a) => (a ? s.artist(a) : null)) };
    },
  );

  app.get(
    '/v1/artists/:id/albums',
    {
      config: { access: 'user' },
      schema: {
        tags,
        params: IdParams,
        querystring: Type.Object(
          { ...Paging, market: Market, include_groups: Type.Optional(Type.String()) },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const { limit, offset, include_groups } = request.query;
      // As Spotify's: the listener's own country unless a market is asked for.
      const market = listenerMarket(request, request.query.market);
      const page = await catalog.artistAlbums(request.params.id, include_groups, limit, offset, market);
      const s = shapes(request);
      const extra = include_groups ? `&include_groups=${encodeURIComponent(include_groups)}` : '';
      return s.page(`/v1/artists/${request.params.id}/albums`, page, limit, offset, (a) => s.albumSummary(a), extra);
    },
  );

  app.get(
    '/v1/artists/:id/top-tracks',
    { config: { access: 'user' }, schema: { tags, params: IdParams, querystring: Type.Object({ market: Market }) } },
    async (request) => {
      const s = shapes(request);
      const market = listenerMarket(request, request.query.market);
      return { tracks: (await catalog.artistTopTracks(request.params.id, market)).map((t) => s.track(t)) };
    },
  );

  app.get('/v1/me', { config: { access: 'user' }, schema: { tags: ['users'] } }, async (request) => {
    const user = requireUser(request);
    return shapes(request).me(user, (await follows.profile(user.id)).followers);
  });
}

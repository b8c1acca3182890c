import { Type } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Services } from '../../app.js';
import type { SearchPages } from '../../core/search/search-service.js';
import { listenerMarket, requireUser } from '../auth.js';
import { PlaylistShapes } from '../playlist-shapes.js';
import { Market } from '../schemas.js';
import type { App } from '../server.js';
import { baseUrl, Shapes } from '../shapes.js';

const Query = Type.String({
  minLength: 1,
  maxLength: 500,
  description: 'words and field filters: artist:, album:, track:, genre:, year:, tag:new',
});

const SearchQuery = Type.Object(
  {
    q: Query,
    type: Type.String({ description: 'comma-separated: track, artist, album, playlist, show, episode, audiobook' }),
    limit: Type.Integer({ minimum: 1, maximum: 50, default: 20 }),
    offset: Type.Integer({ minimum: 0, maximum: 1000, default: 0 }),
    market: Market,
    include_external: Type.Optional(Type.Literal('audio')),
  },
  { additionalProperties: false },
);

const SuggestQuery = Type.Object(
  { q: Query, limit: Type.Integer({ minimum: 1, maximum: 10, default: 5 }), market: Market },
  { additionalProperties: false },
);

/** Spotify names its result keys in the plural. */
const PLURAL = {
  track: 'tracks',
  artist: 'artists',
  album: 'albums',
  playlist: 'playlists',
  show: 'shows',
  episode: 'episodes',
  audiobook: 'audiobooks',
} as const;

function render(s: Shapes, pages: SearchPages, q: string, limit: number, offset: number) {
  const out: Record<string, unknown> = {};
  const playlists = new PlaylistShapes(s);
  for (const [type, page] of Object.entries(pages) as [
    keyof SearchPages,
    NonNullable<SearchPages[keyof SearchPages]>,
  ][]) {
    const extra = `&q=${encodeURIComponent(q)}&type=${type}`;
    const map = (item: unknown) =>
      type === 'track'
        ? s.track(item as Parameters<Shapes['track']>[0])
        : type === 'artist'
          ? s.artist(item as Parameters<Shapes['artist']>[0])
          : type === 'playlist'
            ? playlists.simplified(item as Parameters<PlaylistShapes['simplified']>[0])
            : s.albumSummary(item as Parameters<Shapes['albumSummary']>[0]);
    out[PLURAL[type]] = s.page('/v1/search', page, limit, offset, map, extra);
  }
  return out;
}

export function registerSearchRoutes(app: App, { search, config }: Services): void {
  const shapes = (request: FastifyRequest) => new Shapes(baseUrl(request, config.publicUrl));

  app.get(
    '/v1/search',
    {
      config: { access: 'user' },
      schema: {
        tags: ['search'],
        summary: 'Search tracks, artists, albums (and playlists, shows, episodes, audiobooks as they exist)',
        querystring: SearchQuery,
      },
    },
    async (request) => {
      const { q, type, limit, offset, market } = request.query;
      const pages = await search.search(requireUser(request), {
        q,
        type,
        limit,
        offset,
        market: listenerMarket(request, market),
      });
      return render(shapes(request), pages, q, limit, offset);
    },
  );

  app.get(
    '/v1/search/suggest',
    {
      config: { access: 'user' },
      schema: {
        tags: ['search'],
        summary: 'Typeahead: the best match and the top few per type for a partial query',
        querystring: SuggestQuery,
      },
    },
    async (request) => {
      const { q, limit, market } = request.query;
      const { best, ...pages } = await search.suggest(requireUser(request), q, limit, listenerMarket(request, market));
      const s = shapes(request);
      const rendered = render(s, pages, q, limit, 0);
      const bestItem =
        best === null
          ? null
          : best.type === 'track'
            ? s.track(best.item)
            : best.type === 'artist'
              ? s.artist(best.item)
              : s.albumSummary(best.item);
      return { q, best_match: bestItem && { type: best!.type, item: bestItem }, ...rendered };
    },
  );
}

import { Type } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Services } from '../../app.js';
import { HISTORY_LIMIT, type PlayedItem, TIME_RANGES } from '../../core/events/listening-service.js';
import { requireUser } from '../auth.js';
import { contextShape } from '../player-shapes.js';
import { EpochMs, Paging } from '../schemas.js';
import type { App } from '../server.js';
import { baseUrl, Shapes } from '../shapes.js';

/** Recently played, top artists and tracks, and the yearly Wrapped summary. */
export function registerListeningRoutes(app: App, { listening, config }: Services): void {
  const shapes = (request: FastifyRequest) => new Shapes(baseUrl(request, config.publicUrl));
  const tags = ['listening'];

  app.get(
    '/v1/me/player/recently-played',
    {
      config: { access: 'user' },
      schema: {
        tags,
        querystring: Type.Object(
          {
            limit: Type.Integer({ minimum: 1, maximum: HISTORY_LIMIT, default: 20 }),
            before: Type.Optional(EpochMs('UTC ms: plays before this')),
            after: Type.Optional(EpochMs('UTC ms: plays after this')),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const { limit, before, after } = request.query;
      const items = await listening.recentlyPlayed(requireUser(request).id, { limit, before, after });
      const s = shapes(request);
      const path = `${s.base}/v1/me/player/recently-played`;
      const cursor = (x: PlayedItem | undefined) => (x ? String(x.playedAt) : null);
      const query = before !== undefined ? `&before=${before}` : after !== undefined ? `&after=${after}` : '';
      return {
        href: `${path}?limit=${limit}${query}`,
        limit,
        // Older plays are behind the oldest one shown; a short page was the last.
        next: items.length === limit ? `${path}?before=${items.at(-1)!.playedAt}&limit=${limit}` : null,
        cursors: items.length > 0 ? { after: cursor(items[0]), before: cursor(items.at(-1)) } : null,
        items: items.map((x) => ({
          track: s.track(x.track),
          played_at: new Date(x.playedAt).toISOString(),
          context: contextShape(s, x.contextUri),
        })),
      };
    },
  );

  const TopQuery = Type.Object(
    {
      time_range: Type.Union(
        TIME_RANGES.map((r) => Type.Literal(r)),
        { default: 'medium_term' },
      ),
      ...Paging,
    },
    { additionalProperties: false },
  );
  app.get(
    '/v1/me/top/:type',
    {
      config: { access: 'user' },
      schema: {
        tags,
        params: Type.Object({ type: Type.Union([Type.Literal('artists'), Type.Literal('tracks')]) }),
        querystring: TopQuery,
      },
    },
    async (request) => {
      const { time_range, limit, offset } = request.query;
      const userId = requireUser(request).id;
      const s = shapes(request);
      const path = `/v1/me/top/${request.params.type}`;
      const extra = `&time_range=${time_range}`;
      if (request.params.type === 'tracks') {
        const page = await listening.topTracks(userId, time_range, limit, offset);
        return s.page(path, page, limit, offset, (t) => s.track(t), extra);
      }
      const page = await listening.topArtists(userId, time_range, limit, offset);
      return s.page(path, page, limit, offset, (a) => s.artist(a), extra);
    },
  );

  app.get(
    '/v1/me/wrapped',
    {
      config: { access: 'user' },
      schema: {
        tags,
        querystring: Type.Object(
          { year: Type.Optional(Type.Integer({ minimum: 1, maximum: 9999 })) },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const year = request.query.year ?? new Date().getUTCFullYear();
      const w = await listening.wrapped(requireUser(request).id, year);
      const s = shapes(request);
      return {
        year: w.year,
        minutes_listened: w.minutes,
        plays: w.plays,
        top_artists: w.artists.map((a) => s.artist(a)),
        top_tracks: w.tracks.map((t) => s.track(t)),
        top_genres: w.genres.map((g) => ({ name: g.name, minutes_listened: g.minutes })),
      };
    },
  );
}

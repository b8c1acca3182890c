import { Type } from '@fastify/type-provider-typebox';
import type { Services } from '../../app.js';
import { MAX_STATED_GENRES } from '../../core/recs/taste.js';
import { requireUser } from '../auth.js';
import type { App } from '../server.js';

const GenresBody = Type.Object(
  {
    genres: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
      maxItems: MAX_STATED_GENRES,
      description: 'genres of the catalogue (GET /v1/recommendations/available-genre-seeds); empty to choose none',
    }),
  },
  { additionalProperties: false },
);

/**
 * A listener's stated taste: the genres they pick at sign-up (or later), which seed their
 * recommendations until their own listening says more; and the genres there are to pick from.
 */
export function registerTasteRoutes(app: App, { recommendations: engine, home }: Services): void {
  const tags = ['recommendations'];

  app.get(
    '/v1/recommendations/available-genre-seeds',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'The genres usable as seed_genres and as picked genres, most tracks first',
        querystring: Type.Object({}, { additionalProperties: false }),
      },
    },
    async () => {
      const genres = await engine.genres();
      // Spotify's shape (`genres`: names), with the track counts beside it for pickers.
      return { genres: genres.map((g) => g.name), counts: genres.map((g) => ({ genre: g.name, tracks: g.tracks })) };
    },
  );

  app.get(
    '/v1/me/taste/genres',
    { config: { access: 'user' }, schema: { tags, querystring: Type.Object({}, { additionalProperties: false }) } },
    async (request) => ({ genres: await engine.statedGenres(requireUser(request).id) }),
  );

  app.put(
    '/v1/me/taste/genres',
    { config: { access: 'user' }, schema: { tags, body: GenresBody } },
    async (request) => {
      const userId = requireUser(request).id;
      const genres = await engine.setStatedGenres(userId, request.body.genres);
      // Today's Daily Mixes may have been made from the genres before.
      await home.statedGenresChanged(userId, genres);
      return { genres };
    },
  );
}

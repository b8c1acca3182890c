import { Type } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Services } from '../../app.js';
import type { Track } from '../../core/catalog/types.js';
import { Invalid } from '../../core/errors.js';
import { requireId } from '../../core/ids.js';
import { ATTRIBUTE_SPANS, type Tunable } from '../../core/recs/ranking.js';
import { listenerMarket, requireUser } from '../auth.js';
import { IdParams, Market } from '../schemas.js';
import type { App } from '../server.js';
import { baseUrl, Shapes } from '../shapes.js';

/** Spotify's tunable track attributes (those ranking knows a span for), each as min_, max_ and target_. */
const TUNABLE_NAME = new RegExp(`^(min|max|target)_(${Object.keys(ATTRIBUTE_SPANS).join('|')})$`);
const MAX_SEEDS = 5;

/** A comma-separated list of ids (`exclude`, `seed_tracks`), each checked; empty entries ignored. */
function idList(value: string | undefined, field: string): string[] {
  if (value === undefined) return [];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((id) => requireId(id, field));
}

const Limit = (fallback: number) => Type.Integer({ minimum: 1, maximum: 100, default: fallback });
const Exclude = Type.Optional(Type.String({ maxLength: 23 * 1000, description: 'comma-separated track ids' }));

/**
 * The recommendation engine's surfaces: Spotify's recommendations and related artists, "Recommended
 * songs" under a playlist, radio from any track, artist, album or playlist, and autoplay after a queue.
 */
export function registerRecommendationRoutes(app: App, services: Services): void {
  const { recommendations: engine, catalog, playlists, config } = services;
  const shapes = (request: FastifyRequest) => new Shapes(baseUrl(request, config.publicUrl));
  const tags = ['recommendations'];

  /** Full track objects in the engine's order; ids gone since (withdrawn a moment ago) are skipped. */
  const tracksOf = async (ids: string[], market: string): Promise<Track[]> => {
    const out: Track[] = [];
    for (let i = 0; i < ids.length; i += 50) {
      for (const t of await catalog.tracks(ids.slice(i, i + 50), market)) if (t) out.push(t);
    }
    return out;
  };

  app.get(
    '/v1/recommendations',
    {
      config: { access: 'user' },
      schema: {
        tags,
        querystring: Type.Object(
          {
            seed_artists: Type.Optional(Type.String()),
            seed_tracks: Type.Optional(Type.String()),
            seed_genres: Type.Optional(Type.String()),
            limit: Limit(20),
            market: Market,
          },
          // The tunable attributes are checked by name below.
          { additionalProperties: Type.String() },
        ),
      },
    },
    async (request) => {
      const q = request.query as Record<string, string | number | undefined>;
      const tunable: Tunable = { min: {}, max: {}, target: {} };
      for (const [name, value] of Object.entries(q)) {
        if (['seed_artists', 'seed_tracks', 'seed_genres', 'limit', 'market'].includes(name)) continue;
        const m = TUNABLE_NAME.exec(name);
        if (!m) throw new Invalid(`${name} is not a known parameter`, name);
        const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
        if (!Number.isFinite(n)) throw new Invalid(`${name} must be a number`, name);
        (tunable[m[1] as keyof Tunable] as Record<string, number>)[m[2]!] = n;
      }
      const { limit } = request.query;
      const seedTrackIds = idList(request.query.seed_tracks, 'seed_tracks');
      const seedArtistIds = idList(request.query.seed_artists, 'seed_artists');
      const seedGenres = (request.query.seed_genres ?? '')
        .split(',')
        .map((g) => g.trim())
        .filter((g) => g.length > 0);
      const total = seedTrackIds.length + seedArtistIds.length + seedGenres.length;
      if (total === 0 || total > MAX_SEEDS)
        throw new Invalid(
          `seed_artists, seed_tracks and seed_genres must hold 1 to ${MAX_SEEDS} seeds in all (got ${total})`,
          'seed_tracks',
        );
      const market = listenerMarket(request, request.query.market);
      const result = await engine.recommend({
        userId: requireUser(request).id,
        purpose: 'radio',
        limit,
        seedTrackIds,
        seedArtistIds,
        seedGenres,
        market,
        tunable,
        withSeedPools: true,
      });
      const s = shapes(request);
      const href = (type: string, id: string) =>
        type === 'TRACK' ? `${s.base}/v1/tracks/${id}` : type === 'ARTIST' ? `${s.base}/v1/artists/${id}` : null;
      return {
        seeds: result.seeds.map((seed) => ({
          id: seed.id,
          type: seed.type,
          href: href(seed.type, seed.id),
          initialPoolSize: seed.initialPoolSize,
          afterFilteringSize: seed.afterFilteringSize,
          afterRelinkingSize: seed.afterFilteringSize,
        })),
        tracks: (await tracksOf(result.ids, market)).map((t) => s.track(t)),
      };
    },
  );

  app.get(
    '/v1/artists/:id/related-artists',
    { config: { access: 'user' }, schema: { tags, params: IdParams } },
    async (request) => {
      const ids = await engine.relatedArtists(request.params.id, 20);
      const s = shapes(request);
      const artists = ids.length === 0 ? [] : await catalog.artists(ids);
      return { artists: artists.filter((a) => a !== null).map((a) => s.artist(a)) };
    },
  );

  app.get(
    '/v1/playlists/:id/recommendations',
    {
      config: { access: 'user' },
      schema: {
        tags,
        params: IdParams,
        querystring: Type.Object(
          { limit: Limit(10), exclude: Exclude, market: Market },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const userId = requireUser(request).id;
      await playlists.open(userId, request.params.id);
      const own = await engine.playlistTracks(request.params.id);
      const market = listenerMarket(request, request.query.market);
      const ids = await engine.tracks({
        userId,
        purpose: 'continuation',
        limit: request.query.limit,
        seedTrackIds: own.slice(-SEEDS_FROM_PLAYLIST),
        exclude: [...own, ...idList(request.query.exclude, 'exclude')],
        market,
      });
      const s = shapes(request);
      return { tracks: (await tracksOf(ids, market)).map((t) => s.track(t)) };
    },
  );

  app.get(
    '/v1/radio',
    {
      config: { access: 'user' },
      schema: {
        tags,
        querystring: Type.Object(
          {
            seed_uri: Type.String({ pattern: '^cadenza:(track|artist|album|playlist):[0-9A-Za-z]{22}$' }),
            limit: Limit(50),
            exclude: Exclude,
            market: Market,
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const { seed_uri, limit } = request.query;
      const [, type, id] = seed_uri.split(':') as [string, 'track' | 'artist' | 'album' | 'playlist', string];
      const userId = requireUser(request).id;
      const market = listenerMarket(request, request.query.market);
      const exclude = idList(request.query.exclude, 'exclude');
      // A track's or an artist's name is read beside the recommendations; an album's or a playlist's
      // tracks are the seeds, so they come first.
      let name: Promise<string>;
      let seedTrackIds: string[] = [];
      let seedArtistIds: string[] = [];
      if (type === 'track') {
        name = catalog.track(id, market).then((t) => t.name);
        seedTrackIds = [id];
      } else if (type === 'artist') {
        name = catalog.artist(id).then((a) => a.name);
        seedArtistIds = [id];
      } else if (type === 'album') {
        const [album, tracks] = await Promise.all([catalog.album(id), catalog.albumTracks(id, 50, 0)]);
        name = Promise.resolve(album.name);
        seedTrackIds = tracks.items.map((t) => t.id);
      } else {
        name = Promise.resolve((await playlists.get(userId, id)).name);
        seedTrackIds = (await engine.playlistTracks(id)).slice(-SEEDS_FROM_PLAYLIST);
      }
      // Song radio starts with its seed, as Spotify's does; a later page (seed excluded) does not.
      const [seedName, { ids }] = await Promise.all([
        name,
        engine.recommend({
          userId,
          purpose: 'radio',
          limit,
          seedTrackIds,
          seedArtistIds,
          exclude,
          market,
          leadWith: type === 'track' ? id : undefined,
        }),
      ]);
      const s = shapes(request);
      return {
        name: `${seedName} Radio`,
        seed_uri,
        tracks: (await tracksOf(ids, market)).map((t) => s.track(t)),
      };
    },
  );

  app.get(
    '/v1/me/autoplay',
    {
      config: { access: 'user' },
      schema: {
        tags,
        querystring: Type.Object(
          { seed_tracks: Type.Optional(Type.String()), exclude: Exclude, limit: Limit(20), market: Market },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const seedTrackIds = idList(request.query.seed_tracks, 'seed_tracks');
      if (seedTrackIds.length > MAX_SEEDS)
        throw new Invalid(`seed_tracks must hold at most ${MAX_SEEDS} track ids`, 'seed_tracks');
      const market = listenerMarket(request, request.query.market);
      const ids = await engine.tracks({
        userId: requireUser(request).id,
        purpose: 'autoplay',
        limit: request.query.limit,
        seedTrackIds,
        exclude: idList(request.query.exclude, 'exclude'),
        market,
      });
      const s = shapes(request);
      return { tracks: (await tracksOf(ids, market)).map((t) => s.track(t)) };
    },
  );
}

/** A long playlist is continued from its last tracks: what it has become, not how it began. */
const SEEDS_FROM_PLAYLIST = 100;

import { Type } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Services } from '../../app.js';
import { FEED_LIMIT, type PrivateSession } from '../../core/social/social-service.js';
import { requireUser } from '../auth.js';
import type { App } from '../server.js';
import { baseUrl, Shapes } from '../shapes.js';

const privateSession = (p: PrivateSession) => ({ enabled: p.enabled, expires_at: p.expiresAt?.toISOString() ?? null });

/** Friend activity: the stand-in playback report, the friend feed and the private-session switch. */
export function registerSocialRoutes(app: App, { social, config }: Services): void {
  const shapes = (request: FastifyRequest) => new Shapes(baseUrl(request, config.publicUrl));
  const tags = ['social'];

  // Stand-in until the player-state issue lands: clients report what they play, followers see it.
  app.put(
    '/v1/me/player/now-playing',
    {
      config: { access: 'user' },
      schema: {
        tags,
        body: Type.Object(
          {
            track_id: Type.String(),
            progress_ms: Type.Integer({ minimum: 0, maximum: 86_400_000 }),
            is_playing: Type.Boolean(),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const { track_id, progress_ms, is_playing } = request.body;
      const s = shapes(request);
      await social.report(
        requireUser(request).id,
        { trackId: track_id, progressMs: progress_ms, isPlaying: is_playing },
        (activity) => s.friendActivity(activity),
      );
      return reply.code(204).send();
    },
  );

  app.get(
    '/v1/me/friends/activity',
    {
      config: { access: 'user' },
      schema: {
        tags,
        querystring: Type.Object(
          { limit: Type.Integer({ minimum: 1, maximum: FEED_LIMIT, default: FEED_LIMIT }) },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const s = shapes(request);
      const feed = await social.feed(requireUser(request).id, request.query.limit);
      return { friends: feed.map((a) => s.friendActivity(a)) };
    },
  );

  app.get('/v1/me/private-session', { config: { access: 'user' }, schema: { tags } }, async (request) =>
    privateSession(await social.privateSession(requireUser(request).id)),
  );

  app.put(
    '/v1/me/private-session',
    {
      config: { access: 'user' },
      schema: { tags, body: Type.Object({ enabled: Type.Boolean() }, { additionalProperties: false }) },
    },
    async (request) => privateSession(await social.setPrivateSession(requireUser(request).id, request.body.enabled)),
  );
}

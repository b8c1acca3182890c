import { Type } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Services } from '../../app.js';
import type { CursorPage, FollowType } from '../../core/social/types.js';
import { requireUser } from '../auth.js';
import { IdsBody, idsFrom, Paging } from '../schemas.js';
import type { App } from '../server.js';
import { baseUrl, Shapes } from '../shapes.js';

const FollowTypeQuery = Type.Unsafe<FollowType>(Type.String({ enum: ['artist', 'user'] }));
const UserParams = Type.Object({ user_id: Type.String() });

/** Following artists and users (Spotify's cursor-paged `/v1/me/following`), public profiles and blocks. */
export function registerFollowingRoutes(app: App, { follows, config }: Services): void {
  const shapes = (request: FastifyRequest) => new Shapes(baseUrl(request, config.publicUrl));
  const tags = ['following'];
  const write = {
    config: { access: 'user' as const },
    schema: {
      tags,
      querystring: Type.Object(
        { type: FollowTypeQuery, ids: Type.Optional(Type.String()) },
        { additionalProperties: false },
      ),
      body: IdsBody,
    },
  };

  app.put('/v1/me/following', write, async (request, reply) => {
    const { type, ids } = request.query;
    await follows.follow(requireUser(request).id, type, idsFrom(ids, request.body));
    return reply.code(204).send();
  });

  app.delete('/v1/me/following', write, async (request, reply) => {
    const { type, ids } = request.query;
    await follows.unfollow(requireUser(request).id, type, idsFrom(ids, request.body));
    return reply.code(204).send();
  });

  app.get(
    '/v1/me/following/contains',
    {
      config: { access: 'user' },
      schema: {
        tags,
        querystring: Type.Object({ type: FollowTypeQuery, ids: Type.String() }, { additionalProperties: false }),
      },
    },
    async (request) => follows.contains(requireUser(request).id, request.query.type, idsFrom(request.query.ids, null)),
  );

  app.get(
    '/v1/me/following',
    {
      config: { access: 'user' },
      schema: {
        tags,
        querystring: Type.Object(
          { type: FollowTypeQuery, after: Type.Optional(Type.String()), limit: Paging.limit },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const { type, after, limit } = request.query;
      const userId = requireUser(request).id;
      const s = shapes(request);
      const link = (cursor: string | undefined) =>
        `${s.base}/v1/me/following?type=${type}${cursor ? `&after=${cursor}` : ''}&limit=${limit}`;
      const cursorPage = (page: CursorPage<unknown>, items: unknown[]) => ({
        href: link(after),
        items,
        limit,
        next: page.after ? link(page.after) : null,
        cursors: { after: page.after },
        total: page.total,
      });
      if (type === 'artist') {
        const page = await follows.followedArtists(userId, after, limit);
        return {
          artists: cursorPage(
            page,
            page.items.map((a) => s.artist(a)),
          ),
        };
      }
      const page = await follows.followedUsers(userId, after, limit);
      return {
        users: cursorPage(
          page,
          page.items.map((u) => s.user(u)),
        ),
      };
    },
  );

  app.get(
    '/v1/users/:user_id',
    { config: { access: 'user' }, schema: { tags: ['users'], params: UserParams } },
    async (request) => shapes(request).user(await follows.profile(request.params.user_id)),
  );

  app.put(
    '/v1/me/blocks/:user_id',
    { config: { access: 'user' }, schema: { tags, params: UserParams } },
    async (request, reply) => {
      await follows.block(requireUser(request).id, request.params.user_id);
      return reply.code(204).send();
    },
  );

  app.delete(
    '/v1/me/blocks/:user_id',
    { config: { access: 'user' }, schema: { tags, params: UserParams } },
    async (request, reply) => {
      await follows.unblock(requireUser(request).id, request.params.user_id);
      return reply.code(204).send();
    },
  );

  app.get(
    '/v1/me/blocks',
    {
      config: { access: 'user' },
      schema: { tags, querystring: Type.Object({ ...Paging }, { additionalProperties: false }) },
    },
    async (request) => {
      const { limit, offset } = request.query;
      const page = await follows.blocks(requireUser(request).id, limit, offset);
      const s = shapes(request);
      return s.page('/v1/me/blocks', page, limit, offset, (u) => s.user(u));
    },
  );
}

import { Type } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Services } from '../../app.js';
import { MAX_DESCRIPTION, MAX_NAME } from '../../core/playlists/playlist-service.js';
import { requireUser } from '../auth.js';
import { PlaylistShapes } from '../playlist-shapes.js';
import { IdParams, Paging } from '../schemas.js';
import type { App } from '../server.js';
import { baseUrl, Shapes } from '../shapes.js';

const Details = {
  name: Type.String({ minLength: 1, maxLength: MAX_NAME }),
  description: Type.Optional(Type.String({ maxLength: MAX_DESCRIPTION })),
  public: Type.Optional(Type.Boolean()),
  collaborative: Type.Optional(Type.Boolean()),
};
const CreateBody = Type.Object(Details, { additionalProperties: false });
const UpdateBody = Type.Object({ ...Details, name: Type.Optional(Details.name) }, { additionalProperties: false });

/** Playlist items come 100 to a page, Spotify's maximum and default. */
export const ItemsQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 100 }),
    offset: Type.Integer({ minimum: 0, maximum: 10_000, default: 0 }),
    market: Type.Optional(Type.String()),
    fields: Type.Optional(Type.String()),
    additional_types: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
// Accepted for Spotify clients; every field is returned and tracks are not filtered by market.
const PlaylistQuery = Type.Object(
  {
    market: Type.Optional(Type.String()),
    fields: Type.Optional(Type.String()),
    additional_types: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
const ListQuery = Type.Object(Paging, { additionalProperties: false });
// Spotify's user ids are free-form; ours are base62, and anything else is simply not found.
const UserParams = Type.Object({ user_id: Type.String({ minLength: 1, maxLength: 64 }) });
const CollaboratorParams = Type.Object({ ...IdParams.properties, user_id: UserParams.properties.user_id });
const TokenParams = Type.Object({ token: Type.String({ maxLength: 100 }) });
const FollowBody = Type.Optional(
  Type.Union([Type.Object({ public: Type.Optional(Type.Boolean()) }, { additionalProperties: false }), Type.Null()]),
);

/**
 * Playlists' details, listings, followers, collaborators and share links. Item edits are in
 * playlist-edits.ts; covers, import and export in playlist-files.ts.
 */
export function registerPlaylistRoutes(app: App, { playlists, config }: Services): void {
  const shapes = (request: FastifyRequest) => new PlaylistShapes(new Shapes(baseUrl(request, config.publicUrl)));
  const user = { config: { access: 'user' as const } };
  const tags = ['playlists'];

  async function full(request: FastifyRequest, viewerId: string | null, id: string) {
    const playlist = await playlists.get(viewerId, id);
    return shapes(request).full(playlist, await playlists.entries(id, 100, 0), 100, 0);
  }

  app.post(
    '/v1/users/:user_id/playlists',
    { ...user, schema: { tags, params: UserParams, body: CreateBody } },
    async (request, reply) => {
      const me = requireUser(request).id;
      const playlist = await playlists.create(request.params.user_id, me, request.body);
      return reply.code(201).send(await full(request, me, playlist.id));
    },
  );

  app.get('/v1/playlists/:id', { ...user, schema: { tags, params: IdParams, querystring: PlaylistQuery } }, (request) =>
    full(request, requireUser(request).id, request.params.id),
  );

  app.put('/v1/playlists/:id', { ...user, schema: { tags, params: IdParams, body: UpdateBody } }, async (request) => {
    const me = requireUser(request).id;
    await playlists.update(me, request.params.id, request.body);
    return full(request, me, request.params.id);
  });

  app.get(
    '/v1/playlists/:id/tracks',
    { ...user, schema: { tags, params: IdParams, querystring: ItemsQuery } },
    async (request) => {
      const { limit, offset } = request.query;
      const page = await playlists.items(requireUser(request).id, request.params.id, limit, offset);
      return shapes(request).items(`/v1/playlists/${request.params.id}/tracks`, page, limit, offset);
    },
  );

  app.get('/v1/me/playlists', { ...user, schema: { tags, querystring: ListQuery } }, async (request) => {
    const { limit, offset } = request.query;
    const page = await playlists.myPlaylists(requireUser(request).id, limit, offset);
    const s = shapes(request);
    return s.s.page('/v1/me/playlists', page, limit, offset, (p) => s.simplified(p));
  });

  app.get(
    '/v1/users/:user_id/playlists',
    { ...user, schema: { tags, params: UserParams, querystring: ListQuery } },
    async (request) => {
      const { limit, offset } = request.query;
      const { user_id } = request.params;
      const page = await playlists.userPlaylists(requireUser(request).id, user_id, limit, offset);
      const s = shapes(request);
      return s.s.page(`/v1/users/${encodeURIComponent(user_id)}/playlists`, page, limit, offset, (p) =>
        s.simplified(p),
      );
    },
  );

  app.put(
    '/v1/playlists/:id/followers',
    { ...user, schema: { tags, params: IdParams, body: FollowBody } },
    async (request, reply) => {
      await playlists.follow(requireUser(request).id, request.params.id, request.body?.public ?? true);
      return reply.code(200).send();
    },
  );

  app.delete('/v1/playlists/:id/followers', { ...user, schema: { tags, params: IdParams } }, async (request, reply) => {
    await playlists.unfollow(requireUser(request).id, request.params.id);
    return reply.code(200).send();
  });

  app.get(
    '/v1/playlists/:id/followers/contains',
    {
      ...user,
      schema: {
        tags,
        params: IdParams,
        querystring: Type.Object({ ids: Type.String() }, { additionalProperties: false }),
      },
    },
    (request) => playlists.followersContain(requireUser(request).id, request.params.id, request.query.ids.split(',')),
  );

  const collaborators = async (request: FastifyRequest, viewerId: string, id: string) => {
    const s = shapes(request);
    const list = await playlists.collaborators(viewerId, id);
    return { items: list.map((c) => ({ added_at: c.addedAt.toISOString(), user: s.user(c) })) };
  };

  app.get('/v1/playlists/:id/collaborators', { ...user, schema: { tags, params: IdParams } }, (request) =>
    collaborators(request, requireUser(request).id, request.params.id),
  );

  app.put(
    '/v1/playlists/:id/collaborators/:user_id',
    { ...user, schema: { tags, params: CollaboratorParams } },
    async (request) => {
      const me = requireUser(request).id;
      await playlists.addCollaborator(me, request.params.id, request.params.user_id);
      return collaborators(request, me, request.params.id);
    },
  );

  app.delete(
    '/v1/playlists/:id/collaborators/:user_id',
    { ...user, schema: { tags, params: CollaboratorParams } },
    async (request) => {
      const me = requireUser(request).id;
      await playlists.removeCollaborator(me, request.params.id, request.params.user_id);
      return collaborators(request, me, request.params.id);
    },
  );

  app.post('/v1/playlists/:id/share', { ...user, schema: { tags, params: IdParams } }, async (request) => {
    const token = await playlists.share(requireUser(request).id, request.params.id);
    return { token, url: `${shapes(request).s.base}/v1/shared/playlists/${token}` };
  });

  app.delete('/v1/playlists/:id/share', { ...user, schema: { tags, params: IdParams } }, async (request, reply) => {
    await playlists.unshare(requireUser(request).id, request.params.id);
    return reply.code(204).send();
  });

  // A share link reads the playlist without an account, for as long as it stands and the playlist is public.
  app.get(
    '/v1/shared/playlists/:token',
    { config: { access: 'public' }, schema: { tags, params: TokenParams, querystring: ItemsQuery } },
    async (request) => {
      const { limit, offset } = request.query;
      const { token } = request.params;
      const playlist = await playlists.shared(token);
      const page = await playlists.entries(playlist.id, limit, offset);
      return shapes(request).full(playlist, page, limit, offset, `/v1/shared/playlists/${token}/tracks`);
    },
  );

  app.get(
    '/v1/shared/playlists/:token/tracks',
    { config: { access: 'public' }, schema: { tags, params: TokenParams, querystring: ItemsQuery } },
    async (request) => {
      const { limit, offset } = request.query;
      const { token } = request.params;
      const playlist = await playlists.shared(token);
      const page = await playlists.entries(playlist.id, limit, offset);
      return shapes(request).items(`/v1/shared/playlists/${token}/tracks`, page, limit, offset);
    },
  );
}

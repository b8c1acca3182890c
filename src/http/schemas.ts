import { Type } from '@fastify/type-provider-typebox';

/** Shared request schemas: ids, paging and market, with Spotify's limits. */

export const IdParams = Type.Object({ id: Type.String({ pattern: '^[0-9A-Za-z]{22}$' }) });

export const Paging = {
  limit: Type.Integer({ minimum: 1, maximum: 50, default: 20 }),
  offset: Type.Integer({ minimum: 0, maximum: 100_000, default: 0 }),
};

export const Market = Type.Optional(Type.String({ pattern: '^([A-Z]{2}|from_token)$' }));

export const PagingQuery = Type.Object({ ...Paging, market: Market }, { additionalProperties: false });

import { Type } from '@fastify/type-provider-typebox';
import { Invalid } from '../core/errors.js';

/** Shared request schemas: ids, paging and market, with Spotify's limits. */

export const IdParams = Type.Object({ id: Type.String({ pattern: '^[0-9A-Za-z]{22}$' }) });

export const Paging = {
  limit: Type.Integer({ minimum: 1, maximum: 50, default: 20 }),
  offset: Type.Integer({ minimum: 0, maximum: 100_000, default: 0 }),
};

/** A time as UTC epoch milliseconds, within JavaScript's Date range. */
export const EpochMs = (description: string) =>
  Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000, description });

export const Market = Type.Optional(Type.String({ pattern: '^([A-Z]{2}|from_token)$' }));

export const PagingQuery = Type.Object({ ...Paging, market: Market }, { additionalProperties: false });

/**
 * Library and follow writes take ids like Spotify's: `?ids=a,b` or a JSON body `{ "ids": [...] }`;
 * the query wins when both are given. The 50-id limit is the domain's, so its error names `ids`.
 */
export const IdsQuery = Type.Object({ ids: Type.Optional(Type.String()) }, { additionalProperties: false });
export const IdsBody = Type.Optional(
  Type.Union([Type.Object({ ids: Type.Array(Type.String()) }, { additionalProperties: false }), Type.Null()]),
);

export function idsFrom(query: string | undefined, body: { ids: string[] } | null | undefined): string[] {
  if (query !== undefined) return query.split(',').map((id) => id.trim());
  if (body) return body.ids;
  throw new Invalid('ids is required, in the query or as a JSON body {"ids": [...]}', 'ids');
}

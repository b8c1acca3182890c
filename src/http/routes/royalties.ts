import { Type } from '@fastify/type-provider-typebox';
import type { Services } from '../../app.js';
import { uri } from '../../core/ids.js';
import { PERIOD_PATTERN } from '../../core/royalties/compute.js';
import { statementCsv } from '../../core/royalties/statement-csv.js';
import type { HolderStatementLine } from '../../core/royalties/types.js';
import { requireUser } from '../auth.js';
import { IdParams } from '../schemas.js';
import type { App } from '../server.js';

const Period = Type.String({ pattern: PERIOD_PATTERN.source, description: 'YYYY-MM' });

/** Money leaves as decimal strings of micro-units: exact whatever the client's number type. */
function line(l: HolderStatementLine) {
  return {
    period: l.period,
    market: l.market,
    holder: { id: l.holderId, name: l.holderName },
    track: { id: l.trackId, name: l.trackName, uri: uri('track', l.trackId) },
    share_bp: l.shareBp,
    premium_streams: l.premiumStreams,
    free_streams: l.freeStreams,
    amount_micros: l.amountMicros.toString(),
  };
}

/** Totals per market: markets may pay in different currencies, so they are never added together. */
function totals(lines: HolderStatementLine[]) {
  const byMarket = new Map<string, bigint>();
  for (const l of lines) byMarket.set(l.market, (byMarket.get(l.market) ?? 0n) + l.amountMicros);
  return [...byMarket].map(([market, micros]) => ({ market, amount_micros: micros.toString() }));
}

/** Artists read their royalty statements; administrators register rights holders and set splits. */
export function registerRoyaltyRoutes(app: App, { royalties }: Services): void {
  const tags = ['royalties'];

  app.get(
    '/v1/me/royalties/statements',
    {
      config: { access: 'artist' },
      schema: {
        tags,
        summary: 'Statement lines of the rights holders linked to this artist account, for one period',
        querystring: Type.Object(
          { period: Period, format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])) },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const lines = await royalties.statementsForUser(requireUser(request).id, request.query.period);
      if (request.query.format === 'csv') {
        return reply.type('text/csv; charset=utf-8').send(statementCsv(lines));
      }
      return { period: request.query.period, totals: totals(lines), items: lines.map(line) };
    },
  );

  app.post(
    '/v1/royalties/rights-holders',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 200 }),
            user_id: Type.Optional(Type.Union([Type.Null(), Type.String()])),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const h = await royalties.addHolder({ name: request.body.name, userId: request.body.user_id ?? null });
      return reply.code(201).send({ id: h.id, name: h.name, user_id: h.userId });
    },
  );

  app.put(
    '/v1/tracks/:id/royalty-splits',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: "Replaces a track's splits; the shares must sum to exactly 10000 basis points",
        params: IdParams,
        body: Type.Object(
          {
            splits: Type.Array(
              Type.Object(
                { holder_id: Type.String(), share_bp: Type.Integer({ minimum: 1, maximum: 10_000 }) },
                { additionalProperties: false },
              ),
              { maxItems: 100 },
            ),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const stored = await royalties.setSplits(
        request.params.id,
        request.body.splits.map((s) => ({ holderId: s.holder_id, shareBp: s.share_bp })),
      );
      return {
        track_id: request.params.id,
        splits: stored.map((s) => ({ holder_id: s.holderId, share_bp: s.shareBp })),
      };
    },
  );
}

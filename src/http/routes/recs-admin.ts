import { Type } from '@fastify/type-provider-typebox';
import type { Services } from '../../app.js';
import { requireUser } from '../auth.js';
import type { App } from '../server.js';

/**
 * Administration of the recommendation engine: a refit on demand. The request is recorded and the
 * fitting process (the worker role, maybe another process) fits in its worker thread, one fit at a
 * time; hence 202, not the new model.
 */
export function registerRecsAdminRoutes(app: App, { recommendations: engine }: Services): void {
  const tags = ['recommendations'];

  app.post(
    '/v1/admin/recs/refit',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: 'Refit the recommendation model now (in the fitting process, one fit at a time)',
        // Takes no body; an empty object (or null) is accepted, as from clients that always send one.
        body: Type.Optional(Type.Union([Type.Object({}, { additionalProperties: false }), Type.Null()])),
      },
    },
    async (request, reply) => {
      await engine.requestRefit(requireUser(request).id);
      const fittedAt = engine.modelFittedAt;
      return reply.code(202).send({
        refit: 'requested',
        model_fitted_at: fittedAt === undefined ? null : new Date(fittedAt).toISOString(),
      });
    },
  );
}

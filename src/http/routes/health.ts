import type { Services } from '../../app.js';
import { Unauthorized } from '../../core/errors.js';
import { bearerMatches } from '../metrics.js';
import type { App } from '../server.js';

export function registerHealthRoutes(app: App, services: Services): void {
  app.get('/healthz', { config: { access: 'public' }, schema: { hide: true } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { config: { access: 'public' }, schema: { hide: true } }, async (_request, reply) => {
    try {
      await services.database.pool.query('select 1');
      return { status: 'ready', roles: services.config.roles };
    } catch {
      return reply.code(503).send({ status: 'unavailable', reason: 'database unreachable' });
    }
  });

  // Off, or on a listener of its own (src/cli/serve.ts): the main port has no /metrics at all (404).
  const metrics = services.config.metrics;
  if (metrics.mode !== 'open' && metrics.mode !== 'token') return;
  const config = { access: 'public', ownsAuthorization: true } as const;
  app.get('/metrics', { config, schema: { hide: true } }, async (request, reply) => {
    if (metrics.mode === 'token' && !bearerMatches(request.headers.authorization, metrics.token)) {
      throw new Unauthorized('metrics need "Authorization: Bearer <CADENZA_METRICS_TOKEN>"');
    }
    reply.header('Content-Type', services.metrics.registry.contentType);
    reply.header('Cache-Control', 'no-store');
    return services.metrics.registry.metrics();
  });
}

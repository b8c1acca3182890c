import type { Services } from '../../app.js';
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

  app.get('/metrics', { config: { access: 'public' }, schema: { hide: true } }, async (_request, reply) => {
    reply.header('Content-Type', services.metrics.registry.contentType);
    return services.metrics.registry.metrics();
  });
}

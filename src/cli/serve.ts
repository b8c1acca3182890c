import type { Logger } from 'pino';
import { createServices } from '../app.js';
import type { Config } from '../config.js';
import { createAudioHandler } from '../http/audio.js';
import { listenForMetrics } from '../http/metrics.js';
import { buildHttp } from '../http/server.js';
import { httpShutdown } from '../http/shutdown.js';

/**
 * `cadenza serve`: the roles in CADENZA_ROLES share one process; SIGINT/SIGTERM shut it down cleanly
 * and in bounded time (http/shutdown.ts, then a last-resort deadline).
 */
export async function serve(config: Config, logger: Logger): Promise<{ url: string; close(): Promise<void> }> {
  const services = await createServices(config, logger);
  const roles = new Set(config.roles);
  // The edge refuses URLs of withdrawn tracks from an in-memory list kept current from the database.
  if (roles.has('edge')) await services.revocations.start();
  const audioHandler = roles.has('edge')
    ? createAudioHandler({
        signer: services.signer,
        revoked: services.revocations,
        builds: services.rungBuilds,
        audioRoot: services.paths.audio,
        cacheBytes: config.edgeCacheBytes,
        onError: (err) => logger.warn({ err }, 'audio delivery failed'),
      })
    : undefined;
  const http = await buildHttp({
    services,
    logger,
    api: roles.has('api'),
    audioHandler,
    bodyLimit: config.maxUploadBytes,
  });
  const httpClosing = httpShutdown(http, { graceMs: config.shutdownGraceMs, logger });
  if (roles.has('api')) await services.search.start();
  if (roles.has('worker')) {
    services.worker.start();
    services.consumers.start();
    await services.audioFeatures.start();
    services.home.startDailySweep();
  }
  // The worker role fits the recommendation model (in a worker thread); API-only processes load what it saved.
  if (roles.has('worker') || roles.has('api')) await services.recommendations.start({ fit: roles.has('worker') });
  const url = await http.listen({ host: config.host, port: config.port });
  logger.info({ url, roles: config.roles, database: services.database.description }, 'cadenza is listening');
  const { metrics } = config;
  const metricsListener =
    metrics.mode === 'port' ? await listenForMetrics(services.metrics.registry, metrics.host, metrics.port) : undefined;
  if (metricsListener) logger.info({ metrics: metricsListener.url }, 'metrics are served on their own port');

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      logger.info('shutting down');
      await httpClosing.close();
      await metricsListener?.close();
      audioHandler?.close();
      await services.close();
    })();
    return closing;
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      // The last resort: whatever still hangs (a job, the database) ends with the process. Twice the
      // grace period: once for requests in flight, once for the services to finish.
      setTimeout(
        () => {
          logger.error({ graceMs: config.shutdownGraceMs }, 'shutdown did not finish in time; exiting');
          process.exit(1);
        },
        2 * config.shutdownGraceMs + 5_000,
      ).unref();
      close().then(
        () => process.exit(0),
        (err) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
  return { url, close };
}

import type { Logger } from 'pino';
import { createServices } from '../app.js';
import type { Config } from '../config.js';
import { createAudioHandler } from '../http/audio.js';
import { buildHttp } from '../http/server.js';

/** `cadenza serve`: the roles in CADENZA_ROLES share one process; shuts down cleanly on SIGINT/SIGTERM. */
export async function serve(config: Config, logger: Logger): Promise<{ url: string; close(): Promise<void> }> {
  const services = await createServices(config, logger);
  const roles = new Set(config.roles);
  const audioHandler = roles.has('edge')
    ? createAudioHandler({
        signer: services.signer,
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
  if (roles.has('api')) await services.search.start();
  if (roles.has('worker')) {
    services.worker.start();
    services.consumers.start();
  }
  const url = await http.listen({ host: config.host, port: config.port });
  logger.info({ url, roles: config.roles, database: services.database.description }, 'cadenza is listening');

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      logger.info('shutting down');
      await http.close();
      audioHandler?.close();
      await services.close();
    })();
    return closing;
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
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

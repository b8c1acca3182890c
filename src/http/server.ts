import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController, type RawServerDefault } from 'fastify';
import type { Logger } from 'pino';
import type { Services } from '../app.js';
import { registerAuth } from './auth.js';
import { handleError } from './errors.js';
import { enforceInputRule } from './input.js';
import { finishReadingRefusedBodies } from './refused-body.js';
import { registerAudioFeatureRoutes } from './routes/audio-features.js';
import { registerBrowseRoutes } from './routes/browse.js';
import { registerCatalogRoutes } from './routes/catalog.js';
import { registerEventRoutes } from './routes/events.js';
import { registerFollowingRoutes } from './routes/following.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerHomeRoutes } from './routes/home.js';
import { registerImageRoutes } from './routes/images.js';
import { registerJamRoutes } from './routes/jam.js';
import { registerLibraryRoutes } from './routes/library.js';
import { registerListeningRoutes } from './routes/listening.js';
import { registerPlaybackRoutes } from './routes/playback.js';
import { registerPlayerRoutes } from './routes/player.js';
import { registerPlaylistEditRoutes } from './routes/playlist-edits.js';
import { registerPlaylistFileRoutes } from './routes/playlist-files.js';
import { registerPlaylistRoutes } from './routes/playlists.js';
import { registerRecommendationRoutes } from './routes/recommendations.js';
import { registerRecsAdminRoutes } from './routes/recs-admin.js';
import { registerRoyaltyRoutes } from './routes/royalties.js';
import { registerSearchRoutes } from './routes/search.js';
import { registerSocialRoutes } from './routes/social.js';
import { registerStudioRoutes } from './routes/studio.js';
import { registerTasteRoutes } from './routes/taste.js';
import { registerTokenRoutes } from './routes/token.js';
import { registerWebApp } from './web-app.js';
import { registerLiveGateway } from './ws/gateway.js';

export type App = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

type RawHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface HttpOptions {
  services: Services;
  logger: Logger;
  /** Serves `/audio/*` straight from the raw server, ahead of fastify's routing (the edge role). */
  audioHandler?: RawHandler;
  /** Mounts the `/v1` API and `/api/token` (the api role). */
  api: boolean;
  bodyLimit: number;
  /** The input rule of src/http/input.ts; only `bench/validation.ts` turns it off, to measure its cost. */
  inputRule?: boolean;
}

export async function buildHttp(options: HttpOptions): Promise<App> {
  const { services, audioHandler } = options;
  const app = Fastify({
    loggerInstance: options.logger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    trustProxy: services.config.trustProxy,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
    serverFactory: (handler) =>
      createServer((req, res) => {
        if (audioHandler && req.url?.startsWith('/audio/')) return audioHandler(req, res);
        handler(req, res);
      }),
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;

  app.setErrorHandler(handleError);
  // A refusal sent before the body was read waits for the rest of it (a reset would hide the answer).
  app.addHook('onSend', finishReadingRefusedBodies(options.bodyLimit));
  if (options.inputRule !== false) app.addHook('preHandler', enforceInputRule);
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    services.metrics.httpDuration.observe(
      { method: request.method, route, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  registerWebApp(app);

  await app.register(swagger, {
    openapi: {
      info: { title: 'Cadenza API', version: '0.1.0', description: 'Spotify-shaped Web API of a Cadenza server' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });
  await app.register(multipart, { limits: { fileSize: options.bodyLimit, files: 1, fields: 50 } });
  registerAuth(app, services.accounts);
  registerHealthRoutes(app, services);
  registerImageRoutes(app, services);
  if (options.api) {
    registerTokenRoutes(app, services);
    registerCatalogRoutes(app, services);
    registerPlaybackRoutes(app, services);
    registerPlaylistEditRoutes(app, services);
    await registerLiveGateway(app, services);
    registerStudioRoutes(app, services);
    registerSearchRoutes(app, services);
    registerPlaylistRoutes(app, services);
    registerPlaylistFileRoutes(app, services);
    registerBrowseRoutes(app, services);
    registerLibraryRoutes(app, services);
    registerFollowingRoutes(app, services);
    registerSocialRoutes(app, services);
    registerEventRoutes(app, services);
    registerListeningRoutes(app, services);
    registerPlayerRoutes(app, services);
    registerHomeRoutes(app, services);
    registerRoyaltyRoutes(app, services);
    registerRecommendationRoutes(app, services);
    registerTasteRoutes(app, services);
    registerRecsAdminRoutes(app, services);
    registerAudioFeatureRoutes(app, services);
    registerJamRoutes(app, services);
  }
  app.get('/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, () => app.swagger());
  await app.ready();
  return app;
}

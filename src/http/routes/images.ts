import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Type } from '@fastify/type-provider-typebox';
import type { Services } from '../../app.js';
import type { App } from '../server.js';

/** Artwork renditions are public and content-addressed, so they are cached forever. */
export function registerImageRoutes(app: App, { paths }: Services): void {
  app.get(
    '/images/:key/:file',
    {
      config: { access: 'public' },
      schema: {
        tags: ['images'],
        params: Type.Object({
          key: Type.String({ pattern: '^[a-f0-9]{16,64}$' }),
          file: Type.Union([Type.Literal('640.jpg'), Type.Literal('300.jpg'), Type.Literal('64.jpg')]),
        }),
      },
    },
    async (request, reply) => {
      const path = join(paths.images, request.params.key, request.params.file);
      const s = await stat(path).catch(() => undefined);
      if (!s) return reply.code(404).send({ error: { status: 404, message: 'image not found' } });
      reply.header('Content-Type', 'image/jpeg');
      reply.header('Content-Length', s.size);
      reply.header('Cache-Control', 'public, max-age=31536000, immutable');
      return reply.send(createReadStream(path));
    },
  );
}

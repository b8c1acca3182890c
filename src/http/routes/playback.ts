import type { Services } from '../../app.js';
import { requireUser } from '../auth.js';
import { IdParams } from '../schemas.js';
import type { App } from '../server.js';

export function registerPlaybackRoutes(app: App, { playback }: Services): void {
  app.get(
    '/v1/tracks/:id/stream',
    {
      config: { access: 'user' },
      schema: {
        tags: ['streaming'],
        summary: 'Signed URLs for every quality of the track the caller may play',
        description:
          'Free accounts get qualities up to 160 kbps, premium accounts every rung including FLAC. URLs are root-relative, ' +
          'expire after CADENZA_STREAM_URL_TTL seconds and need no Authorization header; they serve byte ranges.',
        params: IdParams,
      },
    },
    async (request, reply) => {
      reply.header('Cache-Control', 'no-store');
      return playback.request(requireUser(request), request.params.id);
    },
  );
}

import { Type } from '@fastify/type-provider-typebox';
import type { Services } from '../../app.js';
import { MAX_BATCH } from '../../core/events/intake.js';
import { EVENT_TYPES } from '../../core/events/types.js';
import { requireUser } from '../auth.js';
import type { App } from '../server.js';

/**
 * `POST /v1/me/events`: a batch of client events. Each event is checked on its own (the schema only
 * documents the fields), so one bad event is listed in `rejected` with its reason while the rest are
 * stored; the answer is 200 once the valid ones are durable in the event log.
 */
export function registerEventRoutes(app: App, { events }: Services): void {
  app.post(
    '/v1/me/events',
    {
      config: { access: 'user' },
      schema: {
        tags: ['events'],
        description: `Up to ${MAX_BATCH} events; each is validated on its own and rejected with a reason if bad.`,
        body: Type.Object(
          {
            // Unknown: each event is validated by intake, so a bad one does not refuse the batch.
            events: Type.Array(
              Type.Unknown({
                description: `{ id, type (${EVENT_TYPES.join('|')}), track_id | episode_id, device_id, position_ms, timestamp (epoch ms), context_uri?, private_session? }`,
              }),
              { maxItems: MAX_BATCH },
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            accepted: Type.Integer(),
            duplicates: Type.Integer(),
            rejected: Type.Array(
              Type.Object({
                index: Type.Integer(),
                id: Type.Union([Type.String(), Type.Null()]),
                reason: Type.String(),
              }),
            ),
          }),
        },
      },
    },
    (request) => events.accept(requireUser(request), request.body.events),
  );
}

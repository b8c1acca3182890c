import { Type } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Services } from '../../app.js';
import { DEVICE_NAME_MAX, MAX_QUEUE, REPEAT_STATES } from '../../core/player/types.js';
import { requireUser } from '../auth.js';
import { devicesShape, playbackShape } from '../player-shapes.js';
import type { App } from '../server.js';
import { baseUrl, Shapes } from '../shapes.js';

/**
 * Spotify's player family on the stored player state (src/core/player). Commands answer 204 once the
 * state is stored and the command sent to the device; 404 NO_ACTIVE_DEVICE when nothing is active.
 * An empty or absent body is accepted everywhere, as Spotify does, even with Content-Type: application/json.
 * (GET /v1/me/player/recently-played lives in listening.ts, PUT now-playing in social.ts.)
 */

const DeviceId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[0-9A-Za-z_-]+$' });
const DeviceQuery = Type.Object({ device_id: Type.Optional(DeviceId) }, { additionalProperties: false });
const Uri = Type.String({ minLength: 1, maxLength: 200 });
const PositionMs = Type.Integer({ minimum: 0, maximum: 86_400_000 });

const PlayBody = Type.Object(
  {
    context_uri: Type.Optional(Uri),
    uris: Type.Optional(Type.Array(Uri, { minItems: 1, maxItems: MAX_QUEUE })),
    offset: Type.Optional(
      Type.Object(
        { position: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_QUEUE })), uri: Type.Optional(Uri) },
        { additionalProperties: false },
      ),
    ),
    position_ms: Type.Optional(PositionMs),
    // How @spotify/web-api-ts-sdk 1.2 spells position_ms.
    positionMs: Type.Optional(PositionMs),
  },
  { additionalProperties: false },
);

/** Spotify's error body; player errors carry a reason (NO_ACTIVE_DEVICE, VOLUME_CONTROL_DISALLOW). */
const ErrorBody = (description: string) =>
  Type.Object(
    {
      error: Type.Object({
        status: Type.Integer(),
        message: Type.String(),
        reason: Type.Optional(Type.String()),
      }),
    },
    { description },
  );
const NO_DEVICE = 'No active device (reason NO_ACTIVE_DEVICE), or the device_id named is not one of the listener’s';
/** What a command answers (OpenAPI): 204 once stored and sent to the device. */
const Command = {
  204: Type.Unknown({ description: 'Done: stored, and sent to the device (no body)' }),
  400: ErrorBody('Bad input; the message names the field'),
  404: ErrorBody(NO_DEVICE),
};
/** What a read answers: the body, or 204 when nothing plays. */
const Read = (description: string) => ({
  200: Type.Unknown({ description }),
  204: Type.Unknown({ description: 'Nothing plays on an active device (no body)' }),
});

export function registerPlayerRoutes(app: App, services: Services): void {
  app.register(async (scope) => playerRoutes(scope as unknown as App, services));
}

async function playerRoutes(app: App, { player, config }: Services): Promise<void> {
  const shapes = (request: FastifyRequest) => new Shapes(baseUrl(request, config.publicUrl));
  const tags = ['player'];
  const user = (request: FastifyRequest) => requireUser(request).id;

  // Spotify takes `Content-Type: application/json` with no body at all: read it as no body.
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (String(body).trim() === '') done(null, undefined);
    else json(request, String(body), done);
  });
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined || request.body === null) request.body = {};
  });

  const noContent = { config: { access: 'user' as const } };

  const playbackDoc =
    'Spotify’s playback state: device, is_playing, progress_ms, item (track), context, shuffle_state, repeat_state, timestamp, actions';
  app.get('/v1/me/player', { ...noContent, schema: { tags, response: Read(playbackDoc) } }, async (request, reply) => {
    const playback = await player.playback(user(request));
    if (!playback) return reply.code(204).send();
    return playbackShape(shapes(request), playback);
  });

  app.put(
    '/v1/me/player',
    {
      ...noContent,
      schema: {
        tags,
        response: Command,
        body: Type.Object(
          { device_ids: Type.Array(DeviceId, { minItems: 1, maxItems: 1 }), play: Type.Optional(Type.Boolean()) },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      await player.transfer(user(request), request.body.device_ids[0]!, request.body.play);
      return reply.code(204).send();
    },
  );

  app.get(
    '/v1/me/player/devices',
    { ...noContent, schema: { tags, response: { 200: Type.Unknown({ description: '{devices: [device objects]}' }) } } },
    async (request) => devicesShape(await player.devices(user(request))),
  );

  app.put(
    '/v1/me/player/devices/:id',
    {
      ...noContent,
      schema: {
        tags,
        response: Command,
        params: Type.Object({ id: DeviceId }),
        body: Type.Object(
          { name: Type.String({ minLength: 1, maxLength: DEVICE_NAME_MAX }) },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      await player.rename(user(request), request.params.id, request.body.name);
      return reply.code(204).send();
    },
  );

  app.get(
    '/v1/me/player/currently-playing',
    { ...noContent, schema: { tags, response: Read(playbackDoc.replace('device, ', '')) } },
    async (request, reply) => {
      const playback = await player.playback(user(request));
      if (!playback?.track) return reply.code(204).send();
      const { device: _device, ...rest } = playbackShape(shapes(request), playback);
      return rest;
    },
  );

  app.put(
    '/v1/me/player/play',
    { ...noContent, schema: { tags, querystring: DeviceQuery, body: PlayBody, response: Command } },
    async (request, reply) => {
      const b = request.body;
      await player.play(user(request), {
        deviceId: request.query.device_id,
        contextUri: b.context_uri,
        uris: b.uris,
        offset: b.offset,
        positionMs: b.position_ms ?? b.positionMs,
      });
      return reply.code(204).send();
    },
  );

  app.put(
    '/v1/me/player/pause',
    { ...noContent, schema: { tags, querystring: DeviceQuery, response: Command } },
    async (request, reply) => {
      await player.pause(user(request), request.query.device_id);
      return reply.code(204).send();
    },
  );

  app.post(
    '/v1/me/player/next',
    { ...noContent, schema: { tags, querystring: DeviceQuery, response: Command } },
    async (request, reply) => {
      await player.next(user(request), request.query.device_id);
      return reply.code(204).send();
    },
  );

  app.post(
    '/v1/me/player/previous',
    { ...noContent, schema: { tags, querystring: DeviceQuery, response: Command } },
    async (request, reply) => {
      await player.previous(user(request), request.query.device_id);
      return reply.code(204).send();
    },
  );

  app.put(
    '/v1/me/player/seek',
    {
      ...noContent,
      schema: {
        tags,
        response: Command,
        querystring: Type.Object(
          { position_ms: PositionMs, device_id: Type.Optional(DeviceId) },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      await player.seek(user(request), request.query.position_ms, request.query.device_id);
      return reply.code(204).send();
    },
  );

  app.put(
    '/v1/me/player/repeat',
    {
      ...noContent,
      schema: {
        tags,
        response: Command,
        querystring: Type.Object(
          {
            state: Type.Union(REPEAT_STATES.map((s) => Type.Literal(s))),
            device_id: Type.Optional(DeviceId),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      await player.repeat(user(request), request.query.state, request.query.device_id);
      return reply.code(204).send();
    },
  );

  app.put(
    '/v1/me/player/shuffle',
    {
      ...noContent,
      schema: {
        tags,
        response: Command,
        querystring: Type.Object(
          { state: Type.Boolean(), device_id: Type.Optional(DeviceId) },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      await player.shuffle(user(request), request.query.state, request.query.device_id);
      return reply.code(204).send();
    },
  );

  app.put(
    '/v1/me/player/volume',
    {
      ...noContent,
      schema: {
        tags,
        response: { ...Command, 403: ErrorBody('The device’s volume cannot be set (reason VOLUME_CONTROL_DISALLOW)') },
        querystring: Type.Object(
          { volume_percent: Type.Integer({ minimum: 0, maximum: 100 }), device_id: Type.Optional(DeviceId) },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      await player.volume(user(request), request.query.volume_percent, request.query.device_id);
      return reply.code(204).send();
    },
  );

  app.get(
    '/v1/me/player/queue',
    {
      ...noContent,
      schema: {
        tags,
        response: { 200: Type.Unknown({ description: '{currently_playing: track|null, queue: [tracks]}' }) },
      },
    },
    async (request) => {
      const s = shapes(request);
      const { current, next } = await player.queue(user(request));
      return { currently_playing: current ? s.track(current) : null, queue: next.map((t) => s.track(t)) };
    },
  );

  app.post(
    '/v1/me/player/queue',
    {
      ...noContent,
      schema: {
        tags,
        response: Command,
        querystring: Type.Object({ uri: Uri, device_id: Type.Optional(DeviceId) }, { additionalProperties: false }),
      },
    },
    async (request, reply) => {
      await player.enqueue(user(request), request.query.uri, request.query.device_id);
      return reply.code(204).send();
    },
  );
}

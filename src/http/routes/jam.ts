import { Type } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Services } from '../../app.js';
import type { Track } from '../../core/catalog/types.js';
import { Invalid } from '../../core/errors.js';
import type { Jam, JamPreview, JamSettings } from '../../core/jam/types.js';
import { requireUser } from '../auth.js';
import { IdParams } from '../schemas.js';
import type { App } from '../server.js';
import { baseUrl, Shapes } from '../shapes.js';

/**
 * Jam: start, join by code, leave, end, settings and the shared queue. The live part (jam.subscribe,
 * jam.state) is in ws/jam-subscription.ts; the rules are JamService's.
 */

const TRACK_URI = /^(?:cadenza|spotify):track:([0-9A-Za-z]{22})$/;
const MAX_URIS = 50;

/** The jam object of the REST answers and of `jam.state` frames. */
export function presentJam(shapes: Shapes, jam: Jam, tracks: Map<string, Track>) {
  const host = jam.members.find((m) => m.id === jam.hostId);
  const track = jam.playback.trackId ? tracks.get(jam.playback.trackId) : undefined;
  return {
    id: jam.id,
    code: jam.code,
    link: `/jam/${jam.code}`,
    host: { id: jam.hostId, display_name: host?.displayName ?? '' },
    members: jam.members.map((m) => ({
      id: m.id,
      display_name: m.displayName,
      joined_at: m.joinedAt.toISOString(),
      is_host: m.id === jam.hostId,
    })),
    queue: jam.queue.flatMap((entry) => {
      const t = tracks.get(entry.trackId);
      return t ? [{ ...shapes.track(t), added_by: entry.addedBy }] : [];
    }),
    settings: {
      anyone_with_link: jam.settings.anyoneWithLink,
      guests_can_add: jam.settings.guestsCanAdd,
      on_host_leave: jam.settings.onHostLeave,
    },
    playback: {
      track: track ? shapes.track(track) : null,
      duration_ms: jam.playback.durationMs,
      position_ms: jam.playback.positionMs,
      is_playing: jam.playback.isPlaying,
      server_ms: jam.playback.atServerMs,
    },
    version: jam.version,
    created_at: jam.createdAt.toISOString(),
  };
}

/** Fetches the Jam's tracks (with `tracks`, which reads up to 50 at a time) and shapes it. */
export async function renderJam(shapes: Shapes, tracks: (ids: string[]) => Promise<(Track | null)[]>, jam: Jam) {
  const ids = [
    ...new Set([...(jam.playback.trackId ? [jam.playback.trackId] : []), ...jam.queue.map((e) => e.trackId)]),
  ];
  const chunks: string[][] = [];
  for (let i = 0; i < ids.length; i += 50) chunks.push(ids.slice(i, i + 50));
  const found = (await Promise.all(chunks.map(tracks))).flat().filter((t): t is Track => t !== null);
  return presentJam(shapes, jam, new Map(found.map((t) => [t.id, t])));
}

const preview = (p: JamPreview) => ({
  id: p.id,
  code: p.code,
  link: `/jam/${p.code}`,
  host: { id: p.host.id, display_name: p.host.displayName },
  member_count: p.memberCount,
  can_join: p.canJoin,
});

const SettingsBody = Type.Object(
  {
    anyone_with_link: Type.Optional(Type.Boolean()),
    guests_can_add: Type.Optional(Type.Boolean()),
    on_host_leave: Type.Optional(Type.Union([Type.Literal('hand_off'), Type.Literal('end')])),
  },
  { additionalProperties: false },
);

const settingsOf = (body: { anyone_with_link?: boolean; guests_can_add?: boolean; on_host_leave?: string } = {}) =>
  ({
    anyoneWithLink: body.anyone_with_link,
    guestsCanAdd: body.guests_can_add,
    onHostLeave: body.on_host_leave,
  }) as Partial<JamSettings>;

const CodeParams = Type.Object({ code: Type.String({ pattern: '^[0-9A-Za-z]{6}$' }) });

function trackIds(uris: string[]): string[] {
  if (uris.length === 0 || uris.length > MAX_URIS) throw new Invalid(`uris must name 1 to ${MAX_URIS} tracks`, 'uris');
  return uris.map((uri, i) => {
    const match = TRACK_URI.exec(uri.trim());
    if (!match) throw new Invalid(`uris[${i}] is not a track uri (cadenza:track:<id>): ${uri.slice(0, 80)}`, 'uris');
    return match[1] as string;
  });
}

export function registerJamRoutes(app: App, services: Services): void {
  app.register(async (scope) => jamRoutes(scope as unknown as App, services));
}

async function jamRoutes(app: App, { jams, catalog, config }: Services): Promise<void> {
  // As the player routes do: `Content-Type: application/json` with nothing after it reads as no body.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (String(body).trim() === '') done(null, undefined);
    else parseJson(request, String(body), done);
  });

  const render = (request: FastifyRequest, jam: Jam) =>
    renderJam(new Shapes(baseUrl(request, config.publicUrl)), (ids) => catalog.tracks(ids), jam);
  const tags = ['jam'];
  const user = { access: 'user' as const };

  app.post(
    '/v1/me/jam',
    {
      config: user,
      schema: {
        tags,
        summary: 'Start a Jam (premium); its queue starts as the host’s up-next',
        body: Type.Optional(SettingsBody),
      },
    },
    // A free account is refused with reason PREMIUM_REQUIRED (the error handler adds the reason).
    async (request, reply) => {
      const jam = await jams.start(requireUser(request), settingsOf(request.body));
      return reply.code(201).send(await render(request, jam));
    },
  );

  app.get(
    '/v1/me/jam',
    { config: user, schema: { tags, summary: 'The Jam the caller is in (204 when none)' } },
    async (request, reply) => {
      const jam = await jams.current(requireUser(request).id);
      if (!jam) return reply.code(204).send();
      return render(request, jam);
    },
  );

  app.get(
    '/v1/jams/:code',
    { config: user, schema: { tags, summary: 'Preview a Jam by its code, for the join screen', params: CodeParams } },
    async (request) => preview(await jams.preview(request.params.code, requireUser(request).id)),
  );

  app.post(
    '/v1/jams/:code/members',
    { config: user, schema: { tags, summary: 'Join a Jam by its code', params: CodeParams } },
    async (request) => render(request, await jams.join(request.params.code, requireUser(request).id)),
  );

  app.delete(
    '/v1/jams/:id/members/me',
    {
      config: user,
      schema: { tags, summary: 'Leave a Jam (the host leaving hands it off or ends it)', params: IdParams },
    },
    async (request, reply) => {
      await jams.leave(request.params.id, requireUser(request).id);
      return reply.code(204).send();
    },
  );

  app.delete(
    '/v1/jams/:id',
    { config: user, schema: { tags, summary: 'End a Jam (host only)', params: IdParams } },
    async (request, reply) => {
      await jams.end(request.params.id, requireUser(request).id);
      return reply.code(204).send();
    },
  );

  app.put(
    '/v1/jams/:id',
    {
      config: user,
      schema: { tags, summary: 'Change a Jam’s settings (host only)', params: IdParams, body: SettingsBody },
    },
    async (request) =>
      render(request, await jams.updateSettings(request.params.id, requireUser(request).id, settingsOf(request.body))),
  );

  app.post(
    '/v1/jams/:id/queue',
    {
      config: user,
      schema: {
        tags,
        summary: 'Add tracks to the Jam’s shared queue',
        params: IdParams,
        body: Type.Object(
          { uris: Type.Array(Type.String({ maxLength: 200 }), { maxItems: MAX_URIS }) },
          { additionalProperties: false },
        ),
      },
    },
    async (request) =>
      render(request, await jams.enqueue(request.params.id, requireUser(request).id, trackIds(request.body.uris))),
  );
}

import { type Static, Type } from '@fastify/type-provider-typebox';
import type { Services } from '../../app.js';
import { Invalid } from '../../core/errors.js';
import { snapshotVersion } from '../../core/playlists/snapshot.js';
import type { ItemEdit } from '../../core/playlists/types.js';
import { MAX_TRACKS_PER_REQUEST } from '../../core/playlists/types.js';
import { requireUser } from '../auth.js';
import { IdParams } from '../schemas.js';
import type { App } from '../server.js';

/**
 * Spotify's playlist item writes: add, reorder or replace, remove. Every one goes through the playlist
 * editor, so a write naming an older snapshot_id is transformed exactly like a live editor's edit.
 */

const TRACK_URI = /^(?:cadenza|spotify):track:([0-9A-Za-z]{22})$/;

function trackIds(uris: string[], field: string): string[] {
  if (uris.length === 0 || uris.length > MAX_TRACKS_PER_REQUEST) {
    throw new Invalid(`${field} must name 1 to ${MAX_TRACKS_PER_REQUEST} tracks`, field);
  }
  return uris.map((uri, i) => {
    const match = TRACK_URI.exec(uri.trim());
    if (!match) throw new Invalid(`${field}[${i}] is not a track uri (cadenza:track:<id>): ${uri.slice(0, 80)}`, field);
    return match[1] as string;
  });
}

const Snapshot = Type.Optional(Type.String({ minLength: 1, maxLength: 200 }));
const Position = Type.Integer({ minimum: 0, maximum: 10_000 });

const AddQuery = Type.Object(
  { uris: Type.Optional(Type.String({ maxLength: 10_000 })), position: Type.Optional(Position) },
  { additionalProperties: false },
);
const AddBody = Type.Optional(
  Type.Union([
    Type.Object(
      {
        uris: Type.Optional(Type.Array(Type.String({ maxLength: 200 }))),
        position: Type.Optional(Position),
        snapshot_id: Snapshot,
      },
      { additionalProperties: false },
    ),
    Type.Null(),
  ]),
);
const UpdateBody = Type.Object(
  {
    uris: Type.Optional(Type.Array(Type.String({ maxLength: 200 }))),
    range_start: Type.Optional(Position),
    insert_before: Type.Optional(Position),
    range_length: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    snapshot_id: Snapshot,
  },
  { additionalProperties: false },
);
const RemoveBody = Type.Object(
  {
    tracks: Type.Array(
      Type.Object(
        { uri: Type.String({ maxLength: 200 }), positions: Type.Optional(Type.Array(Position, { maxItems: 100 })) },
        { additionalProperties: false },
      ),
      { maxItems: 100 },
    ),
    snapshot_id: Snapshot,
  },
  { additionalProperties: false },
);

export function registerPlaylistEditRoutes(app: App, { playlistEditor }: Services): void {
  const tags = ['playlists'];
  const edit = (playlistId: string, userId: string, snapshot: string | undefined, edits: ItemEdit[]) =>
    playlistEditor
      .edit({
        playlistId,
        userId,
        baseVersion: snapshot === undefined ? undefined : snapshotVersion(playlistId, snapshot),
        edits,
      })
      .then((r) => ({ snapshot_id: r.snapshotId }));

  app.post(
    '/v1/playlists/:id/tracks',
    { config: { access: 'user' }, schema: { tags, params: IdParams, querystring: AddQuery, body: AddBody } },
    async (request, reply) => {
      const body = request.body ?? {};
      const uris = body.uris ?? request.query.uris?.split(',');
      if (!uris) throw new Invalid('uris is required, in the query or the JSON body', 'uris');
      const index = body.position ?? request.query.position;
      const result = await edit(request.params.id, requireUser(request).id, body.snapshot_id, [
        { type: 'add', index, trackIds: trackIds(uris, 'uris') },
      ]);
      return reply.code(201).send(result);
    },
  );

  app.put(
    '/v1/playlists/:id/tracks',
    { config: { access: 'user' }, schema: { tags, params: IdParams, body: UpdateBody } },
    async (request) => {
      const body: Static<typeof UpdateBody> = request.body;
      const user = requireUser(request).id;
      if (body.uris !== undefined) {
        if (body.range_start !== undefined) throw new Invalid('send either uris or range_start, not both', 'uris');
        const ids = body.uris.length === 0 ? [] : trackIds(body.uris, 'uris');
        return edit(request.params.id, user, body.snapshot_id, [{ type: 'replace', trackIds: ids }]);
      }
      if (body.range_start === undefined) throw new Invalid('range_start is required to reorder', 'range_start');
      if (body.insert_before === undefined) throw new Invalid('insert_before is required to reorder', 'insert_before');
      return edit(request.params.id, user, body.snapshot_id, [
        {
          type: 'move',
          rangeStart: body.range_start,
          rangeLength: body.range_length ?? 1,
          insertBefore: body.insert_before,
        },
      ]);
    },
  );

  app.delete(
    '/v1/playlists/:id/tracks',
    { config: { access: 'user' }, schema: { tags, params: IdParams, body: RemoveBody } },
    async (request) => {
      const { tracks, snapshot_id } = request.body;
      const ids = trackIds(
        tracks.map((t) => t.uri),
        'tracks',
      );
      const edits: ItemEdit[] = [
        { type: 'remove', tracks: tracks.map((t, i) => ({ trackId: ids[i] as string, positions: t.positions })) },
      ];
      return edit(request.params.id, requireUser(request).id, snapshot_id, edits);
    },
  );
}

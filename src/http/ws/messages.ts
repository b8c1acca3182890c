import { type Static, Type } from '@fastify/type-provider-typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';

/** Frames a client may send on the live gateway; anything else is answered with an error frame. */

const Id = Type.String({ pattern: '^[0-9A-Za-z]{22}$' });
const TrackIds = Type.Array(Id, { minItems: 0, maxItems: 100 });
const Index = Type.Integer({ minimum: 0, maximum: 10_000 });

const Edit = Type.Union([
  Type.Object(
    { type: Type.Literal('add'), index: Type.Optional(Index), trackIds: TrackIds },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('remove'),
      tracks: Type.Array(
        Type.Object(
          { trackId: Id, positions: Type.Optional(Type.Array(Index, { maxItems: 100 })) },
          { additionalProperties: false },
        ),
        { maxItems: 100 },
      ),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('move'),
      rangeStart: Index,
      rangeLength: Type.Integer({ minimum: 1, maximum: 10_000 }),
      insertBefore: Index,
    },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('replace'), trackIds: TrackIds }, { additionalProperties: false }),
]);

export const ClientFrame = Type.Union([
  Type.Object({ type: Type.Literal('ping') }),
  Type.Object({
    type: Type.Literal('subscribe'),
    playlist_id: Id,
    version: Type.Optional(Type.Integer({ minimum: 0 })),
  }),
  Type.Object({ type: Type.Literal('unsubscribe'), playlist_id: Id }),
  Type.Object({
    type: Type.Literal('edit'),
    playlist_id: Id,
    client_op_id: Type.String({ minLength: 1, maxLength: 100 }),
    version: Type.Integer({ minimum: 0 }),
    edits: Type.Array(Edit, { minItems: 1, maxItems: 10 }),
  }),
]);
export type ClientFrame = Static<typeof ClientFrame>;

const check = TypeCompiler.Compile(ClientFrame);

/** The frame, or a message naming what is wrong with it. */
export function parseFrame(data: string): ClientFrame | string {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return 'frame is not JSON';
  }
  if (check.Check(value)) return value;
  const type = (value as { type?: unknown } | null)?.type;
  const first =
    [...check.Errors(value)].find((e) => e.path !== '' && e.path !== '/type') ?? check.Errors(value).First();
  if (typeof type !== 'string' || !['ping', 'subscribe', 'unsubscribe', 'edit'].includes(type)) {
    return 'type must be one of ping, subscribe, unsubscribe, edit';
  }
  return `${first?.path.replace(/^\//, '').replace(/\//g, '.') || 'frame'}: ${first?.message ?? 'is invalid'}`;
}

import { type Static, Type } from '@fastify/type-provider-typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { DEVICE_NAME_MAX, DEVICE_TYPES, MAX_QUEUE, REPEAT_STATES } from '../../core/player/types.js';
import { inputProblem } from '../input.js';

/** Frames a client may send on the live gateway; anything else is answered with an error frame. */

const Id = Type.String({ pattern: '^[0-9A-Za-z]{22}$' });
const TrackIds = Type.Array(Id, { minItems: 0, maxItems: 100 });
const Index = Type.Integer({ minimum: 0, maximum: 10_000 });
/** Playlist versions are PostgreSQL bigints, counted from 0; JavaScript holds them exactly up to 2^53 - 1. */
const Version = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

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

const DeviceId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[0-9A-Za-z_-]+$' });
const Milliseconds = Type.Integer({ minimum: 0, maximum: 86_400_000 });
const Percent = Type.Integer({ minimum: 0, maximum: 100 });

/** Connect (src/http/ws/device-presence.ts): a player registers as a device, the active one reports. */
const PlayerFrames = {
  'device.register': Type.Object({
    type: Type.Literal('device.register'),
    device_id: DeviceId,
    name: Type.String({ minLength: 1, maxLength: DEVICE_NAME_MAX }),
    device_type: Type.Union(DEVICE_TYPES.map((t) => Type.Literal(t))),
    volume_percent: Type.Optional(Type.Union([Percent, Type.Null()])),
    supports_volume: Type.Optional(Type.Boolean()),
  }),
  'player.report': Type.Object({
    type: Type.Literal('player.report'),
    device_id: DeviceId,
    track_id: Type.Union([Id, Type.Null()]),
    position_ms: Milliseconds,
    duration_ms: Milliseconds,
    is_playing: Type.Boolean(),
    queue: Type.Array(Id, { maxItems: MAX_QUEUE }),
    queue_index: Type.Integer({ minimum: 0, maximum: MAX_QUEUE }),
    context_uri: Type.Union([Type.String({ maxLength: 200 }), Type.Null()]),
    shuffle: Type.Boolean(),
    repeat: Type.Union(REPEAT_STATES.map((r) => Type.Literal(r))),
    volume_percent: Percent,
    claim: Type.Optional(Type.Boolean()),
    /** The version of the last `player.command` the device applied; older than the last one sent: refused. */
    command_version: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
    /** The device's estimate of the server time (`time` frames' clock) at which `position_ms` held. */
    at_server_ms: Type.Optional(Type.Number({ minimum: 0, maximum: 8_640_000_000_000_000 })),
  }),
  /** NTP-style clock sampling: answered with the server's time. */
  time: Type.Object({
    type: Type.Literal('time'),
    client_ms: Type.Number({ minimum: 0, maximum: 8_640_000_000_000_000 }),
  }),
};
export type PlayerFrame = Static<(typeof PlayerFrames)[keyof typeof PlayerFrames]>;

const Frames = {
  ...PlayerFrames,
  ping: Type.Object({ type: Type.Literal('ping') }),
  subscribe: Type.Object({
    type: Type.Literal('subscribe'),
    playlist_id: Id,
    version: Type.Optional(Version),
  }),
  unsubscribe: Type.Object({ type: Type.Literal('unsubscribe'), playlist_id: Id }),
  edit: Type.Object({
    type: Type.Literal('edit'),
    playlist_id: Id,
    client_op_id: Type.String({ minLength: 1, maxLength: 100 }),
    version: Version,
    edits: Type.Array(Edit, { minItems: 1, maxItems: 10 }),
  }),
  /** Follow a Jam one is in (src/http/ws/jam-subscription.ts); `compact`: playback changes as jam.playback. */
  'jam.subscribe': Type.Object({
    type: Type.Literal('jam.subscribe'),
    jam_id: Id,
    compact: Type.Optional(Type.Boolean()),
  }),
  'jam.unsubscribe': Type.Object({ type: Type.Literal('jam.unsubscribe'), jam_id: Id }),
};
export const ClientFrame = Type.Union([
  Frames.ping,
  Frames.subscribe,
  Frames.unsubscribe,
  Frames.edit,
  Frames['jam.subscribe'],
  Frames['jam.unsubscribe'],
  PlayerFrames['device.register'],
  PlayerFrames['player.report'],
  PlayerFrames.time,
]);
export type ClientFrame = Static<typeof ClientFrame>;

/** One checker per frame type, so an error names the field of the frame that was meant. */
const checks = new Map(Object.entries(Frames).map(([type, schema]) => [type, TypeCompiler.Compile(schema)]));

/** The frame, or a message naming what is wrong with it. */
export function parseFrame(data: string): ClientFrame | string {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return 'frame is not JSON';
  }
  const type = (value as { type?: unknown } | null)?.type;
  const check = typeof type === 'string' ? checks.get(type) : undefined;
  if (!check) return `type must be one of ${[...checks.keys()].join(', ')}`;
  if (check.Check(value)) return inputProblem(value, 'frame') ?? (value as ClientFrame);
  const first = check.Errors(value).First();
  const where = first?.path.replace(/^\//, '').replace(/\//g, '.') || 'frame';
  return `${where}: ${first?.message ?? 'is invalid'}`;
}

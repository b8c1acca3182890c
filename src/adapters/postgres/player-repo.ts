import { sql } from 'kysely';
import type {
  Device,
  DeviceInput,
  DeviceType,
  PlayerRepository,
  PlayerState,
  RepeatState,
  StoredChange,
} from '../../core/player/types.js';
import type { Db } from './database.js';

/** Devices and stored playback (migration 024). Presence is judged by PostgreSQL's clock. */

interface DeviceRow {
  id: string;
  name: string;
  type: string;
  volume_percent: number | null;
  supports_volume: boolean;
  connection_id: string;
  connected_at: Date;
  seen_at: Date;
}

const toDevice = (r: DeviceRow): Device => ({
  id: r.id,
  name: r.name,
  type: r.type as DeviceType,
  volumePercent: r.volume_percent,
  supportsVolume: r.supports_volume,
  connectedAt: r.connected_at,
  seenAt: r.seen_at,
});

interface StateRow {
  version: number;
  active_device_id: string | null;
  is_playing: boolean;
  track_id: string | null;
  progress_ms: number;
  progress_at: Date;
  duration_ms: number;
  context_uri: string | null;
  queue: string[];
  queue_index: number;
  queue_insert_at: number | null;
  shuffle: boolean;
  repeat: string;
  volume_percent: number;
  command_version: number;
  updated_at: Date;
}

const toState = (r: StateRow): PlayerState => ({
  version: r.version,
  activeDeviceId: r.active_device_id,
  isPlaying: r.is_playing,
  trackId: r.track_id,
  progressMs: r.progress_ms,
  progressAt: r.progress_at.getTime(),
  durationMs: r.duration_ms,
  contextUri: r.context_uri,
  queue: r.queue,
  queueIndex: r.queue_index,
  queueInsertAt: r.queue_insert_at,
  shuffle: r.shuffle,
  repeat: r.repeat as RepeatState,
  volumePercent: r.volume_percent,
  commandVersion: r.command_version,
  updatedAt: r.updated_at.getTime(),
});

const present = (ttlMs: number) => sql`seen_at > now() - ${Math.round(ttlMs)}::int * interval '1 millisecond'`;

export class PgPlayerRepository implements PlayerRepository {
  constructor(private readonly db: Db) {}

  async upsertDevice(userId: string, connectionId: string, d: DeviceInput): Promise<void> {
    // A takeover by a new socket counts as a new connection; a re-register on the same socket does not.
    await sql`insert into player_devices (user_id, id, name, type, volume_percent, supports_volume, connection_id)
      values (${userId}, ${d.id}, ${d.name}, ${d.type}, ${d.volumePercent}, ${d.supportsVolume}, ${connectionId})
      on conflict (user_id, id) do update set name = excluded.name, type = excluded.type,
        volume_percent = excluded.volume_percent, supports_volume = excluded.supports_volume,
        connection_id = excluded.connection_id, seen_at = now(),
        connected_at = case when player_devices.connection_id = excluded.connection_id
          then player_devices.connected_at else now() end`.execute(this.db);
  }

  async sweepDevices(userId: string, ageMs: number): Promise<void> {
    await sql`delete from player_devices where user_id = ${userId} and not ${present(ageMs)}`.execute(this.db);
  }

  async touchDevice(userId: string, connectionId: string, deviceId: string): Promise<boolean> {
    const r = await sql`update player_devices set seen_at = now()
      where user_id = ${userId} and id = ${deviceId} and connection_id = ${connectionId}`.execute(this.db);
    return Number(r.numAffectedRows ?? 0) > 0;
  }

  async deleteDevice(userId: string, connectionId: string, deviceId: string): Promise<boolean> {
    const r = await sql`delete from player_devices
      where user_id = ${userId} and id = ${deviceId} and connection_id = ${connectionId}`.execute(this.db);
    return Number(r.numAffectedRows ?? 0) > 0;
  }

  async renameDevice(userId: string, deviceId: string, name: string, ttlMs: number): Promise<boolean> {
    const r = await sql`update player_devices set name = ${name}
      where user_id = ${userId} and id = ${deviceId} and ${present(ttlMs)}`.execute(this.db);
    return Number(r.numAffectedRows ?? 0) > 0;
  }

  async setDeviceVolume(userId: string, deviceId: string, volumePercent: number): Promise<void> {
    await sql`update player_devices set volume_percent = ${volumePercent}
      where user_id = ${userId} and id = ${deviceId} and volume_percent is distinct from ${volumePercent}`.execute(
      this.db,
    );
  }

  async devices(userId: string, ttlMs: number): Promise<Device[]> {
    const r = await sql<DeviceRow>`select * from player_devices where user_id = ${userId} and ${present(ttlMs)}
      order by connected_at, id`.execute(this.db);
    return r.rows.map(toDevice);
  }

  async holder(userId: string, deviceId: string, ttlMs: number) {
    const r = await sql<DeviceRow>`select * from player_devices
      where user_id = ${userId} and id = ${deviceId} and ${present(ttlMs)}`.execute(this.db);
    const row = r.rows[0];
    return row ? { device: toDevice(row), connectionId: row.connection_id } : undefined;
  }

  async state(userId: string): Promise<PlayerState | undefined> {
    const r = await sql<StateRow>`select * from player_states where user_id = ${userId}`.execute(this.db);
    return r.rows[0] ? toState(r.rows[0]) : undefined;
  }

  async update(userId: string, change: (current: PlayerState | undefined) => StoredChange | undefined) {
    return this.db.transaction().execute(async (trx) => {
      // The row lock orders concurrent changes. A listener's first change has no row to lock: when two
      // insert at once, the loser waits for the winner, finds its row and starts again from it.
      for (;;) {
        const r = await sql<StateRow>`select * from player_states where user_id = ${userId} for update`.execute(trx);
        const current = r.rows[0] ? toState(r.rows[0]) : undefined;
        const next = change(current);
        if (!next) return { state: current, changed: false };
        const version = (current?.version ?? 0) + 1;
        const values = sql`${next.activeDeviceId}, ${next.isPlaying}, ${next.trackId}, ${Math.round(next.progressMs)},
          ${new Date(next.progressAt)}, ${Math.round(next.durationMs)}, ${next.contextUri},
          ${JSON.stringify(next.queue)}::jsonb, ${next.queueIndex}, ${next.queueInsertAt}, ${next.shuffle},
          ${next.repeat}, ${next.volumePercent}, ${next.commanded ? version : next.commandVersion}`;
        const columns = sql`active_device_id, is_playing, track_id, progress_ms, progress_at, duration_ms, context_uri,
          queue, queue_index, queue_insert_at, shuffle, repeat, volume_percent, command_version`;
        const written = current
          ? await sql<StateRow>`update player_states set version = ${version}, (${columns}) = (${values}),
              updated_at = now() where user_id = ${userId} returning *`.execute(trx)
          : await sql<StateRow>`insert into player_states (user_id, version, ${columns})
              values (${userId}, ${version}, ${values}) on conflict (user_id) do nothing returning *`.execute(trx);
        if (written.rows[0]) return { state: toState(written.rows[0]), changed: true };
      }
    });
  }
}

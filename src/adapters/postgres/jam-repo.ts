import { sql } from 'kysely';
import type {
  EnqueueOutcome,
  HostOnlyOutcome,
  HostPlayback,
  Jam,
  JamRepository,
  JamSettings,
  NewJam,
} from '../../core/jam/types.js';
import type { Db } from './database.js';

interface JamRow {
  id: string;
  code: string;
  host_id: string;
  anyone_with_link: boolean;
  guests_can_add: boolean;
  on_host_leave: 'hand_off' | 'end';
  track_id: string | null;
  duration_ms: number;
  position_ms: number;
  at_server_ms: number;
  is_playing: boolean;
  version: number;
  created_at: Date;
}

const isUniqueViolation = (err: unknown, constraint: string) =>
  (err as { code?: string }).code === '23505' && (err as { constraint?: string }).constraint === constraint;

/**
 * Jams in PostgreSQL (migration 025). Every change of a Jam runs in one transaction that locks its row
 * and bumps its version, so concurrent joins, leaves and host reports each see the one before.
 */
export class PgJamRepository implements JamRepository {
  constructor(private readonly db: Db) {}

  async create(jam: NewJam): Promise<'created' | 'code_taken' | 'already_in_one'> {
    try {
      await this.db.transaction().execute(async (tx) => {
        const { settings: s, playback: p } = jam;
        await sql`insert into jams (id, code, host_id, anyone_with_link, guests_can_add, on_host_leave,
            track_id, duration_ms, position_ms, at_server_ms, is_playing, player_version)
          values (${jam.id}, ${jam.code}, ${jam.hostId}, ${s.anyoneWithLink}, ${s.guestsCanAdd}, ${s.onHostLeave},
            ${p.trackId}, ${p.durationMs}, ${p.positionMs}, ${p.atServerMs}, ${p.isPlaying}, ${jam.playerVersion})`.execute(
          tx,
        );
        await sql`insert into jam_members (user_id, jam_id) values (${jam.hostId}, ${jam.id})`.execute(tx);
        await insertContext(tx, jam.id, jam.queue);
      });
      return 'created';
    } catch (err) {
      if (isUniqueViolation(err, 'jams_open_code_idx')) return 'code_taken';
      if (isUniqueViolation(err, 'jams_open_host_idx') || isUniqueViolation(err, 'jam_members_pkey')) {
        return 'already_in_one';
      }
      throw err;
    }
  }

  async get(id: string): Promise<Jam | undefined> {
    const [jams, members, queue] = await Promise.all([
      sql<JamRow>`select * from jams where id = ${id} and ended_at is null`.execute(this.db),
      sql<{ id: string; display_name: string; joined_at: Date }>`
        select u.id, u.display_name, m.joined_at from jam_members m join users u on u.id = m.user_id
        where m.jam_id = ${id} order by m.seq`.execute(this.db),
      sql<{ track_id: string; added_by: string | null }>`
        select track_id, added_by from jam_queue where jam_id = ${id} order by from_context, id`.execute(this.db),
    ]);
    const r = jams.rows[0];
    if (!r) return undefined;
    return {
      id: r.id,
      code: r.code,
      hostId: r.host_id,
      settings: { anyoneWithLink: r.anyone_with_link, guestsCanAdd: r.guests_can_add, onHostLeave: r.on_host_leave },
      playback: {
        trackId: r.track_id,
        durationMs: r.duration_ms,
        positionMs: r.position_ms,
        atServerMs: r.at_server_ms,
        isPlaying: r.is_playing,
      },
      version: r.version,
      members: members.rows.map((m) => ({ id: m.id, displayName: m.display_name, joinedAt: m.joined_at })),
      queue: queue.rows.map((q) => ({ trackId: q.track_id, addedBy: q.added_by })),
      createdAt: r.created_at,
    };
  }

  async idByCode(code: string): Promise<string | undefined> {
    const r = await sql<{ id: string }>`select id from jams where code = ${code} and ended_at is null`.execute(this.db);
    return r.rows[0]?.id;
  }

  async idOfMember(userId: string): Promise<string | undefined> {
    const r = await sql<{ jam_id: string }>`select jam_id from jam_members where user_id = ${userId}`.execute(this.db);
    return r.rows[0]?.jam_id;
  }

  async join(jamId: string, userId: string): Promise<'joined' | 'member' | 'already_in_one' | 'gone'> {
    try {
      return await this.db.transaction().execute(async (tx) => {
        if (!(await lockOpen(tx, jamId))) return 'gone' as const;
        const r = await sql`insert into jam_members (user_id, jam_id) values (${userId}, ${jamId})
          on conflict (user_id) do nothing`.execute(tx);
        if (Number(r.numAffectedRows ?? 0) === 0) {
          const other = await sql<{ jam_id: string }>`select jam_id from jam_members where user_id = ${userId}`.execute(
            tx,
          );
          return other.rows[0]?.jam_id === jamId ? ('member' as const) : ('already_in_one' as const);
        }
        await bump(tx, jamId);
        return 'joined' as const;
      });
    } catch (err) {
      // The Jam ended between the lock and the insert cannot happen (the lock holds it); a foreign-key
      // failure means it was deleted outright.
      if ((err as { code?: string }).code === '23503') return 'gone';
      throw err;
    }
  }

  async leave(jamId: string, userId: string): Promise<{ ended: boolean } | undefined> {
    return this.db.transaction().execute(async (tx) => {
      const jam = await lockOpen(tx, jamId);
      if (!jam) return undefined;
      const gone = await sql`delete from jam_members where jam_id = ${jamId} and user_id = ${userId}`.execute(tx);
      if (Number(gone.numAffectedRows ?? 0) === 0) return undefined;
      if (jam.host_id !== userId) {
        await bump(tx, jamId);
        return { ended: false };
      }
      const next =
        jam.on_host_leave === 'hand_off'
          ? await sql<{ user_id: string }>`select user_id from jam_members where jam_id = ${jamId}
              order by seq limit 1`.execute(tx)
          : undefined;
      const heir = next?.rows[0]?.user_id;
      if (!heir) {
        await endLocked(tx, jamId);
        return { ended: true };
      }
      // The heir's player counts its own versions: its first change must count, however low.
      await sql`update jams set host_id = ${heir}, player_version = 0, version = version + 1
        where id = ${jamId}`.execute(tx);
      return { ended: false };
    });
  }

  async end(jamId: string, hostId: string): Promise<HostOnlyOutcome> {
    return this.db.transaction().execute(async (tx) => {
      const jam = await lockOpen(tx, jamId);
      if (!jam) return 'gone';
      if (jam.host_id !== hostId) return 'not_host';
      await endLocked(tx, jamId);
      return 'done';
    });
  }

  async updateSettings(jamId: string, hostId: string, settings: Partial<JamSettings>): Promise<HostOnlyOutcome> {
    return this.db.transaction().execute(async (tx) => {
      const jam = await lockOpen(tx, jamId);
      if (!jam) return 'gone';
      if (jam.host_id !== hostId) return 'not_host';
      await sql`update jams set
          anyone_with_link = coalesce(${settings.anyoneWithLink ?? null}::boolean, anyone_with_link),
          guests_can_add = coalesce(${settings.guestsCanAdd ?? null}::boolean, guests_can_add),
          on_host_leave = coalesce(${settings.onHostLeave ?? null}::text, on_host_leave),
          version = version + 1
        where id = ${jamId}`.execute(tx);
      return 'done';
    });
  }

  async enqueue(jamId: string, trackIds: string[], addedBy: string, maxQueue: number): Promise<EnqueueOutcome> {
    return this.db.transaction().execute(async (tx) => {
      const jam = await lockOpen(tx, jamId);
      if (!jam) return 'gone';
      if (!jam.guests_can_add && jam.host_id !== addedBy) return 'restricted';
      const added = await sql<{ n: string }>`select count(*) as n from jam_queue
        where jam_id = ${jamId} and not from_context`.execute(tx);
      const waiting = Number(added.rows[0]?.n ?? 0) + trackIds.length;
      if (waiting > maxQueue) return 'full';
      await sql`insert into jam_queue (jam_id, track_id, added_by)
        select ${jamId}, t.id, ${addedBy} from unnest(${trackIds}::text[]) with ordinality as t(id, n)
        order by t.n`.execute(tx);
      // The context gives way: the whole queue keeps at most maxQueue entries.
      await sql`delete from jam_queue where id in (select id from jam_queue where jam_id = ${jamId} and from_context
        order by id offset ${maxQueue - waiting})`.execute(tx);
      await bump(tx, jamId);
      return 'added';
    });
  }

  async hostPlayed(
    hostId: string,
    p: HostPlayback,
    upNext: string[],
    maxQueue: number,
  ): Promise<{ jamId: string; queueChanged: boolean } | undefined> {
    // Every report of every listener comes here: most host no Jam, or send what is already stored.
    // One read on the open-host index settles those without a transaction.
    const hosted = await sql<{ player_version: string }>`select player_version from jams
      where host_id = ${hostId} and ended_at is null`.execute(this.db);
    const seen = hosted.rows[0];
    if (!seen || Number(seen.player_version) >= p.version) return undefined;
    return this.db.transaction().execute(async (tx) => {
      const open = await sql<{ id: string; track_id: string | null; player_version: string }>`select id, track_id,
          player_version from jams where host_id = ${hostId} and ended_at is null for update`.execute(tx);
      const jam = open.rows[0];
      if (!jam || Number(jam.player_version) >= p.version) return undefined;
      await sql`update jams set track_id = ${p.trackId}, duration_ms = ${p.durationMs}, position_ms = ${p.positionMs},
          at_server_ms = ${p.atServerMs}, is_playing = ${p.isPlaying}, player_version = ${p.version},
          version = version + 1
        where id = ${jam.id}`.execute(tx);
      let queueChanged = false;
      if (p.trackId !== null && p.trackId !== jam.track_id) {
        const popped = await sql`delete from jam_queue where id = (select id from jam_queue
          where jam_id = ${jam.id} and not from_context and track_id = ${p.trackId} order by id limit 1)`.execute(tx);
        queueChanged = Number(popped.numAffectedRows ?? 0) > 0;
      }
      const queue = await sql<{ track_id: string; from_context: boolean }>`select track_id, from_context
        from jam_queue where jam_id = ${jam.id} order by from_context, id`.execute(tx);
      const added = queue.rows.filter((r) => !r.from_context).map((r) => r.track_id);
      const context = contextOf(upNext, added).slice(0, Math.max(0, maxQueue - added.length));
      const stored = queue.rows.filter((r) => r.from_context).map((r) => r.track_id);
      if (context.length !== stored.length || context.some((id, i) => id !== stored[i])) {
        await sql`delete from jam_queue where jam_id = ${jam.id} and from_context`.execute(tx);
        await insertContext(tx, jam.id, context);
        queueChanged = true;
      }
      return { jamId: jam.id, queueChanged };
    });
  }

  async follows(followerId: string, userId: string): Promise<boolean> {
    const r =
      await sql`select 1 from user_follows where follower_id = ${followerId} and followee_id = ${userId}`.execute(
        this.db,
      );
    return r.rows.length > 0;
  }
}

/** What the host plays after the added tracks: `upNext` less one occurrence of each added track. */
function contextOf(upNext: string[], added: string[]): string[] {
  const waiting = new Map<string, number>();
  for (const id of added) waiting.set(id, (waiting.get(id) ?? 0) + 1);
  return upNext.filter((id) => {
    const n = waiting.get(id) ?? 0;
    if (n > 0) waiting.set(id, n - 1);
    return n === 0;
  });
}

async function insertContext(tx: Db, jamId: string, trackIds: string[]): Promise<void> {
  if (trackIds.length === 0) return;
  await sql`insert into jam_queue (jam_id, track_id, from_context)
    select ${jamId}, t.id, true from unnest(${trackIds}::text[]) with ordinality as t(id, n)
    where exists (select 1 from tracks where tracks.id = t.id) order by t.n`.execute(tx);
}

/** Locks the open Jam's row for the transaction; undefined when it has ended or never was. */
async function lockOpen(tx: Db, jamId: string) {
  const r = await sql<{ host_id: string; on_host_leave: 'hand_off' | 'end'; guests_can_add: boolean }>`select host_id,
      on_host_leave, guests_can_add from jams where id = ${jamId} and ended_at is null for update`.execute(tx);
  return r.rows[0];
}

async function bump(tx: Db, jamId: string): Promise<void> {
  await sql`update jams set version = version + 1 where id = ${jamId}`.execute(tx);
}

/** Ends a locked Jam: members and queue go, the row stays as a record with `ended_at`. */
async function endLocked(tx: Db, jamId: string): Promise<void> {
  await sql`delete from jam_members where jam_id = ${jamId}`.execute(tx);
  await sql`delete from jam_queue where jam_id = ${jamId}`.execute(tx);
  await sql`update jams set ended_at = now(), is_playing = false, version = version + 1 where id = ${jamId}`.execute(
    tx,
  );
}

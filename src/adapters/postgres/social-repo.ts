import { sql } from 'kysely';
import type { Page } from '../../core/catalog/types.js';
import type { CursorPage, FollowType, PublicUser, SharedActivity, SocialRepository } from '../../core/social/types.js';
import type { Db } from './database.js';

/** True when there is a block between the users in columns `a` and `b`, either way. */
const blockBetween = (a: string, b: string) => sql`exists (select 1 from user_blocks b
  where (b.blocker_id = ${sql.ref(a)} and b.blocked_id = ${sql.ref(b)})
     or (b.blocker_id = ${sql.ref(b)} and b.blocked_id = ${sql.ref(a)}))`;

const USER_COLUMNS = sql`u.id, u.display_name,
  (select count(*)::int from user_follows uf where uf.followee_id = u.id) as followers`;

interface UserRow {
  id: string;
  display_name: string;
  followers: number;
}

const toUser = (r: UserRow): PublicUser => ({ id: r.id, displayName: r.display_name, followers: r.followers });

interface ActivityRow {
  user_id: string;
  track_id: string;
  progress_ms: number;
  is_playing: boolean;
  reported_at: Date;
}

const toActivity = (r: ActivityRow): SharedActivity => ({
  userId: r.user_id,
  trackId: r.track_id,
  progressMs: r.progress_ms,
  isPlaying: r.is_playing,
  reportedAt: r.reported_at,
});

export class PgSocialRepository implements SocialRepository {
  constructor(private readonly db: Db) {}

  async publicUsers(ids: string[]): Promise<PublicUser[]> {
    if (ids.length === 0) return [];
    const r = await sql<UserRow>`select ${USER_COLUMNS} from users u where u.id = any(${ids})`.execute(this.db);
    return r.rows.map(toUser);
  }

  async follow(userId: string, type: FollowType, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    if (type === 'artist') {
      await this.db
        .insertInto('artist_follows')
        .values(ids.map((artist_id) => ({ user_id: userId, artist_id })))
        .onConflict((oc) => oc.doNothing())
        .execute();
      return;
    }
    // The block check is repeated in the insert so a block made meanwhile still wins.
    await sql`insert into user_follows (follower_id, followee_id)
      select ${userId}, x.id from unnest(${ids}::text[]) as x(id)
      where x.id <> ${userId} and not exists (select 1 from user_blocks b
        where (b.blocker_id = ${userId} and b.blocked_id = x.id) or (b.blocker_id = x.id and b.blocked_id = ${userId}))
      on conflict do nothing`.execute(this.db);
  }

  async unfollow(userId: string, type: FollowType, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    if (type === 'artist') {
      await this.db.deleteFrom('artist_follows').where('user_id', '=', userId).where('artist_id', 'in', ids).execute();
    } else {
      await this.db
        .deleteFrom('user_follows')
        .where('follower_id', '=', userId)
        .where('followee_id', 'in', ids)
        .execute();
    }
  }

  async following(userId: string, type: FollowType, ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows =
      type === 'artist'
        ? await this.db
            .selectFrom('artist_follows')
            .select('artist_id as id')
            .where('user_id', '=', userId)
            .where('artist_id', 'in', ids)
            .execute()
        : await this.db
            .selectFrom('user_follows')
            .select('followee_id as id')
            .where('follower_id', '=', userId)
            .where('followee_id', 'in', ids)
            .execute();
    return new Set(rows.map((r) => r.id));
  }

  async followedPage(
    userId: string,
    type: FollowType,
    after: string | undefined,
    limit: number,
  ): Promise<CursorPage<string>> {
    // Ordered by name, so a cursor stays valid when the listener unfollows something meanwhile.
    const followed =
      type === 'artist'
        ? sql`select ar.id, lower(ar.name) as k from artist_follows f join artists ar on ar.id = f.artist_id
            where f.user_id = ${userId}`
        : sql`select u.id, lower(u.display_name) as k from user_follows f join users u on u.id = f.followee_id
            where f.follower_id = ${userId}`;
    const cursor =
      type === 'artist'
        ? sql`(select lower(name), id from artists where id = ${after ?? null})`
        : sql`(select lower(display_name), id from users where id = ${after ?? null})`;
    const [rows, count] = await Promise.all([
      sql<{ id: string }>`select id from (${followed}) f
        where ${after === undefined ? sql`true` : sql`(f.k, f.id) > ${cursor}`}
        order by f.k, f.id limit ${limit + 1}`.execute(this.db),
      sql<{ n: number }>`select count(*)::int as n from (${followed}) f`.execute(this.db),
    ]);
    const items = rows.rows.slice(0, limit).map((r) => r.id);
    return { items, total: count.rows[0]!.n, after: rows.rows.length > limit ? items[items.length - 1]! : null };
  }

  async blockedEitherWay(userId: string, others: string[]): Promise<Set<string>> {
    if (others.length === 0) return new Set();
    const r = await sql<{ id: string }>`
      select case when blocker_id = ${userId} then blocked_id else blocker_id end as id from user_blocks
      where (blocker_id = ${userId} and blocked_id = any(${others}))
         or (blocked_id = ${userId} and blocker_id = any(${others}))`.execute(this.db);
    return new Set(r.rows.map((row) => row.id));
  }

  async block(blockerId: string, blockedId: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('user_blocks')
        .values({ blocker_id: blockerId, blocked_id: blockedId })
        .onConflict((oc) => oc.doNothing())
        .execute();
      await tx
        .deleteFrom('user_follows')
        .where((eb) =>
          eb.or([
            eb.and([eb('follower_id', '=', blockedId), eb('followee_id', '=', blockerId)]),
            eb.and([eb('follower_id', '=', blockerId), eb('followee_id', '=', blockedId)]),
          ]),
        )
        .execute();
    });
  }

  async unblock(blockerId: string, blockedId: string): Promise<void> {
    await this.db
      .deleteFrom('user_blocks')
      .where('blocker_id', '=', blockerId)
      .where('blocked_id', '=', blockedId)
      .execute();
  }

  async blocked(blockerId: string, limit: number, offset: number): Promise<Page<PublicUser>> {
    const [rows, count] = await Promise.all([
      sql<UserRow>`select ${USER_COLUMNS} from user_blocks b join users u on u.id = b.blocked_id
        where b.blocker_id = ${blockerId} order by b.blocked_at desc, u.id limit ${limit} offset ${offset}`.execute(
        this.db,
      ),
      sql<{ n: number }>`select count(*)::int as n from user_blocks where blocker_id = ${blockerId}`.execute(this.db),
    ]);
    return { items: rows.rows.map(toUser), total: count.rows[0]!.n };
  }

  async privateUntil(userId: string, now: Date): Promise<Date | undefined> {
    const row = await this.db
      .selectFrom('private_sessions')
      .select('expires_at')
      .where('user_id', '=', userId)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return row?.expires_at;
  }

  async startPrivate(userId: string, until: Date): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('private_sessions')
        .values({ user_id: userId, expires_at: until })
        .onConflict((oc) => oc.column('user_id').doUpdateSet({ expires_at: until }))
        .execute();
      await tx.updateTable('shared_activity').set({ is_playing: false }).where('user_id', '=', userId).execute();
    });
  }

  async endPrivate(userId: string): Promise<void> {
    await this.db.deleteFrom('private_sessions').where('user_id', '=', userId).execute();
  }

  async share(a: SharedActivity): Promise<void> {
    const values = {
      track_id: a.trackId,
      progress_ms: a.progressMs,
      is_playing: a.isPlaying,
      reported_at: a.reportedAt,
    };
    await this.db
      .insertInto('shared_activity')
      .values({ user_id: a.userId, ...values })
      .onConflict((oc) => oc.column('user_id').doUpdateSet(values))
      .execute();
  }

  async audience(userId: string): Promise<string[]> {
    const r = await sql<{ id: string }>`select f.follower_id as id from user_follows f
      where f.followee_id = ${userId} and not ${blockBetween('f.followee_id', 'f.follower_id')}`.execute(this.db);
    return r.rows.map((row) => row.id);
  }

  async feed(viewerId: string, limit: number): Promise<SharedActivity[]> {
    const r = await sql<ActivityRow>`select s.user_id, s.track_id, s.progress_ms, s.is_playing, s.reported_at
      from user_follows f join shared_activity s on s.user_id = f.followee_id
      where f.follower_id = ${viewerId} and not ${blockBetween('f.followee_id', 'f.follower_id')}
      order by s.reported_at desc, s.user_id limit ${limit}`.execute(this.db);
    return r.rows.map(toActivity);
  }
}

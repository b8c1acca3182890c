import { sql } from 'kysely';
import type { Page } from '../../core/catalog/types.js';
import { Invalid } from '../../core/errors.js';
import type {
  LibraryQuery,
  MatchCandidate,
  NewPlaylist,
  Playlist,
  PlaylistChanges,
  PlaylistItem,
  PlaylistRepository,
  UserRef,
} from '../../core/playlists/repository.js';
import type { Db } from './database.js';
import { VISIBLE_TRACK } from './visibility.js';

interface PlaylistRow {
  id: string;
  owner_id: string;
  owner_name: string;
  made_for: string | null;
  name: string;
  description: string;
  public: boolean;
  collaborative: boolean;
  image_key: string | null;
  share_token: string | null;
  version: number;
  track_count: number;
  followers: number;
  created_at: Date;
  updated_at: Date;
}

const PLAYLIST_COLUMNS = sql`p.id, p.owner_id, u.display_name as owner_name, p.made_for, p.name, p.description, p.public,
  p.collaborative, p.image_key, p.share_token, p.version, p.track_count, p.created_at, p.updated_at,
  (select count(*)::int from playlist_follows f where f.playlist_id = p.id) as followers`;

function toPlaylist(r: PlaylistRow): Playlist {
  return {
    id: r.id,
    owner: { id: r.owner_id, displayName: r.owner_name },
    madeFor: r.made_for,
    name: r.name,
    description: r.description,
    public: r.public,
    collaborative: r.collaborative,
    imageKey: r.image_key,
    shareToken: r.share_token,
    version: Number(r.version),
    trackCount: r.track_count,
    followers: r.followers,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/**
 * ASCII letters and digits of a title after decomposing accents: the same as the SQL expression in
 * `matchCandidates`, so an index-free prefilter finds "Beyoncé" for "BEYONCE" without an extension.
 */
function skeleton(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/[A-Z]/g, (c) => c.toLowerCase())
    .replace(/[^a-z0-9]/g, '');
}

export class PgPlaylistRepository implements PlaylistRepository {
  constructor(private readonly db: Db) {}

  async create(p: NewPlaylist): Promise<void> {
    await this.db
      .insertInto('playlists')
      .values({
        id: p.id,
        owner_id: p.ownerId,
        name: p.name,
        description: p.description,
        public: p.public,
        collaborative: p.collaborative,
        image_key: null,
        share_token: null,
      })
      .execute();
  }

  private async one(where: ReturnType<typeof sql>): Promise<Playlist | undefined> {
    const r = await sql<PlaylistRow>`select ${PLAYLIST_COLUMNS} from playlists p join users u on u.id = p.owner_id
      where ${where}`.execute(this.db);
    return r.rows[0] && toPlaylist(r.rows[0]);
  }

  byId(id: string): Promise<Playlist | undefined> {
    return this.one(sql`p.id = ${id}`);
  }

  async byIds(ids: string[]): Promise<Playlist[]> {
    if (ids.length === 0) return [];
    const r = await sql<PlaylistRow>`select ${PLAYLIST_COLUMNS} from playlists p join users u on u.id = p.owner_id
      where p.id = any(${ids})`.execute(this.db);
    return r.rows.map(toPlaylist);
  }

  byShareToken(token: string): Promise<Playlist | undefined> {
    return this.one(sql`p.share_token = ${token}`);
  }

  async update(id: string, c: PlaylistChanges): Promise<void> {
    try {
      await this.db
        .updateTable('playlists')
        .set({ ...c, updated_at: new Date() })
        .where('id', '=', id)
        .execute();
    } catch (err) {
      // Two concurrent changes can each pass the service's check; the table's check stops the second.
      if ((err as { code?: string }).code === '23514') {
        throw new Invalid('a collaborative playlist cannot be public', c.public ? 'public' : 'collaborative');
      }
      throw err;
    }
  }

  async setImage(id: string, imageKey: string): Promise<void> {
    await this.db
      .updateTable('playlists')
      .set({ image_key: imageKey, updated_at: new Date() })
      .where('id', '=', id)
      .execute();
  }

  async keepShareToken(id: string, token: string): Promise<string> {
    const r = await sql<{ share_token: string }>`update playlists set share_token = coalesce(share_token, ${token})
      where id = ${id} returning share_token`.execute(this.db);
    return r.rows[0]!.share_token;
  }

  async clearShareToken(id: string): Promise<void> {
    await this.db.updateTable('playlists').set({ share_token: null }).where('id', '=', id).execute();
  }

  async isCollaborator(id: string, userId: string): Promise<boolean> {
    const r = await this.db
      .selectFrom('playlist_collaborators')
      .select('user_id')
      .where('playlist_id', '=', id)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return r !== undefined;
  }

  async isFollower(id: string, userId: string): Promise<boolean> {
    return (await this.followersAmong(id, [userId])).size > 0;
  }

  async items(id: string, limit: number, offset: number): Promise<Page<PlaylistItem>> {
    const [rows, count] = await Promise.all([
      sql<{ item_id: string; track_id: string; added_at: Date; added_by: string | null; added_by_name: string | null }>`
        select i.item_id, i.track_id, i.added_at, i.added_by, u.display_name as added_by_name
        from playlist_items i left join users u on u.id = i.added_by
        where i.playlist_id = ${id} order by i.sort_key limit ${limit} offset ${offset}`.execute(this.db),
      sql<{ n: number }>`select count(*)::int as n from playlist_items where playlist_id = ${id}`.execute(this.db),
    ]);
    return {
      total: count.rows[0]!.n,
      items: rows.rows.map((r) => ({
        itemId: r.item_id,
        trackId: r.track_id,
        addedAt: r.added_at,
        addedBy: r.added_by ? { id: r.added_by, displayName: r.added_by_name ?? '' } : null,
      })),
    };
  }

  async library(q: LibraryQuery): Promise<Page<Playlist>> {
    // Follows count only while the playlist is readable (public); collaborators read it regardless,
    // and collaborative playlists are never public, so a profile never shows them.
    const owned = q.publicOnly ? sql`and p.public` : sql``;
    const followed = q.publicOnly ? sql`and f.public` : sql``;
    // A listener who saves a playlist made for them (Discover Weekly) keeps it in their own library only.
    const madeForMe = q.publicOnly ? sql`` : sql`or p.made_for = f.user_id`;
    const collaborating = q.publicOnly
      ? sql``
      : sql`union all select c.playlist_id, c.added_at from playlist_collaborators c where c.user_id = ${q.userId}`;
    const entries = sql`(select id, max(joined) as joined from (
        select p.id, p.created_at as joined from playlists p where p.owner_id = ${q.userId} ${owned}
        union all select f.playlist_id, f.followed_at from playlist_follows f join playlists p on p.id = f.playlist_id
          where f.user_id = ${q.userId} and (p.public ${madeForMe}) ${followed}
        ${collaborating}
      ) e group by id)`;
    const [rows, count] = await Promise.all([
      sql<PlaylistRow>`select ${PLAYLIST_COLUMNS} from ${entries} lib join playlists p on p.id = lib.id
        join users u on u.id = p.owner_id
        order by lib.joined desc, p.id limit ${q.limit} offset ${q.offset}`.execute(this.db),
      sql<{ n: number }>`select count(*)::int as n from ${entries} lib`.execute(this.db),
    ]);
    return { items: rows.rows.map(toPlaylist), total: count.rows[0]!.n };
  }

  async follow(id: string, userId: string, isPublic: boolean): Promise<void> {
    await sql`insert into playlist_follows (playlist_id, user_id, public) values (${id}, ${userId}, ${isPublic})
      on conflict (playlist_id, user_id) do update set public = excluded.public`.execute(this.db);
  }

  async unfollow(id: string, userId: string): Promise<void> {
    await this.db.deleteFrom('playlist_follows').where('playlist_id', '=', id).where('user_id', '=', userId).execute();
  }

  async followersAmong(id: string, userIds: string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('playlist_follows')
      .select('user_id')
      .where('playlist_id', '=', id)
      .where('user_id', 'in', userIds)
      .execute();
    return new Set(rows.map((r) => r.user_id));
  }

  async addCollaborator(id: string, userId: string): Promise<void> {
    await sql`insert into playlist_collaborators (playlist_id, user_id) values (${id}, ${userId})
      on conflict do nothing`.execute(this.db);
  }

  async removeCollaborator(id: string, userId: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('playlist_collaborators')
      .where('playlist_id', '=', id)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async collaborators(id: string): Promise<(UserRef & { addedAt: Date })[]> {
    const rows = await this.db
      .selectFrom('playlist_collaborators as c')
      .innerJoin('users as u', 'u.id', 'c.user_id')
      .select(['u.id', 'u.display_name', 'c.added_at'])
      .where('c.playlist_id', '=', id)
      .orderBy('c.added_at')
      .execute();
    return rows.map((r) => ({ id: r.id, displayName: r.display_name, addedAt: r.added_at }));
  }

  async userExists(id: string): Promise<boolean> {
    return (await this.db.selectFrom('users').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
  }

  async visibleTracks(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const r = await sql<{ id: string }>`select t.id from tracks t join albums a on a.id = t.album_id
      where t.id = any(${ids}) and ${VISIBLE_TRACK}`.execute(this.db);
    return new Set(r.rows.map((row) => row.id));
  }

  async matchCandidates(titles: string[]): Promise<MatchCandidate[]> {
    if (titles.length === 0) return [];
    const skeletons = [...new Set(titles.map(skeleton).filter((s) => s.length > 0))];
    // One scan of the catalogue for the whole import, probing hashed sets of keys (IN over a subquery)
    // rather than comparing each track with every title; titles without Latin letters or digits have
    // no skeleton and match exactly.
    const r = await sql<MatchCandidate>`
      with found as (
        select t.id, t.name, t.popularity, a.name as album from tracks t join albums a on a.id = t.album_id
        where ${VISIBLE_TRACK}
          and (regexp_replace(lower(normalize(t.name, NFKD)), '[^a-z0-9]', '', 'g') in (select unnest(${skeletons}::text[]))
            or t.name in (select unnest(${titles}::text[]))))
      select f.id, f.name, f.album,
        coalesce(array_agg(ar.name order by ta.position) filter (where ar.id is not null), '{}') as artists
      from found f left join track_artists ta on ta.track_id = f.id left join artists ar on ar.id = ta.artist_id
      group by f.id, f.name, f.album, f.popularity order by f.popularity desc, f.id`.execute(this.db);
    return r.rows;
  }
}

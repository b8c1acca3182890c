import { sql } from 'kysely';
import { datePrecision, nameKey } from '../../core/catalog/names.js';
import { newId } from '../../core/ids.js';
import type { JobSpec } from '../../core/ingest/types.js';
import type {
  AlbumDraft,
  NewUploadedTrack,
  StudioAlbum,
  StudioRepository,
  StudioTrack,
} from '../../core/studio/types.js';
import type { Db } from './database.js';
import { insertJob, setTrackArtists } from './ingest-repo.js';

async function ownedArtist(db: Db, userId: string, name: string): Promise<string> {
  const r = await sql<{ id: string }>`
    insert into artists (id, name, name_key, owner_user_id) values (${newId()}, ${name}, ${nameKey(name)}, ${userId})
    on conflict (owner_user_id, name_key) where owner_user_id is not null do update set name_key = excluded.name_key
    returning id`.execute(db);
  return r.rows[0]!.id;
}

export class PgStudioRepository implements StudioRepository {
  constructor(private readonly db: Db) {}

  async ensureProfile(userId: string, name: string): Promise<string> {
    const existing = await this.db
      .selectFrom('artists')
      .select('id')
      .where('owner_user_id', '=', userId)
      .orderBy('created_at')
      .executeTakeFirst();
    return existing?.id ?? ownedArtist(this.db, userId, name);
  }

  createAlbum(userId: string, profileId: string, draft: AlbumDraft): Promise<string> {
    return this.db.transaction().execute(async (tx) => {
      const id = newId();
      await tx
        .insertInto('albums')
        .values({
          id,
          name: draft.name,
          name_key: nameKey(draft.name),
          album_type: draft.albumType,
          release_date: draft.releaseDate,
          release_date_precision: datePrecision(draft.releaseDate),
          label: draft.label,
          upc: draft.upc,
          owner_user_id: userId,
          status: 'draft',
          available_markets: draft.availableMarkets,
        })
        .execute();
      const artistIds = [profileId];
      for (const name of draft.artists) artistIds.push(await ownedArtist(tx, userId, name));
      await tx
        .insertInto('album_artists')
        .values([...new Set(artistIds)].map((artist_id, position) => ({ album_id: id, artist_id, position })))
        .execute();
      return id;
    });
  }

  async album(id: string): Promise<StudioAlbum | undefined> {
    const rows = await this.load(sql`a.id = ${id}`);
    return rows[0];
  }

  albumsOf(userId: string): Promise<StudioAlbum[]> {
    return this.load(sql`a.owner_user_id = ${userId}`);
  }

  private async load(where: ReturnType<typeof sql>): Promise<StudioAlbum[]> {
    const albums = await sql<{
      id: string;
      owner_user_id: string | null;
      name: string;
      album_type: StudioAlbum['albumType'];
      release_date: string | null;
      label: string | null;
      upc: string | null;
      status: 'draft' | 'published';
      image_key: string | null;
      artists: string[];
    }>`select a.id, a.owner_user_id, a.name, a.album_type, a.release_date, a.label, a.upc, a.status, a.image_key,
        coalesce((select array_agg(ar.name order by aa.position) from album_artists aa join artists ar on ar.id = aa.artist_id
          where aa.album_id = a.id), '{}') as artists
      from albums a where ${where} order by a.created_at desc`.execute(this.db);
    if (albums.rows.length === 0) return [];
    const tracks = await sql<{
      album_id: string;
      id: string;
      name: string;
      disc_number: number;
      track_number: number;
      duration_ms: number;
      explicit: boolean;
      isrc: string | null;
      status: StudioTrack['status'];
      failure_reason: string | null;
      artists: string[];
      job: StudioTrack['job'];
    }>`select t.album_id, t.id, t.name, t.disc_number, t.track_number, t.duration_ms, t.explicit, t.isrc, t.status, t.failure_reason,
        coalesce((select array_agg(ar.name order by ta.position) from track_artists ta join artists ar on ar.id = ta.artist_id
          where ta.track_id = t.id), '{}') as artists,
        (select json_build_object('state', j.state, 'progress', j.progress, 'attempts', j.attempts, 'lastError', j.last_error)
          from jobs j where j.key like 'ingest:' || t.id || ':%' order by j.id desc limit 1) as job
      from tracks t where t.album_id = any(${albums.rows.map((a) => a.id)}) and t.status <> 'retired'
      order by t.disc_number, t.track_number, t.created_at`.execute(this.db);
    return albums.rows.map((a) => ({
      id: a.id,
      ownerUserId: a.owner_user_id,
      name: a.name,
      albumType: a.album_type,
      releaseDate: a.release_date,
      label: a.label,
      upc: a.upc,
      status: a.status,
      imageKey: a.image_key,
      artists: a.artists,
      tracks: tracks.rows
        .filter((t) => t.album_id === a.id)
        .map((t) => ({
          id: t.id,
          name: t.name,
          discNumber: t.disc_number,
          trackNumber: t.track_number,
          durationMs: t.duration_ms,
          explicit: t.explicit,
          isrc: t.isrc,
          status: t.status,
          failureReason: t.failure_reason,
          artists: t.artists,
          job: t.job,
        })),
    }));
  }

  async updateAlbum(id: string, c: Partial<AlbumDraft>): Promise<void> {
    await this.db
      .updateTable('albums')
      .set({
        ...(c.name !== undefined && { name: c.name, name_key: nameKey(c.name) }),
        ...(c.albumType !== undefined && { album_type: c.albumType }),
        ...(c.releaseDate !== undefined && {
          release_date: c.releaseDate,
          release_date_precision: datePrecision(c.releaseDate),
        }),
        ...(c.label !== undefined && { label: c.label }),
        ...(c.upc !== undefined && { upc: c.upc }),
        ...(c.availableMarkets !== undefined && { available_markets: c.availableMarkets }),
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .execute();
  }

  async setAlbumImage(id: string, key: string): Promise<void> {
    await this.db.updateTable('albums').set({ image_key: key, updated_at: new Date() }).where('id', '=', id).execute();
  }

  async setAlbumStatus(id: string, status: 'draft' | 'published'): Promise<void> {
    await this.db.updateTable('albums').set({ status, updated_at: new Date() }).where('id', '=', id).execute();
  }

  addTrack(userId: string, profileId: string, track: NewUploadedTrack, job: JobSpec): Promise<void> {
    return this.db.transaction().execute(async (tx) => {
      // Serialise uploads to one album so positions stay a permutation.
      await sql`select 1 from albums where id = ${track.albumId} for update`.execute(tx);
      const live = await tx
        .selectFrom('tracks')
        .select('id')
        .where('album_id', '=', track.albumId)
        .where('status', '<>', 'retired')
        .orderBy('disc_number')
        .orderBy('track_number')
        .execute();
      const order = live.map((r) => r.id);
      order.splice(track.position ?? order.length, 0, track.id);
      await tx
        .insertInto('tracks')
        .values({
          id: track.id,
          album_id: track.albumId,
          name: track.name,
          explicit: track.explicit,
          isrc: track.isrc,
          status: 'processing',
          lossless: false,
          disc_number: 1,
          track_number: order.length,
        })
        .execute();
      await this.renumber(tx, order);
      const artistIds = [profileId];
      for (const name of track.artists) artistIds.push(await ownedArtist(tx, userId, name));
      await setTrackArtists(tx, track.id, artistIds);
      await insertJob(tx, job);
    });
  }

  private async renumber(db: Db, order: string[]): Promise<void> {
    for (const [i, id] of order.entries()) {
      await db
        .updateTable('tracks')
        .set({ disc_number: 1, track_number: i + 1 })
        .where('id', '=', id)
        .execute();
    }
  }

  reorder(albumId: string, trackIds: string[]): Promise<void> {
    return this.db.transaction().execute(async (tx) => {
      await sql`select 1 from albums where id = ${albumId} for update`.execute(tx);
      await this.renumber(tx, trackIds);
    });
  }

  async trackAlbum(trackId: string): Promise<string | undefined> {
    const r = await this.db
      .selectFrom('tracks')
      .select('album_id')
      .where('id', '=', trackId)
      .where('status', '<>', 'retired')
      .executeTakeFirst();
    return r?.album_id;
  }

  async retireTrack(trackId: string): Promise<void> {
    await this.db
      .updateTable('tracks')
      .set({ status: 'retired', updated_at: new Date() })
      .where('id', '=', trackId)
      .execute();
  }
}

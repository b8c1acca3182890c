import { sql, type Transaction } from 'kysely';
import { datePrecision, nameKey } from '../../core/catalog/names.js';
import { newId } from '../../core/ids.js';
import type {
  ImportedFile,
  IngestRepository,
  JobSpec,
  LibraryFileState,
  PublishedMedia,
  TrackForIngest,
} from '../../core/ingest/types.js';
import type { Db } from './database.js';
import type { Database } from './schema.js';

type Tx = Transaction<Database>;

function likePrefix(dir: string): string {
  return `${dir.replace(/\/$/, '').replace(/[\\%_]/g, '\\$&')}/%`;
}

/** Finds or creates the unowned (imported) artist with this name. */
async function importedArtist(tx: Tx, name: string): Promise<string> {
  const r = await sql<{ id: string }>`
    insert into artists (id, name, name_key) values (${newId()}, ${name}, ${nameKey(name)})
    on conflict (name_key) where owner_user_id is null do update set name_key = excluded.name_key
    returning id`.execute(tx);
  return r.rows[0]!.id;
}

export async function insertJob(tx: Tx | Db, job: JobSpec): Promise<void> {
  await tx
    .insertInto('jobs')
    .values({ name: job.name, key: job.key, payload: JSON.stringify(job.payload), state: 'queued' })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
}

export async function setTrackArtists(tx: Tx, trackId: string, artistIds: string[]): Promise<void> {
  await tx.deleteFrom('track_artists').where('track_id', '=', trackId).execute();
  const unique = [...new Set(artistIds)];
  if (unique.length === 0) return;
  await tx
    .insertInto('track_artists')
    .values(unique.map((artist_id, position) => ({ track_id: trackId, artist_id, position })))
    .execute();
}

export class PgIngestRepository implements IngestRepository {
  constructor(private readonly db: Db) {}

  async libraryFiles(underDir: string): Promise<LibraryFileState[]> {
    const rows = await this.db
      .selectFrom('library_files')
      .selectAll()
      .where('path', 'like', likePrefix(underDir))
      .execute();
    return rows.map((r) => ({
      path: r.path,
      size: Number(r.size),
      mtimeMs: Number(r.mtime_ms),
      trackId: r.track_id,
      failureReason: r.failure_reason,
    }));
  }

  registerImportedFile(
    file: ImportedFile,
    existingTrackId: string | null,
    job: (trackId: string) => JobSpec,
  ): Promise<string> {
    return this.db.transaction().execute(async (tx) => {
      const albumArtistId = await importedArtist(tx, file.albumArtist);
      const artistIds: string[] = [];
      for (const name of file.artists) artistIds.push(await importedArtist(tx, name));
      const importKey = `${nameKey(file.albumArtist)}\u001f${nameKey(file.album)}`;
      const album = await sql<{ id: string }>`
        insert into albums (id, name, name_key, album_type, release_date, release_date_precision, label, genres, status, import_key)
        values (${newId()}, ${file.album}, ${nameKey(file.album)}, ${file.albumType}, ${file.releaseDate},
          ${datePrecision(file.releaseDate)}, ${file.label}, ${file.genres}, 'published', ${importKey})
        on conflict (import_key) do update set
          release_date = coalesce(albums.release_date, excluded.release_date),
          release_date_precision = coalesce(albums.release_date_precision, excluded.release_date_precision),
          label = coalesce(albums.label, excluded.label),
          genres = case when cardinality(albums.genres) = 0 then excluded.genres else albums.genres end,
          updated_at = now()
        returning id`.execute(tx);
      const albumId = album.rows[0]!.id;
      await tx
        .insertInto('album_artists')
        .values({ album_id: albumId, artist_id: albumArtistId, position: 0 })
        .onConflict((oc) => oc.doNothing())
        .execute();

      const fields = {
        album_id: albumId,
        name: file.title,
        disc_number: file.discNumber,
        track_number: file.trackNumber,
        explicit: file.explicit,
        isrc: file.isrc,
        genres: file.genres,
        failure_reason: null,
        updated_at: new Date(),
      };
      let trackId = existingTrackId;
      const existing = trackId
        ? await tx.selectFrom('tracks').select(['id', 'status']).where('id', '=', trackId).executeTakeFirst()
        : undefined;
      if (existing) {
        const status = existing.status === 'ready' ? 'ready' : 'processing';
        await tx
          .updateTable('tracks')
          .set({ ...fields, status })
          .where('id', '=', existing.id)
          .execute();
      } else {
        trackId = newId();
        await tx
          .insertInto('tracks')
          .values({ id: trackId, ...fields, status: 'processing', lossless: false })
          .execute();
      }
      const id = trackId!;
      await setTrackArtists(tx, id, artistIds);
      await tx
        .insertInto('library_files')
        .values({ path: file.path, size: file.size, mtime_ms: file.mtimeMs, track_id: id, failure_reason: null })
        .onConflict((oc) =>
          oc.column('path').doUpdateSet({
            size: file.size,
            mtime_ms: file.mtimeMs,
            track_id: id,
            failure_reason: null,
            updated_at: new Date(),
          }),
        )
        .execute();
      await insertJob(tx, job(id));
      return id;
    });
  }

  async recordLibraryFailure(path: string, size: number, mtimeMs: number, reason: string): Promise<void> {
    await this.db
      .insertInto('library_files')
      .values({ path, size, mtime_ms: Math.trunc(mtimeMs), track_id: null, failure_reason: reason })
      .onConflict((oc) =>
        oc
          .column('path')
          .doUpdateSet({ size, mtime_ms: Math.trunc(mtimeMs), failure_reason: reason, updated_at: new Date() }),
      )
      .execute();
  }

  retireMissing(dir: string, present: Set<string>): Promise<number> {
    return this.db.transaction().execute(async (tx) => {
      const rows = await tx
        .selectFrom('library_files')
        .select(['path', 'track_id'])
        .where('path', 'like', likePrefix(dir))
        .execute();
      const gone = rows.filter((r) => !present.has(r.path));
      if (gone.length === 0) return 0;
      const trackIds = gone.map((r) => r.track_id).filter((id): id is string => !!id);
      if (trackIds.length > 0) {
        await tx
          .updateTable('tracks')
          .set({ status: 'retired', updated_at: new Date() })
          .where('id', 'in', trackIds)
          .execute();
      }
      await tx
        .deleteFrom('library_files')
        .where(
          'path',
          'in',
          gone.map((r) => r.path),
        )
        .execute();
      return gone.length;
    });
  }

  async trackForIngest(trackId: string): Promise<TrackForIngest | undefined> {
    const r = await this.db
      .selectFrom('tracks')
      .innerJoin('albums', 'albums.id', 'tracks.album_id')
      .select(['tracks.id', 'tracks.album_id', 'tracks.status', 'tracks.media_version', 'albums.image_key'])
      .where('tracks.id', '=', trackId)
      .executeTakeFirst();
    return (
      r && {
        id: r.id,
        albumId: r.album_id,
        status: r.status,
        mediaVersion: r.media_version,
        albumImageKey: r.image_key,
      }
    );
  }

  publishMedia(trackId: string, media: PublishedMedia): Promise<void> {
    return this.db.transaction().execute(async (tx) => {
      const updated = await tx
        .updateTable('tracks')
        .set({
          status: 'ready',
          failure_reason: null,
          media_version: media.version,
          source_sha256: media.sourceSha256,
          duration_ms: media.durationMs,
          lossless: media.lossless,
          loudness_lufs: media.loudnessLufs,
          true_peak_dbtp: media.truePeakDbtp,
          normalization_gain_db: media.normalizationGainDb,
          updated_at: new Date(),
        })
        .where('id', '=', trackId)
        .where('status', '<>', 'retired')
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) return;
      await tx.deleteFrom('track_files').where('track_id', '=', trackId).execute();
      await tx
        .insertInto('track_files')
        .values(
          media.files.map((f) => ({
            track_id: trackId,
            quality: f.quality,
            media_version: media.version,
            mime_type: f.mimeType,
            bitrate: f.bitrate,
            size: f.size,
          })),
        )
        .execute();
    });
  }

  async markFailed(trackId: string, reason: string): Promise<void> {
    await sql`update tracks set failure_reason = ${reason.slice(0, 2000)}, updated_at = now(),
      status = case when status = 'processing' then 'failed' else status end where id = ${trackId}`.execute(this.db);
  }

  async setAlbumImageIfMissing(albumId: string, imageKey: string): Promise<void> {
    await this.db
      .updateTable('albums')
      .set({ image_key: imageKey })
      .where('id', '=', albumId)
      .where('image_key', 'is', null)
      .execute();
  }

  async importReport(dir: string) {
    const rows = await sql<{
      path: string;
      track_id: string | null;
      name: string | null;
      status: string | null;
      reason: string | null;
    }>`
      select lf.path, lf.track_id, t.name, t.status, coalesce(lf.failure_reason, t.failure_reason) as reason
      from library_files lf left join tracks t on t.id = lf.track_id
      where lf.path like ${likePrefix(dir)} order by lf.path`.execute(this.db);
    return rows.rows.map((r) => ({
      path: r.path,
      trackId: r.track_id,
      title: r.name,
      status: r.status,
      reason: r.reason,
    }));
  }

  async jobStates(keys: string[]): Promise<{ key: string; state: string }[]> {
    if (keys.length === 0) return [];
    return this.db.selectFrom('jobs').select(['key', 'state']).where('key', 'in', keys).execute();
  }
}

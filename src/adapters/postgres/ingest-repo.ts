import { sql, type Transaction } from 'kysely';
import { datePrecision, nameKey } from '../../core/catalog/names.js';
import { newId } from '../../core/ids.js';
import { lazyFiles } from '../../core/ingest/lazy.js';
import {
  bestSource,
  compareSources,
  type RecordingFacts,
  type SourceRank,
  sameRecording,
} from '../../core/ingest/library-import.js';
import type {
  BatchHooks,
  BatchOutcome,
  ImportedFile,
  IngestRepository,
  JobSpec,
  LibraryBatch,
  LibraryFileState,
  LibrarySummary,
  PublishedMedia,
  TrackForIngest,
  TrackSource,
  TranscodeMode,
} from '../../core/ingest/types.js';
import type { Db } from './database.js';
import type { Database } from './schema.js';

type Tx = Transaction<Database>;

function likePrefix(dir: string): string {
  return `${dir.replace(/\/$/, '').replace(/[\\%_]/g, '\\$&')}/%`;
}

/** Rows as one JSON parameter, unpacked by `jsonb_to_recordset`: one statement for a whole batch. */
const rows = (values: unknown[]) => JSON.stringify(values);

/** A file of a track as the importer recorded it: enough to publish the track from it again. */
interface SourceRow {
  path: string;
  track_id: string;
  size: string;
  mtime_ms: string;
  fingerprint: string | null;
  lossless: boolean;
  bitrate: number;
  duration_ms: number | null;
  gain_db: number | null;
}

/** A track a batch's file may belong to: its own, or one on the same album that looks the same. */
interface CandidateRow {
  id: string;
  album_id: string;
  disc_number: number;
  track_number: number;
  name: string;
  status: string;
  media_version: string | null;
  duration_ms: number;
  artist_ids: string[];
  files: number;
}

/** A batch's file on its way to the catalogue. */
interface Entry {
  file: ImportedFile;
  albumId: string;
  artistIds: string[];
  facts: RecordingFacts;
  rank: SourceRank;
  trackId: string;
}

const candidateFacts = (c: CandidateRow): RecordingFacts => ({
  albumId: c.album_id,
  artistIds: c.artist_ids,
  title: c.name,
  discNumber: c.disc_number,
  trackNumber: c.track_number,
  durationMs: c.duration_ms,
});

/** Finds or creates the unowned (imported) artists by name key; returns name key → id. */
async function importedArtists(tx: Tx, named: Map<string, { name: string; mbid: string | null }>) {
  const keys = [...named.keys()];
  const ids = new Map<string, string>();
  if (keys.length === 0) return ids;
  await sql`
    insert into artists (id, name, name_key, musicbrainz_artist_id)
    select r.id, r.name, r.name_key, r.mbid
    from jsonb_to_recordset(${rows(keys.map((k) => ({ id: newId(), name_key: k, ...named.get(k) })))}::jsonb)
      as r(id text, name text, name_key text, mbid text)
    on conflict (name_key) where owner_user_id is null do nothing`.execute(tx);
  const found = await sql<{ id: string; name_key: string; musicbrainz_artist_id: string | null }>`
    select id, name_key, musicbrainz_artist_id from artists
    where owner_user_id is null and name_key = any(${keys})`.execute(tx);
  const fill: { id: string; mbid: string }[] = [];
  for (const r of found.rows) {
    ids.set(r.name_key, r.id);
    const mbid = named.get(r.name_key)?.mbid;
    if (mbid && !r.musicbrainz_artist_id) fill.push({ id: r.id, mbid });
  }
  if (fill.length > 0) {
    await sql`
      update artists a set musicbrainz_artist_id = r.mbid
      from jsonb_to_recordset(${rows(fill)}::jsonb) as r(id text, mbid text)
      where a.id = r.id and a.musicbrainz_artist_id is null`.execute(tx);
  }
  return ids;
}

const albumImportKey = (file: ImportedFile) => `${nameKey(file.albumArtist)}\u001f${nameKey(file.album)}`;

/**
 * Finds or creates the albums (by album artist and name) of the files; returns import key → id. An
 * existing album only takes facts it lacks, and is not written at all when it lacks none: every write
 * makes the search index re-read the album and its tracks.
 */
async function importedAlbums(tx: Tx, files: ImportedFile[], artistIds: Map<string, string>) {
  const albums = new Map<string, Record<string, unknown> & { artist_id: string }>();
  for (const f of files) {
    const key = albumImportKey(f);
    const seen = albums.get(key);
    if (!seen) {
      albums.set(key, {
        id: newId(),
        import_key: key,
        name: f.album,
        name_key: nameKey(f.album),
        album_type: f.albumType,
        release_date: f.releaseDate,
        precision: datePrecision(f.releaseDate),
        label: f.label,
        genres: f.genres,
        mb_release: f.musicBrainz.releaseId ?? null,
        mb_group: f.musicBrainz.releaseGroupId ?? null,
        artist_id: artistIds.get(nameKey(f.albumArtist))!,
      });
    } else {
      seen.release_date ??= f.releaseDate;
      seen.precision ??= datePrecision(f.releaseDate);
      seen.label ??= f.label;
      if ((seen.genres as string[]).length === 0) seen.genres = f.genres;
      seen.mb_release ??= f.musicBrainz.releaseId ?? null;
      seen.mb_group ??= f.musicBrainz.releaseGroupId ?? null;
    }
  }
  const ids = new Map<string, string>();
  if (albums.size === 0) return ids;
  await sql`
    insert into albums (id, name, name_key, album_type, release_date, release_date_precision, label, genres, status,
      import_key, musicbrainz_release_id, musicbrainz_release_group_id)
    select r.id, r.name, r.name_key, r.album_type, r.release_date, r.precision, r.label, r.genres, 'published',
      r.import_key, r.mb_release, r.mb_group
    from jsonb_to_recordset(${rows([...albums.values()])}::jsonb) as r(id text, name text, name_key text,
      album_type text, release_date text, precision text, label text, genres text[], import_key text,
      mb_release text, mb_group text)
    on conflict (import_key) do update set
      release_date = coalesce(albums.release_date, excluded.release_date),
      release_date_precision = coalesce(albums.release_date_precision, excluded.release_date_precision),
      label = coalesce(albums.label, excluded.label),
      genres = case when cardinality(albums.genres) = 0 then excluded.genres else albums.genres end,
      musicbrainz_release_id = coalesce(albums.musicbrainz_release_id, excluded.musicbrainz_release_id),
      musicbrainz_release_group_id = coalesce(albums.musicbrainz_release_group_id, excluded.musicbrainz_release_group_id),
      updated_at = now()
    where (albums.release_date is null and excluded.release_date is not null)
      or (albums.label is null and excluded.label is not null)
      or (cardinality(albums.genres) = 0 and cardinality(excluded.genres) > 0)
      or (albums.musicbrainz_release_id is null and excluded.musicbrainz_release_id is not null)
      or (albums.musicbrainz_release_group_id is null and excluded.musicbrainz_release_group_id is not null)`.execute(
    tx,
  );
  const found = await sql<{ id: string; import_key: string }>`
    select id, import_key from albums where import_key = any(${[...albums.keys()]})`.execute(tx);
  for (const r of found.rows) ids.set(r.import_key, r.id);
  await sql`
    insert into album_artists (album_id, artist_id, position)
    select r.album_id, r.artist_id, 0 from jsonb_to_recordset(${rows(
      [...albums.values()].map((a) => ({ album_id: ids.get(a.import_key as string), artist_id: a.artist_id })),
    )}::jsonb) as r(album_id text, artist_id text)
    on conflict do nothing`.execute(tx);
  return ids;
}

/**
 * The tracks the batch's files may belong to: their own, and look-alikes on the same albums (same disc
 * and track number, or same title), each found by an index lookup per file (migration 018's
 * tracks_album_title_idx for titles): a join the planner may turn into a scan of every track would
 * make each batch slower than the last.
 */
async function candidateTracks(tx: Tx, entries: Omit<Entry, 'trackId'>[], own: string[]) {
  const columns = sql.raw(
    't.id, t.album_id, t.disc_number, t.track_number, t.name, t.status, t.media_version, t.duration_ms',
  );
  const r = await sql<CandidateRow>`
    with found as (
      select ${columns} from tracks t where t.id = any(${own}::text[])
      union
      select c.* from unnest(${entries.map((e) => e.albumId)}::text[], ${entries.map((e) => e.file.discNumber)}::int[],
          ${entries.map((e) => e.file.trackNumber)}::int[], ${entries.map((e) => e.file.title.toLowerCase())}::text[])
          as w(album_id, disc_number, track_number, title),
        lateral (
          select ${columns} from tracks t
          where t.album_id = w.album_id and t.disc_number = w.disc_number and t.track_number = w.track_number
            and t.status in ('ready', 'processing', 'retired')
          union all
          select ${columns} from tracks t
          where t.album_id = w.album_id and lower(t.name) = w.title and t.status in ('ready', 'processing', 'retired')
        ) c
    )
    select f.id, f.album_id, f.disc_number, f.track_number, f.name, f.status, f.media_version,
      case when f.duration_ms > 0 then f.duration_ms
        else coalesce((select max(lf.duration_ms) from library_files lf where lf.track_id = f.id), 0) end as duration_ms,
      array(select ta.artist_id from track_artists ta where ta.track_id = f.id order by ta.position) as artist_ids,
      (select count(*)::int from library_files lf where lf.track_id = f.id) as files
    from found f`.execute(tx);
  return new Map(r.rows.map((row) => [row.id, row]));
}

/** Every file of these tracks before the batch, with its rank as a source. */
async function sourcesOf(tx: Tx, trackIds: string[]): Promise<SourceRow[]> {
  if (trackIds.length === 0) return [];
  const r = await sql<SourceRow>`
    select lf.path, lf.track_id, lf.size, lf.mtime_ms, lf.fingerprint, coalesce(lf.lossless, t.lossless) as lossless,
      coalesce(lf.bitrate, 0) as bitrate, lf.duration_ms, lf.gain_db
    from library_files lf join tracks t on t.id = lf.track_id
    where lf.track_id = any(${trackIds})`.execute(tx);
  return r.rows;
}

/** A track row as the importer publishes it; `fresh` when a lazy track takes a version it did not have. */
interface TrackRow {
  id: string;
  album_id: string;
  name: string;
  disc_number: number;
  track_number: number;
  duration_ms: number;
  explicit: boolean;
  isrc: string | null;
  genres: string[];
  lazy: boolean;
  fresh: boolean;
  lossless: boolean;
  version: string | null;
  gain_db: number | null;
  mb_recording: string | null;
  mb_track: string | null;
  lyrics: string | null;
}

const TRACK_RECORD = sql.raw(`r(id text, album_id text, name text, disc_number int, track_number int, duration_ms int,
  explicit boolean, isrc text, genres text[], lazy boolean, fresh boolean, lossless boolean, version text,
  gain_db double precision, mb_recording text, mb_track text, lyrics text)`);

/** New tracks: a lazy one ready under its version at once, an eager one processing until its ladder exists. */
async function insertTracks(tx: Tx, tracks: TrackRow[]): Promise<void> {
  await sql`
    insert into tracks (id, album_id, name, disc_number, track_number, duration_ms, explicit, isrc, genres, status,
      lossless, media_version, normalization_gain_db, loudness_measured, musicbrainz_recording_id,
      musicbrainz_track_id, lyrics)
    select r.id, r.album_id, r.name, r.disc_number, r.track_number, r.duration_ms, r.explicit, r.isrc, r.genres,
      case when r.lazy then 'ready' else 'processing' end, r.lossless, r.version, r.gain_db, not r.lazy,
      r.mb_recording, r.mb_track, r.lyrics
    from jsonb_to_recordset(${rows(tracks)}::jsonb) as ${TRACK_RECORD}`.execute(tx);
}

/**
 * Known tracks take their best file's tags. A lazy one that takes a new version is ready under it with
 * an estimated gain; an eager one stays as playable as it was until the pipeline publishes.
 */
async function updateTracks(tx: Tx, tracks: TrackRow[]): Promise<void> {
  await sql`
    update tracks t set album_id = r.album_id, name = r.name, disc_number = r.disc_number,
      track_number = r.track_number, explicit = r.explicit, isrc = r.isrc, genres = r.genres,
      musicbrainz_recording_id = r.mb_recording, musicbrainz_track_id = r.mb_track, lyrics = r.lyrics,
      failure_reason = null, updated_at = now(),
      status = case when r.lazy or t.status = 'ready' then 'ready' else 'processing' end,
      media_version = case when r.fresh then r.version else t.media_version end,
      duration_ms = case when r.fresh then r.duration_ms else t.duration_ms end,
      lossless = case when r.fresh then r.lossless else t.lossless end,
      normalization_gain_db = case when r.fresh then r.gain_db else t.normalization_gain_db end,
      loudness_measured = case when r.fresh then false else t.loudness_measured end,
      loudness_lufs = case when r.fresh then null else t.loudness_lufs end,
      true_peak_dbtp = case when r.fresh then null else t.true_peak_dbtp end,
      source_sha256 = case when r.fresh then null else t.source_sha256 end
    from jsonb_to_recordset(${rows(tracks)}::jsonb) as ${TRACK_RECORD}
    where t.id = r.id`.execute(tx);
}

/** Enqueues the jobs; one whose key already ran (a file back as a track's source) runs again. */
async function enqueueJobs(tx: Tx, jobs: JobSpec[]): Promise<void> {
  const unique = [...new Map(jobs.map((j) => [j.key, j])).values()];
  await sql`
    insert into jobs (name, key, payload, state, priority)
    select r.name, r.key, r.payload, 'queued', r.priority
    from jsonb_to_recordset(${rows(unique.map((j) => ({ ...j, priority: j.priority ?? 0 })))}::jsonb)
      as r(name text, key text, payload jsonb, priority int)
    on conflict (key) do update set state = 'queued', payload = excluded.payload, priority = excluded.priority,
      attempts = 0, run_at = now(), locked_by = null, locked_until = null, progress = 0, last_error = null,
      updated_at = now()
    where jobs.state in ('done', 'failed')`.execute(tx);
}

export async function insertJob(tx: Tx | Db, job: JobSpec): Promise<void> {
  await tx
    .insertInto('jobs')
    .values({
      name: job.name,
      key: job.key,
      payload: JSON.stringify(job.payload),
      state: 'queued',
      priority: job.priority ?? 0,
    })
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

  async library(path: string, transcode?: TranscodeMode): Promise<TranscodeMode> {
    const mode = transcode ?? null;
    const r = await sql<{ transcode: TranscodeMode }>`
      insert into libraries (path, transcode) values (${path}, coalesce(${mode}::text, 'lazy'))
      on conflict (path) do update set transcode = coalesce(${mode}::text, libraries.transcode),
        updated_at = case when ${mode}::text is null then libraries.updated_at else now() end
      returning transcode`.execute(this.db);
    return r.rows[0]!.transcode;
  }

  async libraryFilesIn(folders: string[]): Promise<LibraryFileState[]> {
    if (folders.length === 0) return [];
    const rows = await this.db
      .selectFrom('library_files')
      .select(['path', 'size', 'mtime_ms', 'track_id', 'failure_reason', 'fingerprint'])
      .where('folder', 'in', folders)
      .execute();
    return rows.map((r) => ({
      path: r.path,
      size: Number(r.size),
      mtimeMs: Number(r.mtime_ms),
      trackId: r.track_id,
      failureReason: r.failure_reason,
      fingerprint: r.fingerprint,
    }));
  }

  async libraryFolders(dir: string): Promise<string[]> {
    const r = await sql<{ folder: string }>`
      select distinct folder from library_files where path like ${likePrefix(dir)}`.execute(this.db);
    return r.rows.map((row) => row.folder);
  }

  registerBatch(batch: LibraryBatch, hooks: BatchHooks): Promise<BatchOutcome> {
    return this.db.transaction().execute(async (tx) => {
      // One batch at a time across processes (an import beside a watcher), so that two copies of one
      // recording registered at once still meet.
      await sql`select pg_advisory_xact_lock(hashtext('cadenza-library-import'))`.execute(tx);
      const lazy = batch.transcode === 'lazy';
      const leaving = new Set([...batch.files.map((f) => f.path), ...batch.failures.map((f) => f.path), ...batch.gone]);
      const previous = await sql<{ path: string; track_id: string | null }>`
        select path, track_id from library_files where path = any(${[...leaving]}) for update`.execute(tx);
      const prev = new Map(previous.rows.map((r) => [r.path, r.track_id]));
      const ownIds = [...new Set(previous.rows.map((r) => r.track_id).filter((id): id is string => !!id))];

      if (batch.touched.length > 0) {
        await sql`
          update library_files lf set size = r.size, mtime_ms = r.mtime_ms, updated_at = now()
          from jsonb_to_recordset(${rows(batch.touched.map((t) => ({ path: t.path, size: t.size, mtime_ms: t.mtimeMs })))}::jsonb)
            as r(path text, size bigint, mtime_ms bigint)
          where lf.path = r.path`.execute(tx);
      }

      const entries = await this.placeFiles(tx, batch.files, prev, ownIds);
      const candidates = entries.candidates;
      const created = entries.created;
      const affected = new Set([...entries.list.map((e) => e.trackId), ...ownIds]);
      const before = new Map<string, SourceRow[]>();
      for (const row of await sourcesOf(
        tx,
        [...affected].filter((id) => !created.has(id)),
      )) {
        before.set(row.track_id, [...(before.get(row.track_id) ?? []), row]);
      }
      const mine = new Map<string, Entry[]>();
      for (const e of entries.list) mine.set(e.trackId, [...(mine.get(e.trackId) ?? []), e]);

      // Each track is published from its best file: a new or changed one, or (its best one gone) the next.
      const rank = (r: SourceRow): SourceRank => ({ path: r.path, lossless: r.lossless, bitrate: r.bitrate });
      const publish: Entry[] = [];
      const fallback: SourceRow[] = [];
      const retire: string[] = [];
      for (const trackId of affected) {
        const had = before.get(trackId) ?? [];
        const kept = had.filter((r) => !leaving.has(r.path));
        const files = mine.get(trackId) ?? [];
        const best = bestSource([...kept.map(rank), ...files.map((e) => e.rank)]);
        if (!best) {
          if (!created.has(trackId)) retire.push(trackId);
          continue;
        }
        const entry = files.find((e) => e.rank.path === best.path);
        if (entry) publish.push(entry);
        else if (bestSource(had.map(rank))?.path !== best.path) fallback.push(kept.find((r) => r.path === best.path)!);
      }

      const sources: TrackSource[] = [
        ...publish.map((e) => ({
          trackId: e.trackId,
          version: lazy ? e.file.fingerprint : null,
          path: e.file.path,
          size: e.file.size,
          mtimeMs: Math.trunc(e.file.mtimeMs),
          lossless: e.rank.lossless,
          channels: e.file.header.channels,
          durationMs: e.file.header.durationMs,
        })),
        ...fallback.map((r) => ({
          trackId: r.track_id,
          version: lazy ? r.fingerprint : null,
          path: r.path,
          size: Number(r.size),
          mtimeMs: Number(r.mtime_ms),
          lossless: r.lossless,
        })),
      ];
      // The pointers are written while the rows are (they only need to exist before the commit).
      const pointers = hooks.beforeCommit(sources);
      pointers.catch(() => {}); // awaited below; this only keeps a failure from counting as unhandled

      const version = (trackId: string) => candidates.get(trackId)?.media_version ?? null;
      const trackRows = publish.map((e) => {
        const f = e.file;
        return {
          id: e.trackId,
          album_id: e.albumId,
          name: f.title,
          disc_number: f.discNumber,
          track_number: f.trackNumber,
          duration_ms: e.facts.durationMs,
          explicit: f.explicit,
          isrc: f.isrc,
          genres: f.genres,
          lazy,
          fresh: lazy && version(e.trackId) !== f.fingerprint,
          lossless: f.header.lossless,
          version: lazy ? f.fingerprint : null,
          gain_db: lazy ? hooks.gainDb(f) : null,
          mb_recording: f.musicBrainz.recordingId ?? null,
          mb_track: f.musicBrainz.trackId ?? null,
          lyrics: f.lyrics,
        };
      });
      const newTracks = trackRows.filter((t) => created.has(t.id));
      const oldTracks = trackRows.filter((t) => !created.has(t.id));
      if (newTracks.length > 0) await insertTracks(tx, newTracks);
      if (oldTracks.length > 0) await updateTracks(tx, oldTracks);
      if (oldTracks.length > 0) {
        await tx
          .deleteFrom('track_artists')
          .where(
            'track_id',
            'in',
            oldTracks.map((t) => t.id),
          )
          .execute();
      }
      if (publish.length > 0) {
        await sql`
          insert into track_artists (track_id, artist_id, position)
          select r.track_id, r.artist_id, r.position
          from jsonb_to_recordset(${rows(
            publish.flatMap((e) =>
              e.artistIds.map((artist_id, position) => ({ track_id: e.trackId, artist_id, position })),
            ),
          )}::jsonb) as r(track_id text, artist_id text, position int)`.execute(tx);
      }

      // A lazy fallback publishes the remaining file's version; an eager one lets the pipeline do it.
      const lazyFallback = fallback.filter((r) => lazy && r.fingerprint);
      const freshFallback = lazyFallback.filter((r) => version(r.track_id) !== r.fingerprint);
      if (lazyFallback.length > 0) {
        await sql`
          update tracks t set status = 'ready', failure_reason = null, updated_at = now(),
            media_version = case when r.fresh then r.version else t.media_version end,
            duration_ms = case when r.fresh then coalesce(r.duration_ms, t.duration_ms) else t.duration_ms end,
            lossless = case when r.fresh then r.lossless else t.lossless end,
            normalization_gain_db = case when r.fresh then coalesce(r.gain_db, 0) else t.normalization_gain_db end,
            loudness_measured = case when r.fresh then false else t.loudness_measured end,
            loudness_lufs = case when r.fresh then null else t.loudness_lufs end,
            true_peak_dbtp = case when r.fresh then null else t.true_peak_dbtp end,
            source_sha256 = case when r.fresh then null else t.source_sha256 end
          from jsonb_to_recordset(${rows(
            lazyFallback.map((r) => ({
              id: r.track_id,
              version: r.fingerprint,
              fresh: version(r.track_id) !== r.fingerprint,
              duration_ms: r.duration_ms,
              lossless: r.lossless,
              gain_db: r.gain_db,
            })),
          )}::jsonb) as r(id text, version text, fresh boolean, duration_ms int, lossless boolean, gain_db double precision)
          where t.id = r.id`.execute(tx);
      }

      // Rungs a lazy version will have, none made yet.
      const lazyRungs = [
        ...trackRows.filter((t) => t.fresh).map((t) => ({ id: t.id, version: t.version!, lossless: t.lossless })),
        ...freshFallback.map((r) => ({ id: r.track_id, version: r.fingerprint!, lossless: r.lossless })),
      ];
      const bitrates = new Map([
        ...publish.map((e) => [e.trackId, e.rank.bitrate] as const),
        ...fallback.map((r) => [r.track_id, r.bitrate] as const),
      ]);
      if (lazyRungs.length > 0) {
        await tx
          .deleteFrom('track_files')
          .where(
            'track_id',
            'in',
            lazyRungs.map((t) => t.id),
          )
          .execute();
        await sql`
          insert into track_files (track_id, quality, media_version, mime_type, bitrate, size)
          select r.track_id, r.quality, r.media_version, r.mime_type, r.bitrate, null
          from jsonb_to_recordset(${rows(
            lazyRungs.flatMap((t) =>
              lazyFiles(t.lossless, bitrates.get(t.id) || undefined).map((f) => ({
                track_id: t.id,
                quality: f.quality,
                media_version: t.version,
                mime_type: f.mimeType,
                bitrate: f.bitrate,
              })),
            ),
          )}::jsonb) as r(track_id text, quality text, media_version text, mime_type text, bitrate int)`.execute(tx);
      }

      let retired = 0;
      if (retire.length > 0) {
        const r = await tx
          .updateTable('tracks')
          .set({ status: 'retired', updated_at: new Date() })
          .where('id', 'in', retire)
          .where('status', '<>', 'retired')
          .executeTakeFirst();
        retired = Number(r.numUpdatedRows);
      }

      const libraryRows = [
        ...entries.list.map((e) => ({
          path: e.file.path,
          size: e.file.size,
          mtime_ms: Math.trunc(e.file.mtimeMs),
          track_id: e.trackId,
          failure_reason: null,
          fingerprint: e.file.fingerprint,
          lossless: e.rank.lossless,
          bitrate: e.rank.bitrate,
          duration_ms: e.facts.durationMs,
          gain_db: hooks.gainDb(e.file),
        })),
        ...batch.failures.map((f) => ({
          path: f.path,
          size: f.size,
          mtime_ms: Math.trunc(f.mtimeMs),
          track_id: null,
          failure_reason: f.reason.slice(0, 2000),
        })),
      ];
      if (libraryRows.length > 0) {
        await sql`
          insert into library_files (path, size, mtime_ms, track_id, failure_reason, fingerprint, lossless, bitrate,
            duration_ms, gain_db)
          select r.path, r.size, r.mtime_ms, r.track_id, r.failure_reason, r.fingerprint, r.lossless, r.bitrate,
            r.duration_ms, r.gain_db
          from jsonb_to_recordset(${rows(libraryRows)}::jsonb) as r(path text, size bigint, mtime_ms bigint,
            track_id text, failure_reason text, fingerprint text, lossless boolean, bitrate int, duration_ms int,
            gain_db double precision)
          on conflict (path) do update set size = excluded.size, mtime_ms = excluded.mtime_ms,
            track_id = excluded.track_id, failure_reason = excluded.failure_reason,
            fingerprint = excluded.fingerprint, lossless = excluded.lossless, bitrate = excluded.bitrate,
            duration_ms = excluded.duration_ms, gain_db = excluded.gain_db, updated_at = now()`.execute(tx);
      }
      if (batch.gone.length > 0) await tx.deleteFrom('library_files').where('path', 'in', batch.gone).execute();

      const jobs = sources.map((s) => hooks.job(s));
      if (jobs.length > 0) await enqueueJobs(tx, jobs);
      await pointers;
      return {
        added: publish.filter((e) => created.has(e.trackId)).length,
        changed: publish.filter((e) => !created.has(e.trackId)).length + fallback.length,
        duplicates: entries.list.length - publish.length,
        retired,
        playable: sources.filter((s) => s.version).length,
        jobKeys: jobs.map((j) => j.key),
      };
    });
  }

  /**
   * Gives each file its track, best files first: its own track (unless it shares it with other files
   * and no longer looks like them), else a track of the same recording (in this batch or on the same
   * album already; a retired one with no file left comes back), else a new one.
   */
  private async placeFiles(tx: Tx, files: ImportedFile[], prev: Map<string, string | null>, ownIds: string[]) {
    const named = new Map<string, { name: string; mbid: string | null }>();
    const name = (value: string, mbid: string | undefined) => {
      const key = nameKey(value);
      const seen = named.get(key);
      if (!seen) named.set(key, { name: value, mbid: mbid ?? null });
      else seen.mbid ??= mbid ?? null;
    };
    for (const f of files) {
      const mb = f.musicBrainz;
      name(f.albumArtist, mb.albumArtistIds?.length === 1 ? mb.albumArtistIds[0] : undefined);
      for (const [i, a] of f.artists.entries()) {
        name(a, mb.artistIds?.length === f.artists.length ? mb.artistIds[i] : undefined);
      }
    }
    const artistIds = await importedArtists(tx, named);
    const albumIds = await importedAlbums(tx, files, artistIds);
    const pending = files
      .map((file) => {
        const albumId = albumIds.get(albumImportKey(file))!;
        const ids = [...new Set(file.artists.map((a) => artistIds.get(nameKey(a))!))];
        return {
          file,
          albumId,
          artistIds: ids,
          facts: {
            albumId,
            artistIds: ids,
            title: file.title,
            discNumber: file.discNumber,
            trackNumber: file.trackNumber,
            durationMs: Math.round(file.header.durationMs),
          },
          rank: { path: file.path, lossless: file.header.lossless, bitrate: Math.round(file.header.bitrate ?? 0) },
        };
      })
      .sort((a, b) => compareSources(a.rank, b.rank));
    const candidates = pending.length > 0 || ownIds.length > 0 ? await candidateTracks(tx, pending, ownIds) : new Map();
    const list: Entry[] = [];
    const created = new Set<string>();
    for (const e of pending) {
      const own = candidates.get(prev.get(e.file.path) ?? '');
      let trackId = own && (own.files <= 1 || sameRecording(e.facts, candidateFacts(own))) ? own.id : undefined;
      trackId ??= list.find((x) => sameRecording(x.facts, e.facts))?.trackId;
      trackId ??= [...candidates.values()].find(
        (c) =>
          (c.status === 'retired' ? c.files === 0 : c.status !== 'failed') && sameRecording(e.facts, candidateFacts(c)),
      )?.id;
      if (!trackId) {
        trackId = newId();
        created.add(trackId);
      }
      list.push({ ...e, trackId });
    }
    return { list, created, candidates };
  }

  async librarySummary(dir: string): Promise<LibrarySummary> {
    const r = await sql<{ ready: number; processing: number; pending: number; failed: number }>`
      select count(distinct t.id) filter (where t.status = 'ready')::int as ready,
        count(distinct t.id) filter (where t.status = 'processing')::int as processing,
        count(distinct t.id) filter (where t.status = 'ready' and not t.loudness_measured)::int as pending,
        count(*) filter (where lf.failure_reason is not null or t.status = 'failed')::int as failed
      from library_files lf left join tracks t on t.id = lf.track_id
      where lf.path like ${likePrefix(dir)}`.execute(this.db);
    const row = r.rows[0]!;
    return { ready: row.ready, processing: row.processing, ladderPending: row.pending, failed: row.failed };
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
      if (Number(updated.numUpdatedRows) > 0) await replaceFiles(tx, trackId, media);
    });
  }

  completeVersion(trackId: string, media: PublishedMedia): Promise<void> {
    return this.db.transaction().execute(async (tx) => {
      const updated = await tx
        .updateTable('tracks')
        .set({
          source_sha256: media.sourceSha256,
          duration_ms: media.durationMs,
          lossless: media.lossless,
          loudness_lufs: media.loudnessLufs,
          true_peak_dbtp: media.truePeakDbtp,
          normalization_gain_db: media.normalizationGainDb,
          loudness_measured: true,
          updated_at: new Date(),
        })
        .where('id', '=', trackId)
        .where('media_version', '=', media.version)
        .where('status', '=', 'ready')
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) > 0) await replaceFiles(tx, trackId, media);
    });
  }

  async withdrawVersion(trackId: string, version: string, reason: string): Promise<void> {
    await this.db
      .updateTable('tracks')
      .set({ status: 'failed', failure_reason: reason.slice(0, 2000), updated_at: new Date() })
      .where('id', '=', trackId)
      .where('media_version', '=', version)
      .where('status', '=', 'ready')
      .execute();
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

  async importReport(dir: string, options: { failuresOnly?: boolean } = {}) {
    const rows = await sql<{
      path: string;
      track_id: string | null;
      name: string | null;
      status: string | null;
      reason: string | null;
    }>`
      select lf.path, lf.track_id, t.name, t.status, coalesce(lf.failure_reason, t.failure_reason) as reason
      from library_files lf left join tracks t on t.id = lf.track_id
      where lf.path like ${likePrefix(dir)}
        and (${!options.failuresOnly} or lf.failure_reason is not null or t.status is distinct from 'ready'
          or t.failure_reason is not null)
      order by lf.path`.execute(this.db);
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
    const r = await sql<{ key: string; state: string }>`select key, state from jobs where key = any(${keys})`.execute(
      this.db,
    );
    return r.rows;
  }
}

/** The track's objects become those of `media`, in the transaction that publishes them. */
async function replaceFiles(tx: Transaction<Database>, trackId: string, media: PublishedMedia): Promise<void> {
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
}

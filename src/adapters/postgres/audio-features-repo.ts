import { sql } from 'kysely';
import type {
  AnalysisWindow,
  AudioFeatures,
  AudioFeaturesRepository,
  StoredFeatures,
  TrackToAnalyse,
} from '../../core/features/types.js';
import { contentVector } from '../../core/features/vector.js';
import type { DatabaseHandle } from './database.js';
import { listenFor } from './listen.js';
import type { AudioFeaturesTable } from './schema.js';

/** Every track write notifies this channel with "track:<id>" (migration 002). */
const CATALOG_CHANNEL = 'cadenza_catalog';
const FOREIGN_KEY_VIOLATION = '23503';

/** A ready track whose current version has no row (features or failure) yet; aliases `t` and `af`. */
const NEEDS_FEATURES = sql`t.status = 'ready' and t.media_version is not null and not exists (
  select 1 from audio_features af where af.track_id = t.id and af.media_version = t.media_version)`;

type Row = AudioFeaturesTable & { duration_ms: number; measured_loudness: number | null };

export const FEATURE_COLUMNS = [
  'danceability',
  'energy',
  'key',
  'loudness',
  'mode',
  'speechiness',
  'acousticness',
  'instrumentalness',
  'liveness',
  'valence',
  'tempo',
  'time_signature',
  'spectral_centroid',
  'spectral_rolloff',
  'spectral_flatness',
  'key_confidence',
  'tempo_confidence',
] as const;

type FeatureRow = Partial<Record<(typeof FEATURE_COLUMNS)[number], number | null>> & {
  measured_loudness: number | null;
};

/**
 * The features of a row holding FEATURE_COLUMNS and the track's measured loudness: the ingest's EBU R128
 * measurement of the whole file once it exists; the extractor's own estimate (of the analysed excerpt)
 * stands in until then.
 */
export function featuresOf(r: FeatureRow): AudioFeatures {
  return {
    danceability: r.danceability!,
    energy: r.energy!,
    key: r.key!,
    loudness: r.measured_loudness ?? r.loudness!,
    mode: r.mode!,
    speechiness: r.speechiness!,
    acousticness: r.acousticness!,
    instrumentalness: r.instrumentalness!,
    liveness: r.liveness!,
    valence: r.valence!,
    tempo: r.tempo!,
    timeSignature: r.time_signature!,
    spectralCentroid: r.spectral_centroid!,
    spectralRolloff: r.spectral_rolloff!,
    spectralFlatness: r.spectral_flatness!,
    keyConfidence: r.key_confidence!,
    tempoConfidence: r.tempo_confidence!,
  };
}

function toFeatures(r: Row): StoredFeatures {
  return { trackId: r.track_id, mediaVersion: r.media_version, durationMs: r.duration_ms, ...featuresOf(r) };
}

export class PgAudioFeaturesRepository implements AudioFeaturesRepository {
  constructor(private readonly database: DatabaseHandle) {}

  private get db() {
    return this.database.db;
  }

  async missingAmong(ids: string[]): Promise<{ id: string; mediaVersion: string }[]> {
    if (ids.length === 0) return [];
    const r = await sql<{ id: string; media_version: string }>`
      select t.id, t.media_version from tracks t where t.id = any(${ids}) and ${NEEDS_FEATURES}`.execute(this.db);
    return r.rows.map((row) => ({ id: row.id, mediaVersion: row.media_version }));
  }

  async missing(afterId: string, limit: number): Promise<{ id: string; mediaVersion: string }[]> {
    const r = await sql<{ id: string; media_version: string }>`
      select t.id, t.media_version from tracks t where t.id > ${afterId} and ${NEEDS_FEATURES}
      order by t.id limit ${limit}`.execute(this.db);
    return r.rows.map((row) => ({ id: row.id, mediaVersion: row.media_version }));
  }

  async trackToAnalyse(trackId: string, version: string): Promise<TrackToAnalyse | undefined> {
    const r = await this.db
      .selectFrom('tracks')
      .select(['id', 'media_version', 'duration_ms', 'loudness_lufs', 'loudness_measured'])
      .where('id', '=', trackId)
      .where('media_version', '=', version)
      .where('status', '=', 'ready')
      .executeTakeFirst();
    if (!r) return undefined;
    return {
      id: r.id,
      mediaVersion: version,
      durationMs: r.duration_ms,
      measuredLoudness: r.loudness_measured ? r.loudness_lufs : null,
    };
  }

  async save(trackId: string, version: string, f: AudioFeatures, window: AnalysisWindow): Promise<void> {
    const values = {
      track_id: trackId,
      media_version: version,
      error: null,
      danceability: f.danceability,
      energy: f.energy,
      key: f.key,
      loudness: f.loudness,
      mode: f.mode,
      speechiness: f.speechiness,
      acousticness: f.acousticness,
      instrumentalness: f.instrumentalness,
      liveness: f.liveness,
      valence: f.valence,
      tempo: f.tempo,
      time_signature: f.timeSignature,
      spectral_centroid: f.spectralCentroid,
      spectral_rolloff: f.spectralRolloff,
      spectral_flatness: f.spectralFlatness,
      key_confidence: f.keyConfidence,
      tempo_confidence: f.tempoConfidence,
      analysed_from_ms: Math.round(window.startMs),
      analysed_ms: Math.round(window.durationMs),
      computed_at: new Date(),
    };
    await this.upsert(values);
  }

  async saveFailure(trackId: string, version: string, reason: string): Promise<void> {
    const nothing = {
      ...(Object.fromEntries(FEATURE_COLUMNS.map((c) => [c, null])) as Record<(typeof FEATURE_COLUMNS)[number], null>),
      analysed_from_ms: null,
      analysed_ms: null,
    };
    const error = reason.slice(0, 2000);
    await this.upsert({ track_id: trackId, media_version: version, error, ...nothing, computed_at: new Date() });
  }

  /**
   * Reads join on the track's current version, so a row for a version the track has since left is
   * never served (the new version is analysed anew); a track deleted meanwhile takes nothing.
   */
  private async upsert(values: Omit<AudioFeaturesTable, 'computed_at'> & { computed_at: Date }): Promise<void> {
    const { track_id: _, ...rest } = values;
    try {
      await this.db
        .insertInto('audio_features')
        .values(values)
        .onConflict((oc) => oc.column('track_id').doUpdateSet(rest))
        .execute();
    } catch (err) {
      if ((err as { code?: string }).code !== FOREIGN_KEY_VIOLATION) throw err;
    }
  }

  async visible(ids: string[]) {
    const out = new Map<string, { durationMs: number; features: StoredFeatures | null; failed: boolean }>();
    if (ids.length === 0) return out;
    const r = await sql<Row & { id: string; af_version: string | null }>`
      select t.id, t.duration_ms, af.*, af.media_version as af_version,
        case when t.loudness_measured then t.loudness_lufs end as measured_loudness
      from tracks t join albums a on a.id = t.album_id
        left join audio_features af on af.track_id = t.id and af.media_version = t.media_version
      where t.id = any(${ids}) and t.status = 'ready' and a.status = 'published'`.execute(this.db);
    for (const row of r.rows) {
      const stored = row.af_version !== null;
      const features = stored && row.error === null ? toFeatures({ ...row, track_id: row.id }) : null;
      out.set(row.id, { durationMs: row.duration_ms, features, failed: stored && row.error !== null });
    }
    return out;
  }

  private async many(ids: string[]): Promise<Map<string, StoredFeatures>> {
    const out = new Map<string, StoredFeatures>();
    if (ids.length === 0) return out;
    const r = await sql<Row>`
      select af.*, t.duration_ms, case when t.loudness_measured then t.loudness_lufs end as measured_loudness
      from audio_features af join tracks t on t.id = af.track_id and t.media_version = af.media_version
      where af.track_id = any(${ids}) and af.error is null`.execute(this.db);
    for (const row of r.rows) out.set(row.track_id, toFeatures(row));
    return out;
  }

  async vectors(ids: string[]): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    for (const [id, f] of await this.many(ids)) out.set(id, contentVector(f));
    return out;
  }

  watchTracks(onTrackChanged: (ids: string[]) => void, onReset: () => void): Promise<() => Promise<void>> {
    return listenFor(
      this.database.pool,
      CATALOG_CHANNEL,
      (payload) => {
        if (payload.startsWith('track:')) onTrackChanged([payload.slice('track:'.length)]);
      },
      onReset,
    );
  }
}

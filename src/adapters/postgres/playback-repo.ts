import { sql } from 'kysely';
import type { PlayableTrack, PlaybackRepository } from '../../core/streaming/playback-service.js';
import type { Db } from './database.js';
import { VISIBLE_TRACK } from './visibility.js';

export class PgPlaybackRepository implements PlaybackRepository {
  constructor(private readonly db: Db) {}

  async playable(trackId: string): Promise<PlayableTrack | undefined> {
    const r = await sql<{
      id: string;
      media_version: string;
      markets: string[] | null;
      gain: number | null;
      files: { quality: string; mimeType: string; bitrate: number }[];
    }>`
      select t.id, t.media_version, coalesce(t.available_markets, a.available_markets) as markets,
        t.normalization_gain_db as gain,
        coalesce((select json_agg(json_build_object('quality', f.quality, 'mimeType', f.mime_type, 'bitrate', f.bitrate))
          from track_files f where f.track_id = t.id and f.media_version = t.media_version), '[]') as files
      from tracks t join albums a on a.id = t.album_id
      where t.id = ${trackId} and ${VISIBLE_TRACK}`.execute(this.db);
    const row = r.rows[0];
    if (!row) return undefined;
    return {
      id: row.id,
      mediaVersion: row.media_version,
      availableMarkets: row.markets,
      normalizationGainDb: row.gain,
      files: row.files,
    };
  }
}

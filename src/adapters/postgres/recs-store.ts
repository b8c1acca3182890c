import { type Kysely, sql } from 'kysely';
import { contentVector } from '../../core/features/vector.js';
import { type CatalogueTrack, type ListenerSignals, releaseDay } from '../../core/recs/catalogue.js';
import type { RecsStore } from '../../core/recs/engine.js';
import type { Interactions } from '../../core/recs/matrix.js';
import { FEATURE_COLUMNS, featuresOf } from './audio-features-repo.js';
import { listeningSignals } from './recs-signals.js';
import type { Database } from './schema.js';
import { VISIBLE_TRACK } from './visibility.js';

/** How many of a listener's latest plays the engine reads per request. */
const LISTENER_PLAYS = 500;
const LISTENER_SAVES = 500;

/** What the online recommendation engine reads from PostgreSQL. */
export class PgRecsStore implements RecsStore {
  constructor(private readonly db: Kysely<Database>) {}

  async catalogue(): Promise<CatalogueTrack[]> {
    const rows = await sql<
      {
        id: string;
        album_id: string;
        release_date: string | null;
        popularity: number;
        duration_ms: number;
        markets: string[] | null;
        genres: string[] | null;
        artist_ids: string[] | null;
        measured_loudness: number | null;
      } & Partial<Record<(typeof FEATURE_COLUMNS)[number], number | null>>
    >`
      select t.id, t.album_id, a.release_date, t.popularity, t.duration_ms,
        coalesce(t.available_markets, a.available_markets) as markets,
        (select array_agg(distinct lower(g)) from (
          select unnest(t.genres || a.genres) as g
          union all
          select unnest(ar.genres) from track_artists ta join artists ar on ar.id = ta.artist_id where ta.track_id = t.id
        ) gs) as genres,
        (select array_agg(ta.artist_id order by ta.position) from track_artists ta where ta.track_id = t.id) as artist_ids,
        case when t.loudness_measured then t.loudness_lufs end as measured_loudness,
        ${sql.join(FEATURE_COLUMNS.map((c) => sql.ref(`af.${c}`)))}
      from tracks t join albums a on a.id = t.album_id
        left join audio_features af on af.track_id = t.id and af.media_version = t.media_version and af.error is null
      where ${VISIBLE_TRACK}
      order by t.id`.execute(this.db);
    return rows.rows.map((r) => {
      const features = r.tempo === null || r.tempo === undefined ? undefined : featuresOf(r);
      return {
        id: r.id,
        albumId: r.album_id,
        artistIds: r.artist_ids ?? [],
        genres: r.genres ?? [],
        releaseDate: releaseDay(r.release_date),
        popularity: r.popularity,
        markets: r.markets,
        attributes: {
          popularity: r.popularity,
          duration_ms: r.duration_ms,
          ...(features && {
            acousticness: features.acousticness,
            danceability: features.danceability,
            energy: features.energy,
            instrumentalness: features.instrumentalness,
            key: features.key,
            liveness: features.liveness,
            loudness: features.loudness,
            mode: features.mode,
            speechiness: features.speechiness,
            tempo: features.tempo,
            time_signature: features.timeSignature,
            valence: features.valence,
          }),
        },
        content: features ? contentVector(features) : undefined,
      };
    });
  }

  async listener(userId: string): Promise<ListenerSignals> {
    const [plays, saved, follows, statedGenres] = await Promise.all([
      sql<{ track_id: string; at: number; listened_ms: number; duration_ms: number }>`
        select p.track_id, (extract(epoch from p.started_at) * 1000)::float8 as at, p.listened_ms, t.duration_ms
        from plays p join tracks t on t.id = p.track_id
        where p.user_id = ${userId} and not p.private
        order by p.started_at desc, p.play_id limit ${LISTENER_PLAYS}`.execute(this.db),
      this.db
        .selectFrom('saved_tracks')
        .select('track_id')
        .where('user_id', '=', userId)
        .orderBy('added_at', 'desc')
        .orderBy('seq', 'desc')
        .limit(LISTENER_SAVES)
        .execute(),
      this.db.selectFrom('artist_follows').select('artist_id').where('user_id', '=', userId).execute(),
      this.statedGenres(userId),
    ]);
    return {
      plays: plays.rows.map((r) => ({
        trackId: r.track_id,
        at: r.at,
        listenedMs: r.listened_ms,
        durationMs: r.duration_ms,
      })),
      saved: saved.map((r) => r.track_id),
      followedArtists: follows.map((r) => r.artist_id),
      statedGenres,
    };
  }

  /** The playlist's playable tracks in order (an entry withdrawn since is no seed). */
  async playlistTracks(playlistId: string): Promise<string[]> {
    const rows = await sql<{ track_id: string }>`
      select i.track_id from playlist_items i
        join tracks t on t.id = i.track_id join albums a on a.id = t.album_id
      where i.playlist_id = ${playlistId} and ${VISIBLE_TRACK}
      order by i.sort_key, i.item_id`.execute(this.db);
    return rows.rows.map((r) => r.track_id);
  }

  async signals(): Promise<Interactions> {
    return (await listeningSignals(this.db)).interactions;
  }

  /**
   * Plays, saves, follows and playlist entries in all. Counted, not dated: a play's time is when it
   * started on the device, which may be long before the event reached the server.
   */
  async signalCount(): Promise<number> {
    const { rows } = await sql<{ n: number }>`
      select ((select count(*) from plays where not private)
        + (select count(*) from saved_tracks)
        + (select count(*) from artist_follows)
        + (select count(*) from playlist_items i join playlists p on p.id = i.playlist_id and p.made_for is null)
      )::float8 as n`.execute(this.db);
    return rows[0]?.n ?? 0;
  }

  async statedGenres(userId: string): Promise<string[]> {
    const { rows } = await sql<{ genres: string[] }>`
      select genres from listener_genres where user_id = ${userId}`.execute(this.db);
    return rows[0]?.genres ?? [];
  }

  async setStatedGenres(userId: string, genres: string[]): Promise<void> {
    await sql`
      insert into listener_genres (user_id, genres) values (${userId}, ${genres})
      on conflict (user_id) do update set genres = excluded.genres, updated_at = now()`.execute(this.db);
  }

  async requestRefit(by: string | null): Promise<void> {
    await sql`insert into recs_refit_requests (requested_by) values (${by})`.execute(this.db);
  }

  async takeRefitRequests(staleMs: number): Promise<string[]> {
    await sql`delete from recs_refit_requests where done_at < now() - interval '7 days'`.execute(this.db);
    // Row locks make this one taker per request: a second process's update re-reads the row and skips it.
    const { rows } = await sql<{ id: string }>`
      update recs_refit_requests set taken_at = now()
      where done_at is null
        and (taken_at is null or taken_at < now() - make_interval(secs => ${staleMs / 1000}))
      returning id`.execute(this.db);
    return rows.map((r) => r.id);
  }

  async settleRefitRequests(ids: readonly string[], answered: boolean): Promise<void> {
    if (ids.length === 0) return;
    const list = [...ids];
    await (answered
      ? sql`update recs_refit_requests set done_at = now() where id = any(${list}::bigint[])`
      : sql`update recs_refit_requests set taken_at = null where id = any(${list}::bigint[]) and done_at is null`
    ).execute(this.db);
  }
}

import { sql } from 'kysely';
import type { ListenerTaste, TasteSource } from '../../core/search/affinity.js';
import type { Db } from './database.js';

/** A listener's taste for search ranking, in one round trip; each list capped so one query stays small. */
export class PgTasteSource implements TasteSource {
  constructor(private readonly db: Db) {}

  async taste(userId: string): Promise<ListenerTaste> {
    const r = await sql<{
      saved_tracks: string[];
      saved_albums: string[];
      followed_artists: string[];
      liked_artists: string[];
      related_tracks: string[];
      related_albums: string[];
      played_tracks: Record<string, number> | null;
      played_artists: Record<string, number> | null;
    }>`select
      array(select track_id from saved_tracks where user_id = ${userId} order by added_at desc limit 5000) as saved_tracks,
      array(select album_id from saved_albums where user_id = ${userId} limit 2000) as saved_albums,
      array(select artist_id from artist_follows where user_id = ${userId} limit 2000) as followed_artists,
      array(select distinct ta.artist_id from saved_tracks s join track_artists ta on ta.track_id = s.track_id
            where s.user_id = ${userId} limit 5000) as liked_artists,
      array(select t.id from tracks t join saved_albums s on s.album_id = t.album_id where s.user_id = ${userId}
            union select ta.track_id from track_artists ta join artist_follows f on f.artist_id = ta.artist_id
            where f.user_id = ${userId} limit 20000) as related_tracks,
      array(select aa.album_id from album_artists aa join artist_follows f on f.artist_id = aa.artist_id
            where f.user_id = ${userId}
            union select t.album_id from tracks t join saved_tracks s on s.track_id = t.id where s.user_id = ${userId}
            limit 5000) as related_albums,
      (select json_object_agg(track_id, n) from (select track_id, count(*)::int as n from listening_history
         where user_id = ${userId} group by track_id order by n desc limit 2000) p) as played_tracks,
      (select json_object_agg(artist_id, n) from (select ta.artist_id, count(*)::int as n from listening_history h
         join track_artists ta on ta.track_id = h.track_id where h.user_id = ${userId}
         group by ta.artist_id order by n desc limit 2000) p) as played_artists`.execute(this.db);
    const row = r.rows[0];
    return {
      savedTracks: row?.saved_tracks ?? [],
      savedAlbums: row?.saved_albums ?? [],
      followedArtists: row?.followed_artists ?? [],
      likedArtists: row?.liked_artists ?? [],
      relatedTracks: row?.related_tracks ?? [],
      relatedAlbums: row?.related_albums ?? [],
      playedTracks: row?.played_tracks ?? {},
      playedArtists: row?.played_artists ?? {},
    };
  }
}

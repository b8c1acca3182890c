import type { Db } from '../../src/adapters/postgres/database.js';
import { nameKey } from '../../src/core/catalog/names.js';
import { newId } from '../../src/core/ids.js';

export interface FixtureTrack {
  name: string;
  artist: string;
  album?: string;
  popularity?: number;
  releaseDate?: string;
  genres?: string[];
  markets?: string[] | null;
  /** Album status; published unless said otherwise. */
  status?: 'draft' | 'published';
  ownerUserId?: string;
}

/**
 * Writes catalog rows directly (ready tracks, no media files): for tests of reads and search that do
 * not need audio. Returns the ids by track name.
 */
export async function insertCatalog(db: Db, tracks: FixtureTrack[]) {
  const ids = new Map<string, { track: string; album: string; artist: string }>();
  for (const t of tracks) {
    const artist = newId();
    await db
      .insertInto('artists')
      .values({
        id: artist,
        name: t.artist,
        name_key: `${nameKey(t.artist)}:${artist}`,
        owner_user_id: t.ownerUserId ?? null,
        genres: [],
      })
      .execute();
    const album = newId();
    await db
      .insertInto('albums')
      .values({
        id: album,
        name: t.album ?? t.name,
        name_key: nameKey(t.album ?? t.name),
        album_type: 'album',
        release_date: t.releaseDate ?? '2015-01-01',
        release_date_precision: 'day',
        genres: t.genres ?? [],
        status: t.status ?? 'published',
        available_markets: t.markets ?? null,
        owner_user_id: t.ownerUserId ?? null,
        popularity: t.popularity ?? 50,
      })
      .execute();
    await db.insertInto('album_artists').values({ album_id: album, artist_id: artist, position: 0 }).execute();
    const track = newId();
    await db
      .insertInto('tracks')
      .values({
        id: track,
        album_id: album,
        name: t.name,
        status: 'ready',
        explicit: false,
        lossless: false,
        disc_number: 1,
        track_number: 1,
        duration_ms: 200_000,
        popularity: t.popularity ?? 50,
        genres: t.genres ?? [],
      })
      .execute();
    await db.insertInto('track_artists').values({ track_id: track, artist_id: artist, position: 0 }).execute();
    ids.set(t.name, { track, album, artist });
  }
  return ids;
}

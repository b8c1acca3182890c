import type { Db } from '../../src/adapters/postgres/database.js';
import { nameKey } from '../../src/core/catalog/names.js';
import { newId } from '../../src/core/ids.js';

export interface FixtureArtist {
  name: string;
  genre: string;
  /** Track names; one album holds them. */
  tracks: string[];
  popularity?: number;
  releaseDate?: string;
  markets?: string[] | null;
}

/**
 * Writes artists with several ready tracks each on one published album (no media files): the
 * recommendation tests need artists, albums and genres that hold more than one track.
 * Returns the artist ids by artist name and the track ids by track name.
 */
export async function insertArtists(db: Db, artists: FixtureArtist[]) {
  const artistIds = new Map<string, string>();
  const trackIds = new Map<string, string>();
  for (const a of artists) {
    const artist = newId();
    await db
      .insertInto('artists')
      .values({ id: artist, name: a.name, name_key: `${nameKey(a.name)}:${artist}`, genres: [a.genre] })
      .execute();
    const album = newId();
    await db
      .insertInto('albums')
      .values({
        id: album,
        name: `${a.name} album`,
        name_key: nameKey(`${a.name} album`),
        album_type: 'album',
        release_date: a.releaseDate ?? '2015-01-01',
        release_date_precision: 'day',
        genres: [a.genre],
        status: 'published',
        available_markets: a.markets ?? null,
        popularity: a.popularity ?? 50,
      })
      .execute();
    await db.insertInto('album_artists').values({ album_id: album, artist_id: artist, position: 0 }).execute();
    for (const [n, name] of a.tracks.entries()) {
      const track = newId();
      await db
        .insertInto('tracks')
        .values({
          id: track,
          album_id: album,
          name,
          status: 'ready',
          explicit: false,
          lossless: false,
          disc_number: 1,
          track_number: n + 1,
          duration_ms: 200_000,
          popularity: (a.popularity ?? 50) - n,
          genres: [],
        })
        .execute();
      await db.insertInto('track_artists').values({ track_id: track, artist_id: artist, position: 0 }).execute();
      trackIds.set(name, track);
    }
    artistIds.set(a.name, artist);
  }
  return { artistIds, trackIds };
}

import type { Db } from '../../src/adapters/postgres/database.js';
import { nameKey } from '../../src/core/catalog/names.js';
import { newId } from '../../src/core/ids.js';

export interface FixtureArtist {
  name: string;
  genre: string;
  albums: { name: string; releaseDate?: string; tracks: number; popularity?: number }[];
}

export interface Discography {
  artist: Map<string, string>;
  album: Map<string, string>;
  /** Track ids by album name, in track order. */
  tracks: Map<string, string[]>;
  /** The album of each track id. */
  albumOf: Map<string, string>;
}

/**
 * Writes artists with albums of several ready tracks (no media files): for tests of reads that need
 * an artist's catalogue, not audio. Track names are "<album> <n>".
 */
export async function insertDiscography(db: Db, artists: FixtureArtist[]): Promise<Discography> {
  const out: Discography = { artist: new Map(), album: new Map(), tracks: new Map(), albumOf: new Map() };
  for (const a of artists) {
    const artistId = newId();
    out.artist.set(a.name, artistId);
    await db
      .insertInto('artists')
      .values({ id: artistId, name: a.name, name_key: `${nameKey(a.name)}:${artistId}`, genres: [a.genre] })
      .execute();
    for (const al of a.albums) {
      const albumId = newId();
      out.album.set(al.name, albumId);
      await db
        .insertInto('albums')
        .values({
          id: albumId,
          name: al.name,
          name_key: nameKey(al.name),
          album_type: 'album',
          release_date: al.releaseDate ?? '2015-01-01',
          release_date_precision: 'day',
          genres: [a.genre],
          status: 'published',
          available_markets: null,
          popularity: al.popularity ?? 50,
        })
        .execute();
      await db.insertInto('album_artists').values({ album_id: albumId, artist_id: artistId, position: 0 }).execute();
      const ids: string[] = [];
      for (let n = 1; n <= al.tracks; n++) {
        const trackId = newId();
        await db
          .insertInto('tracks')
          .values({
            id: trackId,
            album_id: albumId,
            name: `${al.name} ${n}`,
            status: 'ready',
            explicit: false,
            lossless: false,
            disc_number: 1,
            track_number: n,
            duration_ms: 200_000,
            popularity: al.popularity ?? 50,
            genres: [a.genre],
          })
          .execute();
        await db.insertInto('track_artists').values({ track_id: trackId, artist_id: artistId, position: 0 }).execute();
        ids.push(trackId);
        out.albumOf.set(trackId, albumId);
      }
      out.tracks.set(al.name, ids);
    }
  }
  return out;
}

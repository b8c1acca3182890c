import { type RawBuilder, sql } from 'kysely';
import type { CatalogChange, CatalogChanges, SearchDocSource } from '../../core/search/types.js';
import type { SearchDoc } from '../../ports/search-index.js';
import type { DatabaseHandle, Db } from './database.js';
import { listenFor } from './listen.js';
import { VISIBLE_ALBUM, VISIBLE_TRACK } from './visibility.js';

interface Row {
  id: string;
  name: string;
  artists: string[] | null;
  album: string | null;
  genres: string[] | null;
  release_date: string | null;
  popularity: number;
  markets: string[] | null;
}

function toDoc(type: SearchDoc['type'], r: Row): SearchDoc {
  return {
    type,
    id: r.id,
    name: r.name,
    artists: r.artists ?? [],
    album: r.album,
    genres: r.genres ?? [],
    releaseDate: r.release_date,
    popularity: r.popularity,
    markets: r.markets,
  };
}

/** Search documents straight from the catalog tables, visible items only. */
export class PgSearchDocs implements SearchDocSource {
  constructor(private readonly db: Db) {}

  private async trackDocs(where: RawBuilder<unknown>): Promise<SearchDoc[]> {
    const r = await sql<Row>`
      select t.id, t.name, a.name as album, a.release_date,
        (select array_agg(ar.name order by ta.position) from track_artists ta join artists ar on ar.id = ta.artist_id
          where ta.track_id = t.id) as artists,
        case when cardinality(t.genres) > 0 then t.genres else a.genres end as genres,
        t.popularity, coalesce(t.available_markets, a.available_markets) as markets
      from tracks t join albums a on a.id = t.album_id
      where ${VISIBLE_TRACK} and ${where}`.execute(this.db);
    return r.rows.map((row) => toDoc('track', row));
  }

  private async albumDocs(where: RawBuilder<unknown>): Promise<SearchDoc[]> {
    const r = await sql<Row>`
      select a.id, a.name, null as album, a.release_date, a.genres, a.available_markets as markets,
        greatest(a.popularity, coalesce((select max(t.popularity) from tracks t where t.album_id = a.id and t.status = 'ready'), 0))
          as popularity,
        (select array_agg(ar.name order by aa.position) from album_artists aa join artists ar on ar.id = aa.artist_id
          where aa.album_id = a.id) as artists
      from albums a where ${VISIBLE_ALBUM} and ${where}`.execute(this.db);
    return r.rows.map((row) => toDoc('album', row));
  }

  private async artistDocs(where: RawBuilder<unknown>): Promise<SearchDoc[]> {
    const r = await sql<Row>`
      select ar.id, ar.name, null as album, null as artists, null as markets,
        greatest(ar.popularity, coalesce((select max(t.popularity) from track_artists ta join tracks t on t.id = ta.track_id
          where ta.artist_id = ar.id and t.status = 'ready'), 0)) as popularity,
        (select max(a.release_date) from album_artists aa join albums a on a.id = aa.album_id
          where aa.artist_id = ar.id and ${VISIBLE_ALBUM}) as release_date,
        case when cardinality(ar.genres) > 0 then ar.genres else array(
          select distinct g from album_artists aa join albums a on a.id = aa.album_id, unnest(a.genres) g
          where aa.artist_id = ar.id and a.status = 'published') end as genres
      from artists ar where ${where} and (
        exists (select 1 from album_artists aa join albums a on a.id = aa.album_id where aa.artist_id = ar.id and ${VISIBLE_ALBUM})
        or exists (select 1 from track_artists ta join tracks t on t.id = ta.track_id join albums a on a.id = t.album_id
          where ta.artist_id = ar.id and ${VISIBLE_TRACK}))`.execute(this.db);
    return r.rows.map((row) => toDoc('artist', row));
  }

  /**
   * Public playlists (a collaborative one never is): the name, the owner's name where a track has its
   * artists, and popularity from followers on a log scale (10 → 21, 100 → 40, 10,000 → 80, 100,000+ → 100).
   */
  private async playlistDocs(where: RawBuilder<unknown>): Promise<SearchDoc[]> {
    const r = await sql<Row>`
      select p.id, p.name, null as album, null as release_date, null as genres, null as markets,
        array[u.display_name] as artists,
        least(100, round(20 * log(1 + (select count(*) from playlist_follows f where f.playlist_id = p.id))))::int
          as popularity
      from playlists p join users u on u.id = p.owner_id where p.public and ${where}`.execute(this.db);
    return r.rows.map((row) => toDoc('playlist', row));
  }

  async all(): Promise<SearchDoc[]> {
    const [tracks, albums, artists, playlists] = await Promise.all([
      this.trackDocs(sql`true`),
      this.albumDocs(sql`true`),
      this.artistDocs(sql`true`),
      this.playlistDocs(sql`true`),
    ]);
    return [...tracks, ...albums, ...artists, ...playlists];
  }

  tracks(ids: string[]): Promise<SearchDoc[]> {
    return ids.length === 0 ? Promise.resolve([]) : this.trackDocs(sql`t.id = any(${ids})`);
  }

  albums(ids: string[]): Promise<SearchDoc[]> {
    return ids.length === 0 ? Promise.resolve([]) : this.albumDocs(sql`a.id = any(${ids})`);
  }

  artists(ids: string[]): Promise<SearchDoc[]> {
    return ids.length === 0 ? Promise.resolve([]) : this.artistDocs(sql`ar.id = any(${ids})`);
  }

  playlists(ids: string[]): Promise<SearchDoc[]> {
    return ids.length === 0 ? Promise.resolve([]) : this.playlistDocs(sql`p.id = any(${ids})`);
  }

  async dependents(changes: CatalogChange[]) {
    const ids = (kind: CatalogChange['kind']) => changes.filter((c) => c.kind === kind).map((c) => c.id);
    const [tracks, albums, artists] = [ids('track'), ids('album'), ids('artist')];
    const r = await sql<{ kind: 'track' | 'album' | 'artist'; id: string }>`
      select 'track' as kind, t.id from tracks t where t.album_id = any(${albums})
      union select 'album', t.album_id from tracks t where t.id = any(${tracks})
      union select 'artist', ta.artist_id from track_artists ta where ta.track_id = any(${tracks})
      union select 'artist', aa.artist_id from album_artists aa where aa.album_id = any(${albums})
      union select 'album', aa.album_id from album_artists aa where aa.artist_id = any(${artists})
      union select 'track', ta.track_id from track_artists ta where ta.artist_id = any(${artists})`.execute(this.db);
    const out = { tracks: [...tracks], albums: [...albums], artists: [...artists] };
    for (const row of r.rows) out[`${row.kind}s`].push(row.id);
    return { tracks: [...new Set(out.tracks)], albums: [...new Set(out.albums)], artists: [...new Set(out.artists)] };
  }
}

const CHANNEL = 'cadenza_catalog';

/** LISTEN on the catalog channel over one dedicated connection; a lost connection means reload. */
export class PgCatalogChanges implements CatalogChanges {
  constructor(private readonly database: DatabaseHandle) {}

  subscribe(onChanges: (changes: CatalogChange[]) => void, onReset: () => void) {
    return listenFor(
      this.database.pool,
      CHANNEL,
      (payload) => {
        const [kind, id] = payload.split(':');
        if (id && (kind === 'track' || kind === 'album' || kind === 'artist' || kind === 'playlist'))
          onChanges([{ kind, id }]);
      },
      onReset,
    );
  }
}

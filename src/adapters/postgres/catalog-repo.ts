import { type RawBuilder, sql } from 'kysely';
import type {
  Album,
  AlbumSummary,
  AlbumType,
  Artist,
  ArtistRef,
  CatalogRepository,
  Genre,
  Page,
  Track,
} from '../../core/catalog/types.js';
import type { Db } from './database.js';
import { soldIn, VISIBLE_ALBUM, VISIBLE_TRACK } from './visibility.js';

/** An album is visible when published and at least one of its tracks is ready to play. */
interface AlbumRow {
  id: string;
  name: string;
  album_type: AlbumType;
  release_date: string | null;
  release_date_precision: 'year' | 'month' | 'day' | null;
  image_key: string | null;
  available_markets: string[] | null;
  label: string | null;
  upc: string | null;
  genres: string[];
  popularity: number;
  total_tracks: number;
}

interface TrackRow {
  id: string;
  album_id: string;
  name: string;
  disc_number: number;
  track_number: number;
  duration_ms: number;
  explicit: boolean;
  isrc: string | null;
  popularity: number;
  available_markets: string[] | null;
}

const ALBUM_COLUMNS = sql`a.id, a.name, a.album_type, a.release_date, a.release_date_precision, a.image_key,
  a.available_markets, a.label, a.upc, a.genres, a.popularity,
  (select count(*)::int from tracks ct where ct.album_id = a.id and ct.status = 'ready') as total_tracks`;

const TRACK_COLUMNS = sql`t.id, t.album_id, t.name, t.disc_number, t.track_number, t.duration_ms, t.explicit, t.isrc,
  t.popularity, t.available_markets`;

export class PgCatalogRepository implements CatalogRepository {
  constructor(private readonly db: Db) {}

  private async artistRefs(table: 'track_artists' | 'album_artists', ids: string[]): Promise<Map<string, ArtistRef[]>> {
    const out = new Map<string, ArtistRef[]>();
    if (ids.length === 0) return out;
    const owner = table === 'track_artists' ? sql.ref('x.track_id') : sql.ref('x.album_id');
    const rows = await sql<{ owner: string; id: string; name: string }>`
      select ${owner} as owner, ar.id, ar.name from ${sql.table(table)} x join artists ar on ar.id = x.artist_id
      where ${owner} = any(${ids}) order by x.position`.execute(this.db);
    for (const r of rows.rows) {
      const list = out.get(r.owner) ?? [];
      list.push({ id: r.id, name: r.name });
      out.set(r.owner, list);
    }
    return out;
  }

  private async albumSummaries(rows: AlbumRow[]): Promise<Album[]> {
    const artists = await this.artistRefs(
      'album_artists',
      rows.map((r) => r.id),
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      albumType: r.album_type,
      releaseDate: r.release_date,
      releaseDatePrecision: r.release_date_precision,
      totalTracks: r.total_tracks,
      imageKey: r.image_key,
      artists: artists.get(r.id) ?? [],
      availableMarkets: r.available_markets,
      label: r.label,
      upc: r.upc,
      genres: r.genres,
      popularity: r.popularity,
    }));
  }

  private async hydrateTracks(rows: TrackRow[]): Promise<Track[]> {
    if (rows.length === 0) return [];
    const albumIds = [...new Set(rows.map((r) => r.album_id))];
    const albumRows = await sql<AlbumRow>`select ${ALBUM_COLUMNS} from albums a where a.id = any(${albumIds})`.execute(
      this.db,
    );
    const albums = new Map((await this.albumSummaries(albumRows.rows)).map((a) => [a.id, a]));
    const artists = await this.artistRefs(
      'track_artists',
      rows.map((r) => r.id),
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      album: albums.get(r.album_id)!,
      artists: artists.get(r.id) ?? [],
      discNumber: r.disc_number,
      trackNumber: r.track_number,
      durationMs: r.duration_ms,
      explicit: r.explicit,
      isrc: r.isrc,
      popularity: r.popularity,
      // A track without markets of its own is sold where its album is, as search and playback read it.
      availableMarkets: r.available_markets ?? albums.get(r.album_id)!.availableMarkets,
    }));
  }

  async tracks(ids: string[]): Promise<Track[]> {
    const rows = await sql<TrackRow>`
      select ${TRACK_COLUMNS} from tracks t join albums a on a.id = t.album_id
      where t.id = any(${ids}) and ${VISIBLE_TRACK}`.execute(this.db);
    return this.hydrateTracks(rows.rows);
  }

  async album(id: string): Promise<Album | undefined> {
    const rows =
      await sql<AlbumRow>`select ${ALBUM_COLUMNS} from albums a where a.id = ${id} and ${VISIBLE_ALBUM}`.execute(
        this.db,
      );
    return (await this.albumSummaries(rows.rows))[0];
  }

  async albums(ids: string[]): Promise<Album[]> {
    if (ids.length === 0) return [];
    const rows =
      await sql<AlbumRow>`select ${ALBUM_COLUMNS} from albums a where a.id = any(${ids}) and ${VISIBLE_ALBUM}`.execute(
        this.db,
      );
    return this.albumSummaries(rows.rows);
  }

  async albumTracks(albumId: string, limit: number, offset: number): Promise<Page<Track>> {
    const where = sql`t.album_id = ${albumId} and t.status = 'ready'`;
    const [rows, count] = await Promise.all([
      sql<TrackRow>`select ${TRACK_COLUMNS} from tracks t where ${where}
        order by t.disc_number, t.track_number, t.name limit ${limit} offset ${offset}`.execute(this.db),
      sql<{ n: number }>`select count(*)::int as n from tracks t where ${where}`.execute(this.db),
    ]);
    return { items: await this.hydrateTracks(rows.rows), total: count.rows[0]!.n };
  }

  async firstTracksOfAlbums(albumIds: string[], limit: number): Promise<Map<string, Page<Track>>> {
    const out = new Map<string, Page<Track>>();
    if (albumIds.length === 0) return out;
    const rows = await sql<TrackRow & { total: number }>`
      select * from (select ${TRACK_COLUMNS}, count(*) over (partition by t.album_id)::int as total,
          row_number() over (partition by t.album_id order by t.disc_number, t.track_number, t.name) as n
        from tracks t where t.album_id = any(${albumIds}) and t.status = 'ready') x
      where x.n <= ${limit} order by x.album_id, x.n`.execute(this.db);
    const tracks = await this.hydrateTracks(rows.rows);
    rows.rows.forEach((row, i) => {
      const page = out.get(row.album_id) ?? { items: [], total: row.total };
      page.items.push(tracks[i]!);
      out.set(row.album_id, page);
    });
    return out;
  }

  async artist(id: string): Promise<Artist | undefined> {
    return (await this.artists([id]))[0];
  }

  async artists(ids: string[]): Promise<Artist[]> {
    const rows = await sql<{
      id: string;
      name: string;
      genres: string[];
      popularity: number;
      image_key: string | null;
      followers: number;
    }>`
      select ar.id, ar.name, ar.genres, ar.popularity,
        (select count(*)::int from artist_follows f where f.artist_id = ar.id) as followers,
        coalesce(ar.image_key, (select a.image_key from album_artists aa join albums a on a.id = aa.album_id
          where aa.artist_id = ar.id and a.image_key is not null and ${VISIBLE_ALBUM}
          order by a.release_date desc nulls last limit 1)) as image_key
      from artists ar where ar.id = any(${ids}) and (
        exists (select 1 from album_artists aa join albums a on a.id = aa.album_id where aa.artist_id = ar.id and ${VISIBLE_ALBUM})
        or exists (select 1 from track_artists ta join tracks t on t.id = ta.track_id join albums a on a.id = t.album_id
          where ta.artist_id = ar.id and ${VISIBLE_TRACK}))`.execute(this.db);
    return rows.rows.map((r) => ({
      id: r.id,
      name: r.name,
      genres: r.genres,
      popularity: r.popularity,
      imageKey: r.image_key,
      followers: r.followers,
    }));
  }

  async artistAlbums(
    artistId: string,
    types: AlbumType[],
    limit: number,
    offset: number,
    market?: string,
  ): Promise<Page<AlbumSummary>> {
    if (types.length === 0) return { items: [], total: 0 };
    const from = sql`albums a join album_artists aa on aa.album_id = a.id and aa.artist_id = ${artistId}
      where a.album_type = any(${types}) and ${VISIBLE_ALBUM} and ${soldIn(market)}`;
    // Albums, then singles, then compilations, each newest first: how an artist page reads.
    const order = sql`case a.album_type when 'album' then 0 when 'single' then 1 else 2 end, a.release_date desc nulls last, a.name`;
    return this.albumPage(from, order, limit, offset);
  }

  /** One page of albums and the total matching count, for `from` (a FROM … WHERE … clause on `a`). */
  private async albumPage(from: RawBuilder<unknown>, order: RawBuilder<unknown>, limit: number, offset: number) {
    const [rows, count] = await Promise.all([
      sql<AlbumRow>`select ${ALBUM_COLUMNS} from ${from} order by ${order} limit ${limit} offset ${offset}`.execute(
        this.db,
      ),
      sql<{ n: number }>`select count(*)::int as n from ${from}`.execute(this.db),
    ]);
    return { items: await this.albumSummaries(rows.rows), total: count.rows[0]!.n };
  }

  async artistTopTracks(artistId: string, limit: number): Promise<Track[]> {
    const rows = await sql<TrackRow>`
      select ${TRACK_COLUMNS} from tracks t join albums a on a.id = t.album_id
      join track_artists ta on ta.track_id = t.id and ta.artist_id = ${artistId}
      where ${VISIBLE_TRACK}
      order by t.popularity desc, a.release_date desc nulls last, t.disc_number, t.track_number limit ${limit}`.execute(
      this.db,
    );
    return this.hydrateTracks(rows.rows);
  }

  newestAlbums(limit: number, offset: number, market?: string): Promise<Page<AlbumSummary>> {
    return this.albumPage(
      sql`albums a where ${VISIBLE_ALBUM} and ${soldIn(market)}`,
      sql`a.release_date desc nulls last, a.created_at desc`,
      limit,
      offset,
    );
  }

  async genres(): Promise<Genre[]> {
    const r = await sql<{ name: string; albums: number; image_key: string | null }>`
      select g as name, count(*)::int as albums,
        (array_agg(a.image_key order by a.popularity desc, a.release_date desc nulls last)
          filter (where a.image_key is not null))[1] as image_key
      from albums a, unnest(a.genres) g where ${VISIBLE_ALBUM} group by g order by count(*) desc, g`.execute(this.db);
    return r.rows.map((row) => ({ name: row.name, albums: row.albums, imageKey: row.image_key }));
  }

  genreAlbums(names: string[], limit: number, offset: number): Promise<Page<AlbumSummary>> {
    const from = sql`albums a where a.genres && ${names}::text[] and ${VISIBLE_ALBUM}`;
    return this.albumPage(from, sql`a.popularity desc, a.release_date desc nulls last, a.name`, limit, offset);
  }

  async genreTracks(names: string[], limit: number): Promise<Track[]> {
    const rows = await sql<TrackRow>`
      select ${TRACK_COLUMNS} from tracks t join albums a on a.id = t.album_id
      where ${VISIBLE_TRACK} and (t.genres && ${names}::text[] or a.genres && ${names}::text[])
      order by t.popularity desc, a.release_date desc nulls last, t.name limit ${limit}`.execute(this.db);
    return this.hydrateTracks(rows.rows);
  }

  async genreArtists(names: string[], limit: number): Promise<Artist[]> {
    const r = await sql<{ id: string }>`
      select aa.artist_id as id from albums a join album_artists aa on aa.album_id = a.id
      where a.genres && ${names}::text[] and ${VISIBLE_ALBUM}
      group by aa.artist_id order by max(a.popularity) desc, count(*) desc limit ${limit}`.execute(this.db);
    const ids = r.rows.map((row) => row.id);
    const byId = new Map((await this.artists(ids)).map((a) => [a.id, a]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }
}

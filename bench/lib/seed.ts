import type pg from 'pg';
import { newId } from '../../src/core/ids.js';

/**
 * `count` ready tracks on one album of one artist, written straight to the database and without media:
 * for benchmarks that only name tracks (playlist edits, a Jam's queue).
 */
export async function insertTracks(pool: pg.Pool, count: number): Promise<string[]> {
  const artist = newId();
  const album = newId();
  await pool.query("insert into artists (id, name, name_key) values ($1, 'Bench Artist', $2)", [
    artist,
    `bench:${artist}`,
  ]);
  await pool.query(
    "insert into albums (id, name, name_key, album_type, status) values ($1, 'Bench Album', 'bench album', 'album', 'published')",
    [album],
  );
  const ids = Array.from({ length: count }, () => newId());
  await pool.query(
    `insert into tracks (id, album_id, name, track_number, duration_ms, explicit, status, media_version)
     select id, $2, 'Track ' || n, n, 180000, false, 'ready', 'v1' from unnest($1::text[]) with ordinality as t(id, n)`,
    [ids, album],
  );
  return ids;
}

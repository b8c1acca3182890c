import { sql } from 'kysely';

/**
 * What listeners may see, in one place: a track that is ready on an album that is published (aliases
 * `t` and `a`), and a published album with at least one ready track (alias `a`).
 */
export const VISIBLE_TRACK = sql`t.status = 'ready' and a.status = 'published'`;
export const VISIBLE_ALBUM = sql`a.status = 'published' and exists (select 1 from tracks vt where vt.album_id = a.id and vt.status = 'ready')`;

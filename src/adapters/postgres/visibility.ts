import { sql } from 'kysely';

/**
 * What listeners may see, in one place: a track that is ready on an album that is published (aliases
 * `t` and `a`), and a published album with at least one ready track (alias `a`).
 */
export const VISIBLE_TRACK = sql`t.status = 'ready' and a.status = 'published'`;
export const VISIBLE_ALBUM = sql`a.status = 'published' and exists (select 1 from tracks vt where vt.album_id = a.id and vt.status = 'ready')`;

/** Albums (alias `a`) sold in the market; every album when none is given. A null list means everywhere. */
export function soldIn(market: string | undefined) {
  return market === undefined ? sql`true` : sql`(a.available_markets is null or ${market} = any(a.available_markets))`;
}

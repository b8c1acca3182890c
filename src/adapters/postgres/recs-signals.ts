import { type Kysely, sql } from 'kysely';
// The thresholds and weights live with the online engine, which applies the same ones at request time.
import {
  FOLLOW_TRACKS,
  FOLLOW_WEIGHT,
  HEARD_MS,
  PLAYLIST_ADD_WEIGHT,
  SAVE_WEIGHT,
  SKIPPED_MS,
} from '../../core/recs/listener.js';
import { type Interactions, interactionsFromRows } from '../../core/recs/matrix.js';
import type { Database } from './schema.js';

export interface ListeningSignals {
  /**
   * Listener × track, weighted: each play heard ≥ 30 s counts the share of the track it covered (a whole
   * play 1, repeat plays add up), a save SAVE_WEIGHT, a track added to a playlist PLAYLIST_ADD_WEIGHT
   * for whoever added it, a followed artist FOLLOW_WEIGHT on each of their FOLLOW_TRACKS most popular
   * tracks (a follow names an artist; the matrix holds tracks). Every playlist a person made with two
   * tracks or more is a row too (`playlist:<id>`, 1 per track): the co-occurrence evidence of lists
   * people made, though no one is recommended to. Generated playlists (made for you) are left out: the
   * model would learn from its own output.
   */
  interactions: Interactions;
  /** Per listener, the tracks they left within 10 s and never heard 30 s of: for the ranking stage. */
  skipped: Map<string, Set<string>>;
}

/**
 * The signals of every listener from the live database, in the shape `cadenza recs fit` reads from a
 * file (docs/recommendations.md, "Signals"). Plays come from `plays` (one row per play session, its
 * `listened_ms` what the events prove was heard), so a replayed event changes nothing here either;
 * plays of a private session are left out, as Spotify leaves them out of recommendations.
 */
export async function listeningSignals(db: Kysely<Database>): Promise<ListeningSignals> {
  const users: string[] = [];
  const items: string[] = [];
  const weights: number[] = [];
  const add = (user: string, item: string, weight: number) => {
    users.push(user);
    items.push(item);
    weights.push(weight);
  };

  const plays = await sql<{ user_id: string; track_id: string; heard: number; skips: number }>`
    select p.user_id, p.track_id,
      coalesce(sum(least(1, p.listened_ms::float8 / greatest(t.duration_ms, ${HEARD_MS})))
        filter (where p.listened_ms >= ${HEARD_MS}), 0)::float8 as heard,
      count(*) filter (where p.listened_ms < ${SKIPPED_MS})::int as skips
    from plays p join tracks t on t.id = p.track_id and t.status = 'ready'
    where not p.private
    group by p.user_id, p.track_id`.execute(db);
  const skipped = new Map<string, Set<string>>();
  for (const row of plays.rows) {
    if (row.heard > 0) add(row.user_id, row.track_id, row.heard);
    else if (row.skips > 0) {
      const set = skipped.get(row.user_id) ?? new Set<string>();
      set.add(row.track_id);
      skipped.set(row.user_id, set);
    }
  }

  const saves = await db
    .selectFrom('saved_tracks as s')
    .innerJoin('tracks as t', (j) => j.onRef('t.id', '=', 's.track_id').on('t.status', '=', 'ready'))
    .select(['s.user_id', 's.track_id'])
    .execute();
  for (const s of saves) add(s.user_id, s.track_id, SAVE_WEIGHT);

  const lists = await sql<{ playlist_id: string; added_by: string | null; track_id: string }>`
    select playlist_id, added_by, track_id from (
      select i.playlist_id, coalesce(i.added_by, p.owner_id) as added_by, i.track_id,
        count(*) over (partition by i.playlist_id) as size
      from playlist_items i
        join playlists p on p.id = i.playlist_id and p.made_for is null
        join tracks t on t.id = i.track_id and t.status = 'ready'
    ) items where size >= 2`.execute(db);
  for (const row of lists.rows) {
    if (row.added_by) add(row.added_by, row.track_id, PLAYLIST_ADD_WEIGHT);
    add(`playlist:${row.playlist_id}`, row.track_id, 1);
  }

  const follows = await sql<{ user_id: string; track_id: string }>`
    select f.user_id, top.id as track_id
    from artist_follows f cross join lateral (
      select t.id from track_artists ta join tracks t on t.id = ta.track_id and t.status = 'ready'
      where ta.artist_id = f.artist_id
      order by t.popularity desc, t.id limit ${FOLLOW_TRACKS}
    ) top`.execute(db);
  for (const row of follows.rows) add(row.user_id, row.track_id, FOLLOW_WEIGHT);

  return { interactions: interactionsFromRows(users, items, Float32Array.from(weights)), skipped };
}

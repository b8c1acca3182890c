import type { Recommendations } from '../../ports/recommendations.js';
import type { CatalogRepository, Track } from '../catalog/types.js';
import type { PlaylistEditor } from '../playlists/editor.js';
import { daysBefore, FRIDAY, MONDAY, utcDay, weekStarting } from './periods.js';
import {
  type MadeForYouKind,
  type MadeForYouStore,
  type PlaylistLook,
  type ShelfEntry,
  SYSTEM_USER_ID,
} from './types.js';

export const DISCOVER_WEEKLY_SIZE = 30;
/** Discover Weekly keeps to two songs per artist, so one artist cannot take over the week. */
export const DISCOVER_WEEKLY_PER_ARTIST = 2;
export const DAILY_MIX_SIZE = 50;
export const MAX_DAILY_MIXES = 6;
/** A mix with fewer tracks than this is not worth a slot (too little known of that taste). */
const MIN_MIX = 8;
export const RELEASE_RADAR_SIZE = 30;
export const RELEASE_RADAR_DAYS = 14;
/** Release Radar takes one or two songs of each release, as Spotify's does. */
const RELEASE_RADAR_PER_ALBUM = 2;

/** Builds the cover of a generated playlist from its tracks' album covers; null when there are none. */
export type CoverMaker = (albumImageKeys: string[]) => Promise<string | null>;

interface Built {
  look: PlaylistLook;
  trackIds: string[];
}

/** "A, B and more", the way Spotify describes a Daily Mix by the artists it starts from. */
export function mixDescription(artistNames: string[]): string {
  const shown = artistNames.slice(0, 3);
  if (shown.length === 0) return 'Songs you like and more like them';
  return `${shown.join(', ')} and more`;
}

/** Keeps the first `perKey` items of each key, in order. */
function capPer<T>(items: T[], key: (item: T) => string[], perKey: number): T[] {
  const seen = new Map<string, number>();
  return items.filter((item) => {
    const keys = key(item);
    if (keys.some((k) => (seen.get(k) ?? 0) >= perKey)) return false;
    for (const k of keys) seen.set(k, (seen.get(k) ?? 0) + 1);
    return true;
  });
}

/**
 * Generates a listener's made-for-you playlists: Discover Weekly (unheard tracks, new each UTC
 * Monday), Daily Mix 1…6 (one per taste cluster, familiar and new mixed, new each UTC day) and
 * Release Radar (new releases of followed and played artists, new each UTC Friday). Each is an
 * ordinary playlist owned by the system account; its items are replaced through the playlist editor
 * in one transaction, so a reader sees the old list or the new one, never a mixture. A playlist whose
 * period has not moved on is left alone, which keeps it stable within its week or day.
 */
export class MadeForYouGenerator {
  constructor(
    private readonly store: MadeForYouStore,
    private readonly recs: Recommendations,
    private readonly catalog: CatalogRepository,
    private readonly editor: PlaylistEditor,
    private readonly cover: CoverMaker,
    private readonly now: () => number = Date.now,
  ) {}

  /** `remixToday`: the Daily Mixes are made again even when today's exist (the listener's genres changed). */
  refresh(userId: string, market: string, remixToday = false): Promise<void> {
    return this.store.exclusively(userId, () => this.refreshNow(userId, market, remixToday));
  }

  private async refreshNow(userId: string, market: string, remixToday: boolean): Promise<void> {
    const now = this.now();
    const shelf = await this.store.shelf(userId);
    const slot = (kind: MadeForYouKind, n = 0) => shelf.find((e) => e.kind === kind && e.slot === n);

    /** Rebuilds a one-slot playlist when its period has moved on. */
    const renew = async (kind: MadeForYouKind, period: string, build: () => Promise<Built | null>) => {
      const existing = slot(kind);
      if (existing?.period !== period) await this.put(userId, existing, kind, 0, period, await build());
    };

    await renew('discover-weekly', weekStarting(now, MONDAY), () => this.discoverWeekly(userId, market));

    const day = utcDay(now);
    const mixes = shelf.filter((e) => e.kind === 'daily-mix');
    if (remixToday || mixes.length === 0 || mixes.some((e) => e.period !== day)) {
      const built = await this.dailyMixes(userId, market);
      for (const [i, mix] of built.entries())
        await this.put(userId, slot('daily-mix', i + 1), 'daily-mix', i + 1, day, mix);
      for (const old of mixes.filter((e) => e.slot > built.length)) await this.store.remove(old.playlistId);
    }

    await renew('release-radar', weekStarting(now, FRIDAY), () => this.releaseRadar(userId, market));
    await this.store.finishRun(userId, day);
  }

  /**
   * Writes one slot. A new playlist is filled before it is placed on the shelf, so no one is shown an
   * empty one; an existing one gets its new items in one edit. Nothing to put in it removes it.
   */
  private async put(
    userId: string,
    existing: ShelfEntry | undefined,
    kind: MadeForYouKind,
    slot: number,
    period: string,
    built: Built | null,
  ): Promise<void> {
    if (!built || built.trackIds.length === 0) {
      if (existing) await this.store.remove(existing.playlistId);
      return;
    }
    const playlistId = existing?.playlistId ?? (await this.store.createPlaylist(userId, built.look));
    try {
      await this.editor.edit({
        playlistId,
        userId: SYSTEM_USER_ID,
        edits: [{ type: 'replace', trackIds: built.trackIds }],
      });
    } catch (err) {
      // A new playlist not yet on the shelf would be seen by no one: do not leave it behind.
      if (!existing) await this.store.remove(playlistId);
      throw err;
    }
    if (existing) await this.store.describe(playlistId, built.look);
    await this.store.place(userId, { kind, slot, playlistId, period });
  }

  /** Playable tracks by id, in the order asked, without those the catalogue no longer shows. */
  private async tracks(ids: string[]): Promise<Track[]> {
    const unique = [...new Set(ids)];
    const found = new Map((await this.catalog.tracks(unique)).map((t) => [t.id, t]));
    return unique.flatMap((id) => found.get(id) ?? []);
  }

  private async coverOf(tracks: Track[]): Promise<string | null> {
    const keys = [...new Set(tracks.flatMap((t) => (t.album.imageKey ? [t.album.imageKey] : [])))];
    return keys.length > 0 ? this.cover(keys) : null;
  }

  private async discoverWeekly(userId: string, market: string): Promise<Built | null> {
    const ids = await this.recs.tracks({
      userId,
      purpose: 'discover-weekly',
      limit: DISCOVER_WEEKLY_SIZE * 3,
      unheardOnly: true,
      market,
    });
    // The engine promises unheard tracks; the listener's own history is the final word.
    const played = await this.store.playedAmong(userId, ids);
    const tracks = capPer(
      await this.tracks(ids.filter((id) => !played.has(id))),
      (t) => t.artists.map((a) => a.id),
      DISCOVER_WEEKLY_PER_ARTIST,
    ).slice(0, DISCOVER_WEEKLY_SIZE);
    if (tracks.length === 0) return null;
    return {
      trackIds: tracks.map((t) => t.id),
      look: {
        name: 'Discover Weekly',
        description: `${tracks.length} songs you have not heard yet, picked for you. New every Monday (UTC).`,
        imageKey: await this.coverOf(tracks),
      },
    };
  }

  private async dailyMixes(userId: string, market: string): Promise<Built[]> {
    const clusters = (await this.recs.tasteClusters(userId, MAX_DAILY_MIXES)).filter((c) => c.length > 0);
    const artists = new Map((await this.catalog.artists([...new Set(clusters.flat())])).map((a) => [a.id, a]));
    const mixes: Built[] = [];
    const used = new Set<string>();
    for (const cluster of clusters.slice(0, MAX_DAILY_MIXES)) {
      const familiar = await this.store.familiarTracks(userId, cluster, DAILY_MIX_SIZE / 2);
      const fresh = await this.recs.tracks({
        userId,
        purpose: 'daily-mix',
        limit: DAILY_MIX_SIZE,
        seedArtistIds: cluster.slice(0, 5),
        exclude: [...familiar, ...used],
        market,
      });
      // Familiar and new by turns: a mix is mostly what the listener loves, with something new every other song.
      const order: string[] = [];
      for (let i = 0; i < Math.max(familiar.length, fresh.length); i++) {
        if (familiar[i]) order.push(familiar[i]!);
        if (fresh[i]) order.push(fresh[i]!);
      }
      const tracks = (await this.tracks(order.filter((id) => !used.has(id)))).slice(0, DAILY_MIX_SIZE);
      if (tracks.length < MIN_MIX) continue;
      for (const t of tracks) used.add(t.id);
      const names = cluster.flatMap((id) => artists.get(id)?.name ?? []);
      const lead = cluster.map((id) => artists.get(id)).find((a) => a?.imageKey);
      mixes.push({
        trackIds: tracks.map((t) => t.id),
        look: {
          name: `Daily Mix ${mixes.length + 1}`,
          description: mixDescription(names),
          imageKey: lead?.imageKey ?? (await this.coverOf(tracks)),
        },
      });
    }
    return mixes;
  }

  private async releaseRadar(userId: string, market: string): Promise<Built | null> {
    const since = daysBefore(this.now(), RELEASE_RADAR_DAYS);
    const [candidates, ranked] = await Promise.all([
      this.store.releaseCandidates(userId, since, RELEASE_RADAR_PER_ALBUM, RELEASE_RADAR_SIZE * 4),
      this.recs.tracks({ userId, purpose: 'release-radar', limit: 100, releasedSince: since, market }),
    ]);
    // Only releases of artists the listener follows or plays; the engine's order first among them.
    const allowed = new Set(candidates);
    const order = [...ranked.filter((id) => allowed.has(id)), ...candidates];
    const tracks = capPer(await this.tracks(order), (t) => [t.album.id], RELEASE_RADAR_PER_ALBUM).slice(
      0,
      RELEASE_RADAR_SIZE,
    );
    if (tracks.length === 0) return null;
    return {
      trackIds: tracks.map((t) => t.id),
      look: {
        name: 'Release Radar',
        description:
          'New releases from artists you follow and listen to, from the last two weeks. New every Friday (UTC).',
        imageKey: await this.coverOf(tracks),
      },
    };
  }
}

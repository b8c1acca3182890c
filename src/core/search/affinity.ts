import type { AffinityScores } from '../../ports/search-index.js';
import type { User } from '../accounts/types.js';
import type { AffinitySource } from './search-service.js';

/**
 * What search knows of a listener's taste: saved tracks and albums, followed artists, and plays of the
 * last 90 days (the listening history). Read in one query, cached briefly per listener.
 */
export interface ListenerTaste {
  savedTracks: string[];
  savedAlbums: string[];
  followedArtists: string[];
  /** Artists of saved tracks. */
  likedArtists: string[];
  /** Tracks on saved albums or by followed artists. */
  relatedTracks: string[];
  /** Albums by followed artists or holding saved tracks. */
  relatedAlbums: string[];
  /** Plays per track and per artist in the history window. */
  playedTracks: Record<string, number>;
  playedArtists: Record<string, number>;
}

export interface TasteSource {
  taste(userId: string): Promise<ListenerTaste>;
}

/**
 * The affinity term of the ranking formula (ranking.ts), 0..1; each item takes its strongest reason:
 *   saved track, saved album, followed artist                    1
 *   played track: 0.4 + 0.1 per play in 90 days                  up to 1
 *   artist of saved or played tracks: 0.6 + 0.05 per play         up to 0.9
 *   track on a saved album or by a followed artist; album by a
 *   followed artist or holding a saved track                     0.6
 */
export function affinityOf(t: ListenerTaste): AffinityScores {
  const track = new Map<string, number>();
  const artist = new Map<string, number>();
  const album = new Map<string, number>();
  const atLeast = (scores: Map<string, number>, id: string, score: number) => {
    if (score > (scores.get(id) ?? 0)) scores.set(id, score);
  };
  for (const id of t.relatedTracks) atLeast(track, id, 0.6);
  for (const [id, plays] of Object.entries(t.playedTracks))
    if (plays > 0) atLeast(track, id, Math.min(1, 0.4 + 0.1 * plays));
  for (const id of t.savedTracks) atLeast(track, id, 1);
  for (const id of t.likedArtists) atLeast(artist, id, Math.min(0.9, 0.6 + 0.05 * (t.playedArtists[id] ?? 0)));
  for (const [id, plays] of Object.entries(t.playedArtists))
    if (plays > 0) atLeast(artist, id, Math.min(0.9, 0.6 + 0.05 * plays));
  for (const id of t.followedArtists) atLeast(artist, id, 1);
  for (const id of t.relatedAlbums) atLeast(album, id, 0.6);
  for (const id of t.savedAlbums) atLeast(album, id, 1);
  return { track, artist, album };
}

/**
 * An AffinitySource over a TasteSource with a short per-listener cache: a keystroke costs no query,
 * and a save shows in rankings within `ttlMs`.
 */
export function cachedAffinity(source: TasteSource, ttlMs = 5_000, maxListeners = 10_000): AffinitySource {
  const cache = new Map<string, { at: number; score: Promise<AffinityScores> }>();
  return async (user: User) => {
    const now = Date.now();
    const hit = cache.get(user.id);
    if (hit && now - hit.at < ttlMs) return hit.score;
    const score = source.taste(user.id).then(affinityOf);
    cache.delete(user.id);
    cache.set(user.id, { at: now, score });
    if (cache.size > maxListeners) cache.delete(cache.keys().next().value as string);
    score.catch(() => cache.delete(user.id));
    return score;
  };
}

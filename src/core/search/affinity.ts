import type { SearchType } from '../../ports/search-index.js';
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
export function affinityOf(t: ListenerTaste): (type: SearchType, id: string) => number {
  const saved = { track: new Set(t.savedTracks), album: new Set(t.savedAlbums), artist: new Set(t.followedArtists) };
  const liked = new Set(t.likedArtists);
  const relatedTracks = new Set(t.relatedTracks);
  const relatedAlbums = new Set(t.relatedAlbums);
  return (type, id) => {
    if (type === 'track') {
      if (saved.track.has(id)) return 1;
      const plays = t.playedTracks[id] ?? 0;
      return Math.max(plays > 0 ? Math.min(1, 0.4 + 0.1 * plays) : 0, relatedTracks.has(id) ? 0.6 : 0);
    }
    if (type === 'artist') {
      if (saved.artist.has(id)) return 1;
      const plays = t.playedArtists[id] ?? 0;
      return liked.has(id) || plays > 0 ? Math.min(0.9, 0.6 + 0.05 * plays) : 0;
    }
    if (type === 'album') return saved.album.has(id) ? 1 : relatedAlbums.has(id) ? 0.6 : 0;
    return 0;
  };
}

/**
 * An AffinitySource over a TasteSource with a short per-listener cache: a keystroke costs no query,
 * and a save shows in rankings within `ttlMs`.
 */
export function cachedAffinity(source: TasteSource, ttlMs = 5_000, maxListeners = 10_000): AffinitySource {
  const cache = new Map<string, { at: number; score: Promise<(type: SearchType, id: string) => number> }>();
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

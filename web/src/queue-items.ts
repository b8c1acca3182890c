import type { AlbumSummary, SimplifiedTrack, Track } from './api/types.js';
import { imageUrl } from './format.js';
import type { QueueItem } from './player/types.js';

/** A track as the player's queue holds it; `album` supplies artwork for tracks listed without one. */
export function queueItem(track: SimplifiedTrack | Track, album?: AlbumSummary): QueueItem {
  const from = 'album' in track ? track.album : album;
  return {
    id: track.id,
    title: track.name,
    artists: track.artists.map((a) => a.name).join(', '),
    artistId: track.artists[0]?.id,
    album: from?.name,
    albumId: from?.id,
    image: imageUrl(from?.images, 300) ?? imageUrl(from?.images, 64),
    durationMs: track.duration_ms,
  };
}

export const queueItems = (tracks: (SimplifiedTrack | Track)[], album?: AlbumSummary) =>
  tracks.map((t) => queueItem(t, album));

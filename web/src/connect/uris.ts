import type { RepeatMode } from '../player/types.js';
import type { SpotifyRepeat } from './types.js';

/**
 * The web player names a queue's origin `album:ID`, `playlist:ID`, `artist:ID` or `radio:<seed uri>`;
 * Connect carries it as a Cadenza uri (`cadenza:album:ID`, `cadenza:radio:<seed uri>`). Liked songs,
 * search results and autoplay have none.
 */
const CONTEXT = /^(album|artist|playlist|radio):(.+)$/;

export function contextUri(context: string | null): string | null {
  const m = context ? CONTEXT.exec(context) : null;
  return m ? `cadenza:${m[1]}:${m[2]}` : null;
}

export function contextFromUri(uri: string | null | undefined): string | null {
  const m = uri?.startsWith('cadenza:') ? CONTEXT.exec(uri.slice('cadenza:'.length)) : null;
  return m ? `${m[1]}:${m[2]}` : null;
}

export const trackUri = (id: string) => `cadenza:track:${id}`;

const TO_SPOTIFY: Record<RepeatMode, SpotifyRepeat> = { off: 'off', all: 'context', one: 'track' };
const FROM_SPOTIFY: Record<SpotifyRepeat, RepeatMode> = { off: 'off', context: 'all', track: 'one' };
export const spotifyRepeat = (mode: RepeatMode): SpotifyRepeat => TO_SPOTIFY[mode];
export const repeatMode = (state: SpotifyRepeat): RepeatMode => FROM_SPOTIFY[state] ?? 'off';

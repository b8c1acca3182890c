import { useSyncExternalStore } from 'react';
import { api, seg } from '../api/client.js';
import type { Playlist, PlaylistSummary } from '../api/playlist-types.js';
import type { Me, Paging } from '../api/types.js';
import { useApi } from '../api/use-api.js';

/** The listener's playlists (own, followed, collaborative), reloaded whenever one is made or changed. */

let version = 0;
const listeners = new Set<() => void>();
const subscribe = (l: () => void) => {
  listeners.add(l);
  return () => listeners.delete(l);
};

export function playlistsChanged(): void {
  version++;
  for (const l of listeners) l();
}

export function useMyPlaylists() {
  const v = useSyncExternalStore(subscribe, () => version);
  return useApi<Paging<PlaylistSummary>>('/v1/me/playlists?limit=50', v);
}

/** Playlists this listener may add tracks to: their own and collaborative ones. */
export const editable = (p: PlaylistSummary, me: Me) => p.owner.id === me.id || p.collaborative;

export async function createPlaylist(me: Me, name: string): Promise<Playlist> {
  const playlist = await api.post<Playlist>(`/v1/users/${seg(me.id)}/playlists`, { name, public: false });
  playlistsChanged();
  return playlist;
}

/** Appends tracks over Spotify's add-items route; live editors of the playlist see them at once. */
export async function addToPlaylist(playlistId: string, trackIds: string[]): Promise<void> {
  await api.post(`/v1/playlists/${seg(playlistId)}/tracks`, { uris: trackIds.map((id) => `cadenza:track:${id}`) });
  playlistsChanged();
}

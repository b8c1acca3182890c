import assert from 'node:assert/strict';
import type { TestServer } from './server.js';

/** Playlist requests shared by the playlist test files. */

export type Account = { token: string; id: string };

export const jsonInit = (method: string, body: unknown, token?: string) => ({
  method,
  token,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});

export async function createPlaylist(server: TestServer, as: Account, body: Record<string, unknown> = { name: 'Mix' }) {
  const r = await server.json(`/v1/users/${as.id}/playlists`, jsonInit('POST', body, as.token));
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id as string;
}

/** Spotify's add-items route (the playlist editor's); answers its status. */
export async function addTracks(server: TestServer, playlistId: string, by: Account, trackIds: string[]) {
  const uris = trackIds.map((t) => `cadenza:track:${t}`);
  return (await server.json(`/v1/playlists/${playlistId}/tracks`, jsonInit('POST', { uris }, by.token))).status;
}

/** The names of a page of items at `path`, which must answer 200. */
export async function trackNames(server: TestServer, path: string, token?: string) {
  const r = await server.json(path, { token });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return (r.body.items as { track: { name: string } }[]).map((i) => i.track.name);
}

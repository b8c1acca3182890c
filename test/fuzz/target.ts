import { insertCatalog } from '../helpers/catalog-fixtures.js';
import { createPlaylist, jsonInit as json } from '../helpers/playlists.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import type { Known } from './inputs.js';

/**
 * A real server with something in it for fuzzed requests to reach: accounts of every role, published
 * tracks, playlists of each visibility, a draft album and a rights holder. Their ids go into the
 * generators, so a share of requests gets past "not found" into the code that acts on the input.
 */

export type Caller = 'listener' | 'artist' | 'admin' | 'stranger' | 'anonymous';

export interface FuzzTarget {
  server: TestServer;
  tokens: Record<Exclude<Caller, 'anonymous'>, string>;
  known: Known;
  playlists: { public: string; private: string; collaborative: string };
  close(): Promise<void>;
}

export async function startFuzzTarget(): Promise<FuzzTarget> {
  const server = await startTestServer();
  const [listener, artist, admin, stranger] = await Promise.all([
    server.account({ product: 'premium' }),
    server.account({ role: 'artist' }),
    server.account({ role: 'admin' }),
    server.account(),
  ]);
  const rows = await insertCatalog(
    server.services.database.db,
    ['One', 'Two', 'Three', 'Four'].map((name) => ({ name, artist: `Artist ${name}`, genres: ['rock'] })),
  );
  const catalogIds = [...rows.values()].flatMap((r) => [r.track, r.album, r.artist]);
  const publicList = await createPlaylist(server, listener, { name: 'Open', public: true });
  const privateList = await createPlaylist(server, stranger, { name: 'Secret', public: false });
  const collaborative = await createPlaylist(server, stranger, { name: 'Shared', public: false, collaborative: true });
  await server.request(`/v1/playlists/${collaborative}/collaborators/${listener.id}`, {
    method: 'PUT',
    token: stranger.token,
  });
  const draft = await server.json(
    '/v1/studio/albums',
    json('POST', { name: 'Draft', album_type: 'album', release_date: '2026-01-01' }, artist.token),
  );
  const holder = await server.json('/v1/royalties/rights-holders', json('POST', { name: 'Holder' }, admin.token));
  const share = await server.json(`/v1/playlists/${publicList}/share`, { method: 'POST', token: listener.token });
  const ids = [...catalogIds, publicList, privateList, collaborative, draft.body?.id, holder.body?.id].filter(
    (id): id is string => typeof id === 'string',
  );
  return {
    server,
    tokens: { listener: listener.token, artist: artist.token, admin: admin.token, stranger: stranger.token },
    known: {
      ids,
      userIds: [listener.id, artist.id, admin.id, stranger.id],
      other: [share.body?.token, 'artists', 'tracks', 'rock', 'm3u8', 'xspf', '2026-10', 'short_term'].filter(
        (s): s is string => typeof s === 'string',
      ),
      playlists: [publicList, privateList, collaborative],
    },
    playlists: { public: publicList, private: privateList, collaborative },
    close: () => server.close(),
  };
}

/** After a fuzz run: the server answers its probes and a listener can still do ordinary things. */
export async function healthProblems(target: FuzzTarget): Promise<string[]> {
  const { server, tokens } = target;
  const problems: string[] = [];
  const expect = async (what: string, status: number, run: () => Promise<Response>) => {
    try {
      const res = await run();
      if (res.status !== status) problems.push(`${what}: ${res.status} ${await res.text()}`);
    } catch (err) {
      problems.push(`${what}: ${(err as Error).message}`);
    }
  };
  await expect('GET /healthz', 200, () => server.request('/healthz'));
  await expect('GET /readyz', 200, () => server.request('/readyz'));
  await expect('GET /v1/me', 200, () => server.request('/v1/me', { token: tokens.listener }));
  await expect('GET /v1/search', 200, () => server.request('/v1/search?q=one&type=track', { token: tokens.listener }));
  await expect('POST a playlist', 201, () =>
    server.request(
      `/v1/users/${target.known.userIds[0]}/playlists`,
      json('POST', { name: 'After the storm' }, tokens.listener),
    ),
  );
  return problems;
}

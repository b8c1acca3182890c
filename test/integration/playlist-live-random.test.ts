import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import type { ItemEdit } from '../../src/core/playlists/types.js';
import { insertCatalog } from '../helpers/catalog-fixtures.js';
import { type Frame, LiveEditor } from '../helpers/live-client.js';
import { eventually, startTestServer, type TestServer } from '../helpers/server.js';

/**
 * The convergence property of test/unit/playlist-convergence.test.ts, over the real gateway and
 * PostgreSQL: editors edit at random, drop their connections and come back; afterwards every
 * acknowledged edit is reflected exactly once and every editor holds the stored list.
 */

const RUNS = Number(process.env.COLLAB_LIVE_RUNS ?? 10);
let server: TestServer;
let accounts: { token: string; id: string }[];
let pool: string[] = [];

before(async () => {
  server = await startTestServer();
  accounts = await Promise.all([server.account(), server.account(), server.account()]);
  const rows = await insertCatalog(
    server.services.database.db,
    Array.from({ length: 400 }, (_, i) => ({ name: `Song ${i}`, artist: `Artist ${i % 20}` })),
  );
  pool = [...rows.values()].map((r) => r.track);
});
after(() => server.close());

const send = (method: string, path: string, body: unknown, token: string) =>
  server.json(path, { method, token, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

const Step = fc.record({
  editor: fc.nat({ max: 2 }),
  action: fc.constantFrom('edit', 'edit', 'edit', 'edit', 'drop', 'reconnect', 'pause'),
  a: fc.nat(),
  b: fc.nat(),
});

test(`live editors with disconnects converge and lose or repeat nothing (${RUNS} runs)`, async () => {
  let fresh = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(Step, { minLength: 5, maxLength: 40 }), async (steps) => {
      const [owner, ...others] = accounts as [{ token: string; id: string }, ...{ token: string; id: string }[]];
      const created = await send(
        'POST',
        `/v1/users/${owner.id}/playlists`,
        { name: 'Random', public: false, collaborative: true },
        owner.token,
      );
      const playlist = created.body.id as string;
      for (const o of others) await send('PUT', `/v1/playlists/${playlist}/collaborators/${o.id}`, null, owner.token);
      const editors = accounts.map((a) => new LiveEditor(server.url, a.token, a.id, playlist));
      for (const e of editors) await e.connect();
      const answers: Promise<Frame>[] = [];
      const meant = new Map<Promise<Frame>, { adds: string[]; removes: string[] }>();

      for (const { editor, action, a, b } of steps) {
        const e = editors[editor] as LiveEditor;
        if (action === 'drop' && !e.socket.closed) {
          e.socket.close();
          await e.socket.waitClosed();
        } else if (action === 'reconnect' && e.socket.closed) {
          await e.connect();
        } else if (action === 'pause') {
          await new Promise((r) => setTimeout(r, a % 30));
        } else if (action === 'edit') {
          const list = e.replica.items;
          let edit: ItemEdit;
          let intent = { adds: [] as string[], removes: [] as string[] };
          if (list.length === 0 || a % 5 < 2) {
            const trackIds = [pool[fresh++ % pool.length] as string];
            edit = { type: 'add', index: b % (list.length + 1), trackIds };
            intent = { adds: trackIds, removes: [] };
          } else if (a % 5 < 4) {
            const p = b % list.length;
            edit = { type: 'remove', tracks: [{ trackId: list[p]?.trackId as string, positions: [p] }] };
            intent = { adds: [], removes: [list[p]?.trackId as string] };
          } else {
            edit = { type: 'move', rangeStart: b % list.length, rangeLength: 1, insertBefore: a % (list.length + 1) };
          }
          const answer = e.edit(edit);
          answers.push(answer);
          meant.set(answer, intent);
        }
      }
      for (const e of editors) if (e.socket.closed) await e.connect();
      const settled = await Promise.all(answers);
      for (const f of settled) {
        assert.ok(f.type === 'ack' || (f.type === 'rejected' && f.status === 409), JSON.stringify(f));
      }
      const stored = await server.json(`/v1/playlists/${playlist}/tracks?limit=100`, { token: owner.token });
      const version = (await server.services.playlistEditor.catchUp(playlist, owner.id, undefined)).version;
      await eventually(async () => editors.every((e) => e.replica.version === version), 10_000, 'editors to catch up');
      const tracks = stored.body.items.map((it: { track: { id: string } }) => it.track.id) as string[];
      for (const e of editors) assert.deepEqual(e.trackIds(), tracks, 'an editor diverged from the stored list');

      // Each added track is fresh within a run, so a track id names one item.
      assert.equal(new Set(tracks).size, tracks.length, 'a track appears twice');
      const added = new Set<string>();
      const removed = new Set<string>();
      settled.forEach((f, i) => {
        if (f.type !== 'ack') return;
        const intent = meant.get(answers[i] as Promise<Frame>);
        for (const t of intent?.adds ?? []) added.add(t);
        for (const t of intent?.removes ?? []) removed.add(t);
      });
      for (const t of tracks) assert.ok(added.has(t) && !removed.has(t), `track ${t} should not be in the list`);
      for (const t of added) if (!removed.has(t)) assert.ok(tracks.includes(t), `added track ${t} was lost`);
      for (const e of editors) e.socket.close();
    }),
    { numRuns: RUNS },
  );
});

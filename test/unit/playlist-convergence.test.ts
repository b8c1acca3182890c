import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Conflict } from '../../src/core/errors.js';
import { PlaylistDocument } from '../../src/core/playlists/document.js';
import { type OpMessage, PlaylistReplica } from '../../src/core/playlists/replica.js';
import type { ItemEdit } from '../../src/core/playlists/types.js';

/**
 * Several editors on one playlist over unreliable connections: each edits its confirmed copy, its
 * messages reach the server and the broadcasts reach it after random delays, connections drop and
 * lose what was in flight, and a reconnect catches up and re-sends. The server is the real document.
 * Afterwards every acknowledged edit is reflected exactly once and every editor holds the server's list.
 */

type Request = { clientOpId: string; baseVersion: number; edit: ItemEdit };
type Answer = { kind: 'op'; message: OpMessage } | { kind: 'settled'; clientOpId: string };

interface Editor {
  replica: PlaylistReplica;
  connected: boolean;
  toServer: Request[];
  toEditor: Answer[];
}

const Step = fc.record({
  editor: fc.nat(),
  action: fc.constantFrom('edit', 'edit', 'edit', 'send', 'send', 'deliver', 'deliver', 'deliver', 'drop', 'reconnect'),
  a: fc.nat(),
  b: fc.nat(),
  c: fc.nat(),
});

type StepValue = { editor: number; action: string; a: number; b: number; c: number };

function simulate(editorCount: number, steps: StepValue[]) {
  let nextItem = 0;
  let nextTrack = 0;
  const server = new PlaylistDocument([], 0, [], 0);
  const history: OpMessage[] = [];
  /** Items each acknowledged edit meant to add or remove, by item id. */
  const added = new Set<string>();
  const meantRemoved = new Set<string>();
  const editors: Editor[] = Array.from({ length: editorCount }, (_, i) => ({
    replica: new PlaylistReplica(`e${i}`, [], 0),
    connected: true,
    toServer: [],
    toEditor: [],
  }));
  const intents = new Map<string, string[]>();

  const serve = (from: Editor, request: Request) => {
    let outcome: ReturnType<PlaylistDocument['apply']>;
    try {
      outcome = server.apply(request.edit, request.baseVersion, {
        userId: from.replica.clientId,
        now: 0,
        newItemId: () => `i${nextItem++}`,
        clientOpId: request.clientOpId,
      });
    } catch (err) {
      // Only a move of items all removed since may be refused; anything else is a broken transform.
      assert.ok(err instanceof Conflict && request.edit.type === 'move', `refused ${JSON.stringify(request)}: ${err}`);
      from.toEditor.push({ kind: 'settled', clientOpId: request.clientOpId });
      return;
    }
    if (outcome.kind !== 'applied') {
      from.toEditor.push({ kind: 'settled', clientOpId: request.clientOpId });
      return;
    }
    const message: OpMessage = {
      type: 'playlist_op',
      playlistId: 'p',
      version: outcome.entry.version,
      op: outcome.entry.op,
      items: outcome.entry.op.moved
        ? []
        : outcome.block.map(({ itemId, trackId }) => ({ itemId, trackId, addedBy: null, addedAt: 0 })),
      userId: from.replica.clientId,
      clientOpId: request.clientOpId,
    };
    history.push(message);
    for (const m of message.items) added.add(m.itemId);
    for (const id of intents.get(request.clientOpId) ?? []) meantRemoved.add(id);
    for (const e of editors) if (e.connected) e.toEditor.push({ kind: 'op', message });
  };

  const resume = (e: Editor) => {
    e.connected = true;
    for (const m of history.slice(e.replica.version)) assert.ok(e.replica.receive(m));
    e.toServer = e.replica.unacknowledged().map((p) => ({ ...p }));
  };

  const deliver = (e: Editor) => {
    const answer = e.toEditor.shift();
    if (!answer) return;
    if (answer.kind === 'settled') e.replica.settle(answer.clientOpId);
    else if (!e.replica.receive(answer.message)) resume(e);
  };

  const makeEdit = (e: Editor, a: number, b: number, c: number): ItemEdit => {
    const list = e.replica.items;
    const kind = list.length === 0 ? 0 : a % 9;
    if (kind <= 3) {
      // Sometimes a track already in the list: duplicates are separate items.
      const reuse = list.length > 0 && c % 4 === 0;
      const trackIds = Array.from({ length: 1 + (b % 3) }, (_, i) =>
        reuse ? (list[(c + i) % list.length]?.trackId as string) : `t${nextTrack++}`,
      );
      return { type: 'add', index: c % (list.length + 1), trackIds };
    }
    if (kind <= 5) {
      const positions = [...new Set([b % list.length, c % list.length])];
      return {
        type: 'remove',
        tracks: positions.map((p) => ({ trackId: list[p]?.trackId as string, positions: [p] })),
      };
    }
    if (kind <= 7) {
      const rangeStart = b % list.length;
      const rangeLength = 1 + (c % Math.min(3, list.length - rangeStart));
      return { type: 'move', rangeStart, rangeLength, insertBefore: (b + c) % (list.length + 1) };
    }
    return { type: 'replace', trackIds: [`t${nextTrack++}`] };
  };

  for (const { editor, action, a, b, c } of steps) {
    const e = editors[editor % editorCount] as Editor;
    if (action === 'edit') {
      const edit = makeEdit(e, a, b, c);
      const pending = e.replica.edit(edit);
      const list = e.replica.items;
      const meant =
        edit.type === 'remove'
          ? edit.tracks.flatMap((t) => (t.positions ?? []).map((p) => list[p]?.itemId as string))
          : edit.type === 'replace'
            ? list.map((it) => it.itemId)
            : [];
      intents.set(pending.clientOpId, meant);
      if (e.connected) e.toServer.push({ ...pending });
    } else if (action === 'send' && e.connected) {
      const request = e.toServer.shift();
      if (request) serve(e, request);
    } else if (action === 'deliver' && e.connected) {
      deliver(e);
    } else if (action === 'drop' && e.connected) {
      // The connection dies: whatever was in flight either way is lost.
      e.connected = false;
      e.toServer = [];
      e.toEditor = [];
    } else if (action === 'reconnect' && !e.connected) {
      resume(e);
    }
  }
  // Everyone reconnects and the network drains.
  for (const e of editors) if (!e.connected) resume(e);
  for (let busy = true; busy; ) {
    busy = false;
    for (const e of editors) {
      const request = e.toServer.shift();
      if (request) {
        serve(e, request);
        busy = true;
      }
      if (e.toEditor.length > 0) {
        deliver(e);
        busy = true;
      }
    }
  }
  return { server, editors, added, meantRemoved };
}

test('concurrent editors with delays and disconnects: every acknowledged edit lands once, everyone converges', () => {
  const runs = Number(process.env.COLLAB_RUNS ?? 10_000);
  fc.assert(
    fc.property(fc.integer({ min: 2, max: 5 }), fc.array(Step, { minLength: 1, maxLength: 80 }), (count, steps) => {
      const { server, editors, added, meantRemoved } = simulate(count, steps);
      const ids = server.items.map((it) => it.itemId);
      assert.equal(new Set(ids).size, ids.length, 'an item appears twice');
      for (const id of ids) assert.ok(added.has(id), `item ${id} was never added`);
      for (const id of ids) assert.ok(!meantRemoved.has(id), `item ${id} survived a removal meant for it`);
      for (const id of added) {
        if (!meantRemoved.has(id)) assert.ok(ids.includes(id), `added item ${id} was lost`);
      }
      for (const e of editors) {
        assert.equal(e.replica.version, server.version);
        assert.deepEqual(
          e.replica.items.map((it) => it.itemId),
          ids,
          `${e.replica.clientId} diverged`,
        );
        assert.equal(e.replica.unacknowledged().length, 0, `${e.replica.clientId} still waits for an answer`);
      }
      const keys = server.items.map((it) => it.sortKey);
      assert.deepEqual([...keys].sort(), keys, 'order keys out of list order');
    }),
    { numRuns: runs },
  );
});

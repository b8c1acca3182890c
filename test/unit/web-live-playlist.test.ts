import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppliedOp } from '../../src/core/playlists/positions.js';
import type { Frame } from '../../web/src/api/frames.js';
import { LivePlaylistSession } from '../../web/src/library/live-session.js';

const PLAYLIST = 'p'.repeat(22);
const ME = 'u'.repeat(22);

/** A session whose outgoing frames are recorded; `online` decides whether sending succeeds. */
function session() {
  const sent: Frame[] = [];
  let online = true;
  let changes = 0;
  const s = new LivePlaylistSession(
    PLAYLIST,
    ME,
    (frame) => {
      if (online) sent.push(frame);
      return online;
    },
    () => changes++,
    `${ME}:tab1`,
  );
  return {
    s,
    sent,
    changes: () => changes,
    setOnline: (value: boolean) => {
      online = value;
    },
  };
}

const state = (version: number, trackIds: string[]) => ({
  type: 'playlist_state',
  playlistId: PLAYLIST,
  version,
  items: trackIds.map((trackId, i) => ({ itemId: `i${i}`, trackId, addedBy: null, addedAt: 0 })),
});

const op = (version: number, applied: AppliedOp, added: string[] = [], clientOpId: string | null = null) => ({
  type: 'playlist_op',
  playlistId: PLAYLIST,
  version,
  op: applied,
  items: added.map((trackId) => ({ itemId: `n${version}-${trackId}`, trackId, addedBy: 'x', addedAt: 0 })),
  userId: 'someone',
  clientOpId,
});
const add = (at: number, n: number): AppliedOp => ({ removed: [], insertAt: at, inserted: n, moved: false });
const move = (from: number, to: number): AppliedOp => ({
  removed: [[from, from + 1]],
  insertAt: to,
  inserted: 1,
  moved: true,
});

const tracks = (s: LivePlaylistSession) => s.items?.map((it) => it.trackId);

describe('live playlist session (web)', () => {
  it('has no items until the state arrives, then applies ops in server order', () => {
    const { s, sent } = session();
    s.receive({ type: 'welcome' });
    assert.deepEqual(sent.at(-1), { type: 'subscribe', playlist_id: PLAYLIST, version: undefined });
    s.receive(op(4, add(0, 1), ['early']));
    assert.equal(s.items, null, 'ops before the state are ignored (the state includes them)');
    s.receive(state(4, ['a', 'b', 'c']));
    s.receive({ type: 'subscribed', playlist_id: PLAYLIST, version: 4 });
    assert.equal(s.status.kind, 'live');
    s.receive(op(5, move(2, 0)));
    s.receive(op(6, add(3, 1), ['d']));
    s.receive(op(6, add(3, 1), ['d']));
    assert.deepEqual(tracks(s), ['c', 'a', 'b', 'd'], 'a repeated version applies once');
    assert.equal(s.remote?.version, 6, "someone else's change is announced");
  });

  it('asks to catch up from its version when versions were skipped', () => {
    const { s, sent } = session();
    s.receive(state(2, ['a']));
    s.receive(op(4, add(1, 1), ['x']));
    assert.deepEqual(tracks(s), ['a'], 'the op after a gap is not applied');
    assert.deepEqual(sent.at(-1), { type: 'subscribe', playlist_id: PLAYLIST, version: 2 });
  });

  it("sends edits against the replica's version and shows the server's answer", () => {
    const { s, sent } = session();
    s.receive(state(7, ['a', 'b']));
    s.edit({ type: 'move', rangeStart: 1, rangeLength: 1, insertBefore: 0 });
    const frame = sent.at(-1)!;
    assert.equal(frame.type, 'edit');
    assert.equal(frame.version, 7);
    assert.ok(
      frame.client_op_id.startsWith(`${ME}:`),
      'op ids carry the user id, so the server echoes them as they are',
    );
    assert.deepEqual(s.status, { kind: 'saving', pending: 1 });

    s.receive(op(8, move(1, 0), [], frame.client_op_id));
    assert.deepEqual(tracks(s), ['b', 'a']);
    assert.equal(s.remote, null, 'an own edit is not announced as someone else’s');
    s.receive({ type: 'ack', client_op_id: frame.client_op_id, version: 8 });
    assert.deepEqual(s.status, { kind: 'saved', version: 8 });

    s.edit({ type: 'remove', tracks: [{ trackId: 'a', positions: [1] }] });
    s.receive({ type: 'rejected', client_op_id: sent.at(-1)!.client_op_id, status: 403, message: 'you may not edit' });
    assert.deepEqual(s.status, { kind: 'rejected', message: 'you may not edit' });
    assert.deepEqual(tracks(s), ['b', 'a'], 'a refused edit changes nothing');
    s.receive({ type: 'ack', client_op_id: 'someone-else:tab.1', version: 9 });
    assert.equal(s.status.kind, 'rejected', "another editor's answers are not ours");
  });

  it('keeps edits made offline and sends them, and unanswered ones, after the reconnect', () => {
    const { s, sent, setOnline } = session();
    s.receive(state(3, ['a', 'b', 'c']));
    s.edit({ type: 'move', rangeStart: 0, rangeLength: 1, insertBefore: 3 });
    const first = sent.at(-1)!.client_op_id;
    setOnline(false);
    s.receive({ type: 'closed' });
    assert.equal(s.status.kind, 'offline');
    s.edit({ type: 'remove', tracks: [{ trackId: 'b', positions: [1] }] });
    setOnline(true);

    const before = sent.length;
    s.receive({ type: 'welcome' });
    assert.deepEqual(
      sent[before],
      { type: 'subscribe', playlist_id: PLAYLIST, version: 3 },
      'resumes from its version',
    );
    s.receive({ type: 'subscribed', playlist_id: PLAYLIST, version: 3 });
    const resent = sent.slice(before + 1).map((f) => [f.client_op_id, f.version]);
    assert.equal(resent.length, 2);
    assert.deepEqual(resent[0], [first, 3], 'the unanswered edit goes again with its own id and base version');
    assert.deepEqual(s.status, { kind: 'saving', pending: 2 });
  });

  it('tells the listener when access was taken away, and does not subscribe again', () => {
    const { s, sent } = session();
    s.receive(state(2, ['a']));
    s.receive({ type: 'subscribed', playlist_id: PLAYLIST, version: 2 });
    s.receive({ type: 'unsubscribed', playlist_id: 'q'.repeat(22), reason: 'access_revoked', status: 404 });
    assert.equal(s.status.kind, 'live', "another playlist's drop is not ours");
    s.receive({ type: 'unsubscribed', playlist_id: PLAYLIST, reason: 'access_revoked', status: 404, message: 'gone' });
    assert.deepEqual(s.status, { kind: 'revoked' });
    const before = sent.length;
    s.receive({ type: 'welcome' });
    assert.equal(sent.length, before, 'no subscribe after a reconnect');
  });

  it('subscribes again when the server could not check access', () => {
    const { s, sent } = session();
    s.receive(state(2, ['a']));
    s.receive({ type: 'unsubscribed', playlist_id: PLAYLIST, reason: 'unavailable', status: 503, message: 'later' });
    assert.deepEqual(s.status, { kind: 'error', message: 'later' });
    assert.deepEqual(sent.at(-1), { type: 'subscribe', playlist_id: PLAYLIST, version: 2 });
  });

  it('shows a subscription error (a playlist the listener may not open)', () => {
    const { s } = session();
    s.receive({ type: 'error', playlist_id: PLAYLIST, status: 404, message: 'playlist not found' });
    assert.deepEqual(s.status, { kind: 'error', message: 'playlist not found' });
    s.receive({ type: 'error', playlist_id: 'q'.repeat(22), status: 404, message: 'other' });
    assert.deepEqual(s.status, { kind: 'error', message: 'playlist not found' });
  });
});

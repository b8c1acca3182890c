import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { snapshotVersion } from '../../src/core/playlists/snapshot.js';
import { insertCatalog } from '../helpers/catalog-fixtures.js';
import { type Frame, LiveEditor, LiveSocket } from '../helpers/live-client.js';
import { type Account, createPlaylist, jsonInit } from '../helpers/playlists.js';
import { eventually, startTestServer, type TestServer } from '../helpers/server.js';
import { serviceAnswers } from '../helpers/services.js';

/**
 * Who hears a playlist's edits on the live gateway: only those who may read it, checked before the
 * socket listens, and again whenever that may have changed (visibility, collaborators); a listener
 * who lost access is dropped with an `unsubscribed` frame and hears no edit made after the change.
 */

let server: TestServer;
let owner: Account;
let collaborator: Account;
let other: Account;
let follower: Account;
let stranger: Account;
const tracks: string[] = [];

before(async () => {
  server = await startTestServer();
  const account = () => server.account();
  [owner, collaborator, other, follower, stranger] = await Promise.all([
    account(),
    account(),
    account(),
    account(),
    account(),
  ]);
  const rows = await insertCatalog(
    server.services.database.db,
    'ABCD'.split('').map((letter) => ({ name: letter, artist: `Artist ${letter}` })),
  );
  for (const letter of 'ABCD') tracks.push(rows.get(letter)?.track as string);
});
after(() => server.close());

const put = (path: string, body: unknown, as = owner) => server.json(path, jsonInit('PUT', body, as.token));
const setVisibility = async (id: string, settings: { public: boolean; collaborative?: boolean }) =>
  assert.equal((await put(`/v1/playlists/${id}`, { collaborative: false, ...settings })).status, 200);
const invite = async (id: string, who: Account) =>
  assert.equal((await put(`/v1/playlists/${id}/collaborators/${who.id}`, null)).status, 200);
const uninvite = async (id: string, who: Account) =>
  assert.equal(
    (await server.json(`/v1/playlists/${id}/collaborators/${who.id}`, { method: 'DELETE', token: owner.token })).status,
    200,
  );

const editorOf = async (who: Account, id: string) => {
  const e = new LiveEditor(server.url, who.token, who.id, id);
  await e.connect();
  return e;
};

/** A socket subscribed to the playlist (the `subscribed` frame has arrived). */
async function subscriber(who: Account, id: string): Promise<LiveSocket> {
  const socket = await LiveSocket.open(server.url, who.token);
  socket.send({ type: 'subscribe', playlist_id: id });
  const answer = await socket.next((f) => f.playlist_id === id && (f.type === 'subscribed' || f.type === 'error'));
  assert.equal(answer.type, 'subscribed', JSON.stringify(answer));
  return socket;
}

/** The owner adds `n` tracks one edit at a time, each waited for; answers the last version. */
async function ownerEdits(editor: LiveEditor, n: number): Promise<number> {
  let version = editor.replica.version;
  for (let i = 0; i < n; i++) {
    const answer = await editor.edit({ type: 'add', trackIds: [tracks[i % tracks.length] as string] });
    assert.equal(answer.type, 'ack', JSON.stringify(answer));
    version = answer.version;
  }
  return version;
}

/**
 * Waits until everything broadcast up to `version` has been handed to every socket (the owner's own
 * editor has heard it), then until `socket` has read all of it: the gateway answers a ping after
 * whatever it sent that socket before.
 */
async function settled(editor: LiveEditor, version: number, socket: LiveSocket): Promise<void> {
  await eventually(async () => editor.replica.version >= version, 10_000, `the owner's editor to reach ${version}`);
  socket.send({ type: 'ping' });
  await socket.next((f) => f.type === 'pong');
}

const opsOf = (socket: LiveSocket, id: string) =>
  socket.frames.filter((f) => f.type === 'playlist_op' && f.playlistId === id);
const dropFrame = (socket: LiveSocket, id: string) =>
  socket.next((f) => f.type === 'unsubscribed' && f.playlist_id === id, 10_000, true);

function assertDropped(frame: Frame, id: string): void {
  assert.deepEqual(
    { type: frame.type, playlist_id: frame.playlist_id, reason: frame.reason, status: frame.status },
    { type: 'unsubscribed', playlist_id: id, reason: 'access_revoked', status: 404 },
  );
  assert.equal(typeof frame.message, 'string');
}

describe('subscribing to a playlist one may not read', () => {
  test("strangers who keep subscribing to a private playlist hear none of the owner's edits", async () => {
    const id = await createPlaylist(server, owner, { name: 'Diary', public: true });
    // A follower who followed while it was public gains nothing from the follow.
    const followed = await server.request(`/v1/playlists/${id}/followers`, { method: 'PUT', token: follower.token });
    assert.equal(followed.status, 200);
    await setVisibility(id, { public: false });
    const edits = await editorOf(owner, id);
    const spies = await Promise.all([stranger, follower].map((who) => LiveSocket.open(server.url, who.token)));
    const EDITS = 120;
    let writing = true;
    // Each spy subscribes again as soon as it is refused, so some subscribe is always racing an edit
    // (bounded under the gateway's frame rate: 200 at once, 100 a second after).
    const spying = spies.map(async (spy) => {
      for (let sent = 0; writing && sent < 150; sent++) {
        spy.send({ type: 'subscribe', playlist_id: id });
        const refused = await spy.next((f) => f.type === 'error' && f.playlist_id === id);
        assert.equal(refused.status, 404);
      }
    });
    const last = await ownerEdits(edits, EDITS);
    writing = false;
    await Promise.all(spying);
    for (const spy of spies) await settled(edits, last, spy);
    assert.equal(last, EDITS);
    for (const spy of spies) {
      assert.equal(opsOf(spy, id).length, 0, `a spy heard ${opsOf(spy, id).length} of ${EDITS} edits`);
      assert.equal(
        spy.frames.some((f) => f.type === 'playlist_state' || f.type === 'subscribed'),
        false,
      );
      spy.close();
    }
    edits.socket.close();
  });
});

describe('access taken away while subscribed', () => {
  test('a subscriber of a public playlist is dropped when it turns private and hears no later edit', async () => {
    const id = await createPlaylist(server, owner, { name: 'Open for now', public: true });
    const edits = await editorOf(owner, id);
    const listener = await subscriber(stranger, id);
    const before = await ownerEdits(edits, 3);
    await settled(edits, before, listener);
    assert.deepEqual(
      opsOf(listener, id).map((f) => f.version),
      [1, 2, 3],
      'heard every edit while public',
    );

    // Edits keep coming, three at a time, while the owner turns it private: none made after the change
    // may be heard, not even one broadcast while the gateway is still checking.
    let writing = true;
    const writers = [0, 1, 2].map(async () => {
      for (let n = 0; writing && n < 100; n++) await ownerEdits(edits, 1);
    });
    await eventually(async () => edits.replica.version >= before + 6, 10_000, 'edits under way');
    const turned = await put(`/v1/playlists/${id}`, { public: false });
    assert.equal(turned.status, 200);
    const turnedAt = snapshotVersion(id, turned.body.snapshot_id);
    assertDropped(await dropFrame(listener, id), id);
    await eventually(async () => edits.replica.version >= turnedAt + 6, 10_000, 'edits after the change');
    writing = false;
    await Promise.all(writers);
    await settled(edits, await ownerEdits(edits, 1), listener);

    const heard = opsOf(listener, id).map((f) => f.version);
    assert.ok(
      heard.every((v) => v <= turnedAt),
      `heard versions ${heard.join(',')} though it turned private at ${turnedAt}`,
    );
    const dropAt = listener.frames.findIndex((f) => f.type === 'unsubscribed');
    assert.equal(listener.frames.slice(dropAt).filter((f) => f.type === 'playlist_op').length, 0);
    assert.equal(listener.closed, undefined, 'the connection itself stays open');
    edits.socket.close();
    listener.close();
  });

  test('a collaborator removed from a collaborative playlist is dropped; the owner and the others stay', async () => {
    const id = await createPlaylist(server, owner, { name: 'Together', public: false, collaborative: true });
    await invite(id, collaborator);
    await invite(id, other);
    const edits = await editorOf(owner, id);
    const removed = await editorOf(collaborator, id);
    const staying = await editorOf(other, id);
    const ownerSocket = await subscriber(owner, id);
    const first = await removed.edit({ type: 'add', trackIds: [tracks[0] as string] });
    assert.equal(first.type, 'ack');
    await settled(edits, first.version, removed.socket);

    await uninvite(id, collaborator);
    assertDropped(await dropFrame(removed.socket, id), id);
    const last = await ownerEdits(edits, 5);
    const theirs = await staying.edit({ type: 'add', index: 0, trackIds: [tracks[1] as string] });
    assert.equal(theirs.type, 'ack', 'the remaining collaborator still edits');
    await settled(edits, theirs.version, removed.socket);

    assert.deepEqual(
      opsOf(removed.socket, id).map((f) => f.version),
      [first.version],
      'the removed collaborator heard nothing after the removal',
    );
    assert.ok(last < theirs.version);
    await eventually(async () => staying.replica.version === theirs.version, 10_000, 'the remaining collaborator');
    assert.deepEqual(staying.trackIds(), edits.trackIds(), 'the remaining collaborator holds the whole list');
    // Those who stay are checked again too: their edits may come a little later, but all of them come.
    await eventually(
      async () => opsOf(ownerSocket, id).length === theirs.version,
      10_000,
      'the owner hears every edit',
    );
    assert.equal(
      [staying.socket, ownerSocket, edits.socket].some((s) => s.frames.some((f) => f.type === 'unsubscribed')),
      false,
    );
    // The removed collaborator may not come back either.
    const again = await removed.edit({ type: 'add', trackIds: [tracks[2] as string] });
    assert.deepEqual([again.type, again.status], ['rejected', 404]);
    removed.socket.send({ type: 'subscribe', playlist_id: id });
    assert.equal((await removed.socket.next((f) => f.type === 'error' && f.playlist_id === id)).status, 404);
    for (const s of [edits.socket, removed.socket, staying.socket, ownerSocket]) s.close();
  });

  test('turning a shared playlist private drops strangers only; removing its collaborator then drops them', async () => {
    const id = await createPlaylist(server, owner, { name: 'Shared', public: true });
    await invite(id, collaborator);
    const edits = await editorOf(owner, id);
    const ownerSocket = await subscriber(owner, id);
    const guest = await subscriber(collaborator, id);
    const passerby = await subscriber(stranger, id);

    await setVisibility(id, { public: false });
    assertDropped(await dropFrame(passerby, id), id);
    await ownerEdits(edits, 2);
    await eventually(
      async () => opsOf(guest, id).length === 2,
      10_000,
      'a collaborator still reads a private playlist',
    );

    await uninvite(id, collaborator);
    assertDropped(await dropFrame(guest, id), id);
    const last = await ownerEdits(edits, 2);
    await settled(edits, last, guest);
    await settled(edits, last, passerby);
    assert.equal(opsOf(guest, id).length, 2);
    assert.equal(opsOf(passerby, id).length, 0);
    await eventually(async () => opsOf(ownerSocket, id).length === last, 10_000, 'the owner hears every edit');
    for (const s of [edits.socket, ownerSocket, guest, passerby]) s.close();
  });

  test('a missed access notice still stops the edits: each edit says under which access it was made', async () => {
    // The bus delivers at most once; here the collaborator goes without any notice at all.
    const id = await createPlaylist(server, owner, { name: 'Quiet', public: false, collaborative: true });
    await invite(id, collaborator);
    const edits = await editorOf(owner, id);
    const guest = await subscriber(collaborator, id);
    await sql`delete from playlist_collaborators where playlist_id = ${id} and user_id = ${collaborator.id}`.execute(
      server.services.database.db,
    );
    const last = await ownerEdits(edits, 3);
    assertDropped(await dropFrame(guest, id), id);
    await settled(edits, last, guest);
    assert.equal(opsOf(guest, id).length, 0);
    edits.socket.close();
    guest.close();
  });
});

const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const noRedis = (await serviceAnswers(REDIS_URL, 6379)) ? false : `no Redis at ${REDIS_URL}`;

describe('across API processes', { skip: noRedis }, () => {
  // Two servers on one database and one Redis: the change is made through one, the listener is on the other.
  let a: TestServer;
  let b: TestServer;
  before(async () => {
    if (noRedis) return;
    a = await startTestServer({ redisUrl: REDIS_URL });
    b = await startTestServer({ redisUrl: REDIS_URL, databaseUrl: a.services.config.databaseUrl });
  });
  after(async () => {
    await b?.close();
    await a?.close();
  });

  test('turning a playlist private on one process drops its listeners on the other', async () => {
    const [me, passerby] = [await a.account(), await a.account()];
    const [song] = (await insertCatalog(a.services.database.db, [{ name: 'Across', artist: 'Two' }])).values();
    const trackId = song!.track;
    const id = await createPlaylist(a, me, { name: 'Across', public: true });
    const onA = new LiveEditor(a.url, me.token, me.id, id);
    const witness = new LiveEditor(b.url, me.token, me.id, id);
    await onA.connect();
    await witness.connect();
    const listener = await LiveSocket.open(b.url, passerby.token);
    listener.send({ type: 'subscribe', playlist_id: id });
    await listener.next((f) => f.type === 'subscribed' && f.playlist_id === id);
    const add = async () => (await onA.edit({ type: 'add', trackIds: [trackId] })).version as number;
    const heardOnB = async (version: number) => {
      await eventually(async () => witness.replica.version >= version, 10_000, `process b to hear ${version}`);
      listener.send({ type: 'ping' });
      await listener.next((f) => f.type === 'pong');
    };
    await heardOnB(await add());
    assert.equal(opsOf(listener, id).length, 1);

    const turned = await a.json(`/v1/playlists/${id}`, jsonInit('PUT', { public: false }, me.token));
    assert.equal(turned.status, 200);
    assertDropped(await dropFrame(listener, id), id);
    let last = 0;
    for (let i = 0; i < 5; i++) last = await add();
    await heardOnB(last);
    assert.deepEqual(
      opsOf(listener, id).map((f) => f.version),
      [1],
    );
    assert.equal(witness.replica.version, last, 'the owner on the other process hears everything');
    for (const s of [onA.socket, witness.socket, listener]) s.close();
  });
});

describe('authorization matrix of the live gateway', () => {
  // The same table as the HTTP routes' matrix (playlists.test.ts): R read (subscribe), E edit items.
  const expected = {
    private: { owner: 'RE', collaborator: 'R', follower: '', stranger: '' },
    public: { owner: 'RE', collaborator: 'R', follower: 'R', stranger: 'R' },
    collaborative: { owner: 'RE', collaborator: 'RE', follower: '', stranger: '' },
  } as const;
  const settings = {
    private: { public: false, collaborative: false },
    public: { public: true, collaborative: false },
    collaborative: { public: false, collaborative: true },
  };

  for (const [visibility, roles] of Object.entries(expected) as [keyof typeof expected, Record<string, string>][]) {
    test(`${visibility} playlist: subscribe and edit frames by role`, async () => {
      const id = await createPlaylist(server, owner, { name: `${visibility} live` });
      // Followed while public, then switched: the follow alone grants nothing.
      const followed = await server.request(`/v1/playlists/${id}/followers`, { method: 'PUT', token: follower.token });
      assert.equal(followed.status, 200);
      await invite(id, collaborator);
      assert.equal((await put(`/v1/playlists/${id}`, settings[visibility])).status, 200);
      const edits = await editorOf(owner, id);

      const accounts: Record<string, Account> = { owner, collaborator, follower, stranger };
      const sockets: LiveSocket[] = [];
      for (const [role, rights] of Object.entries(roles)) {
        const socket = await LiveSocket.open(server.url, accounts[role]!.token);
        sockets.push(socket);
        socket.send({ type: 'subscribe', playlist_id: id });
        const answer = await socket.next(
          (f) => f.playlist_id === id && (f.type === 'subscribed' || f.type === 'error'),
        );
        if (rights.includes('R')) assert.equal(answer.type, 'subscribed', `${role} subscribes`);
        else assert.deepEqual([answer.type, answer.status], ['error', 404], `${role} subscribes`);

        socket.send({
          type: 'edit',
          playlist_id: id,
          client_op_id: `matrix-${role}`,
          version: edits.replica.version,
          edits: [{ type: 'add', trackIds: [tracks[0]] }],
        });
        const reply = await socket.next((f) => f.client_op_id === `matrix-${role}`);
        const status = rights.includes('E') ? 'ack' : rights.includes('R') ? 403 : 404;
        assert.equal(reply.type === 'ack' ? 'ack' : reply.status, status, `${role} edits: ${JSON.stringify(reply)}`);
      }

      // Then the owner edits once more: exactly the readers hear it.
      const last = await ownerEdits(edits, 1);
      for (const [i, [role, rights]] of Object.entries(roles).entries()) {
        const socket = sockets[i]!;
        await settled(edits, last, socket);
        const heard = opsOf(socket, id).some((f) => f.version === last);
        assert.equal(heard, rights.includes('R'), `${role} hears the owner's edit`);
        if (!rights.includes('R')) assert.equal(opsOf(socket, id).length, 0, `${role} hears nothing`);
      }
      edits.socket.close();
      for (const s of sockets) s.close();
    });
  }
});

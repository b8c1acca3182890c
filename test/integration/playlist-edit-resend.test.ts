import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { insertCatalog } from '../helpers/catalog-fixtures.js';
import { type Frame, LiveSocket } from '../helpers/live-client.js';
import { type Account, addTracks, createPlaylist, jsonInit } from '../helpers/playlists.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * An edit re-sent under a client_op_id that was already applied is answered with the original ack,
 * whatever version it now carries, and never fails the other editors' edits grouped with it.
 */

let server: TestServer;
let owner: Account;
let friend: Account;
const ids: string[] = [];
const LETTERS = 'ABCDEFGHIJ';

before(async () => {
  server = await startTestServer();
  [owner, friend] = await Promise.all([server.account(), server.account()]);
  const rows = await insertCatalog(
    server.services.database.db,
    LETTERS.split('').map((letter) => ({ name: letter, artist: `Artist ${letter}` })),
  );
  for (const letter of LETTERS) ids.push(rows.get(letter)?.track as string);
});
after(() => server.close());

const track = (letter: string) => ids[LETTERS.indexOf(letter)] as string;

async function collaborativePlaylist(): Promise<string> {
  const id = await createPlaylist(server, owner, { name: 'Shared', public: false, collaborative: true });
  const invited = await server.json(
    `/v1/playlists/${id}/collaborators/${friend.id}`,
    jsonInit('PUT', null, owner.token),
  );
  assert.equal(invited.status, 200);
  return id;
}

async function serverOrder(id: string): Promise<string> {
  const r = await server.json(`/v1/playlists/${id}/tracks?limit=100`, { token: owner.token });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.items.map((it: { track: { id: string } }) => LETTERS[ids.indexOf(it.track.id)] ?? '?').join('');
}

const editFrame = (playlistId: string, clientOpId: string, version: number, letter: string) => ({
  type: 'edit',
  playlist_id: playlistId,
  client_op_id: clientOpId,
  version,
  edits: [{ type: 'add', trackIds: [track(letter)] }],
});

/** The first `count` answers on this socket from now on: acks, refusals and errors (a 500 has no op id). */
function answers(socket: LiveSocket, count: number): Promise<Frame[]> {
  const from = socket.frames.length;
  const isAnswer = (f: Frame) => f.type === 'ack' || f.type === 'rejected' || f.type === 'error';
  const got = () => socket.frames.slice(from).filter(isAnswer);
  return socket.next(() => got().length >= count, 30_000, true).then(() => got().slice(0, count));
}

test('an applied edit re-sent with a newer version gets its original ack and is applied once', async () => {
  const id = await collaborativePlaylist();
  const socket = await LiveSocket.open(server.url, friend.token);
  socket.send(editFrame(id, 'first', 0, 'A'));
  const first = await socket.next((f) => f.client_op_id === 'first');
  assert.equal(first.type, 'ack', JSON.stringify(first));
  assert.equal(await addTracks(server, id, owner, [track('B')]), 201);

  // The same edit, now claiming to be made on the version it made, on the latest one (with its fields
  // written in another order), and on one the playlist has not reached.
  const latest = first.version + 1;
  const reordered = { edits: [{ trackIds: [track('A')], type: 'add' }], version: latest };
  const resends = [
    editFrame(id, 'first', first.version, 'A'),
    { ...editFrame(id, 'first', 0, 'A'), ...reordered },
    editFrame(id, 'first', latest + 5, 'A'),
  ];
  for (const frame of resends) {
    socket.send(frame);
    const again = await socket.next((f) => f.client_op_id === 'first');
    assert.deepEqual(
      { type: again.type, version: again.version, snapshot_id: again.snapshot_id },
      { type: 'ack', version: first.version, snapshot_id: first.snapshot_id },
    );
  }
  assert.equal(await serverOrder(id), 'AB');
  socket.close();
});

test('an op id already applied, re-sent with other content, is refused with 409 and changes nothing', async () => {
  const id = await collaborativePlaylist();
  const socket = await LiveSocket.open(server.url, friend.token);
  socket.send(editFrame(id, 'mine', 0, 'A'));
  const first = await socket.next((f) => f.client_op_id === 'mine');
  assert.equal(first.type, 'ack', JSON.stringify(first));
  socket.send(editFrame(id, 'mine', first.version, 'C'));
  const other = await socket.next((f) => f.client_op_id === 'mine');
  assert.equal(other.type, 'rejected', JSON.stringify(other));
  assert.equal(other.status, 409);
  assert.match(other.message, /client_op_id/);
  assert.equal(await serverOrder(id), 'A');
  socket.close();
});

test("one editor spamming re-sends of an applied edit never fails another editor's concurrent edits", async () => {
  const id = await collaborativePlaylist();
  const [spammer, busy] = await Promise.all([
    LiveSocket.open(server.url, friend.token),
    LiveSocket.open(server.url, owner.token),
  ]);
  spammer.send(editFrame(id, 'spam', 0, 'J'));
  const applied = await spammer.next((f) => f.client_op_id === 'spam');
  assert.equal(applied.type, 'ack', JSON.stringify(applied));

  // Re-sends go out before, between and after the 80 edits, so the server groups them together.
  const mine = Array.from({ length: 80 }, (_, i) => `busy-${i}`);
  const resend = (n: number) => {
    for (let i = 0; i < n; i++) spammer.send(editFrame(id, 'spam', applied.version + (i % 3), 'J'));
  };
  const acks = answers(busy, mine.length);
  const spamAnswers = answers(spammer, 100);
  resend(30);
  mine.forEach((op, i) => {
    busy.send(editFrame(id, op, applied.version, LETTERS[i % 9] as string));
    if (i % 10 === 0) resend(5);
  });
  // A REST write in the same moment is one more editor whose write must go through.
  const rest = addTracks(server, id, owner, [track('A')]);
  resend(30);

  const answered = await acks;
  const refused = answered.filter((f) => f.type !== 'ack');
  assert.equal(refused.length, 0, `${refused.length} of 80 edits refused, as ${JSON.stringify(refused[0])}`);
  assert.deepEqual(new Set(answered.map((f) => f.client_op_id)), new Set(mine));
  assert.equal(await rest, 201);
  // Every re-send was answered with the original ack.
  assert.deepEqual(
    new Set((await spamAnswers).map((f) => `${f.type} ${f.version}`)),
    new Set([`ack ${applied.version}`]),
  );

  const order = await serverOrder(id);
  assert.equal(order.length, 1 + 80 + 1, order);
  assert.equal(order.split('J').length - 1, 1, 'the spammed edit was applied once');
  spammer.close();
  busy.close();
});

test('a new edit sent twice at once is applied once; the same id with other content at once is refused', async () => {
  const id = await collaborativePlaylist();
  const socket = await LiveSocket.open(server.url, friend.token);
  const answered = answers(socket, 4);
  // Back to back, before any answer: a copy is caught whether it lands in the batch of its original
  // (found among the batch's own edits) or in a later one (found in the stored log).
  socket.send(editFrame(id, 'twice', 0, 'A'));
  socket.send(editFrame(id, 'twice', 0, 'A'));
  socket.send(editFrame(id, 'other', 0, 'B'));
  socket.send(editFrame(id, 'other', 0, 'C'));
  const [a, b, c, d] = await answered;
  assert.deepEqual([a?.type, b?.type, b?.version, c?.type], ['ack', 'ack', a?.version, 'ack']);
  assert.deepEqual([d?.type, d?.status], ['rejected', 409]);
  assert.equal(await serverOrder(id), 'AB');
  socket.close();
});

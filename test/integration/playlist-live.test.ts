import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { insertCatalog } from '../helpers/catalog-fixtures.js';
import { LiveEditor, LiveSocket } from '../helpers/live-client.js';
import { eventually, startTestServer, type TestServer } from '../helpers/server.js';

/** Live editing over the real gateway: editors see each other's edits, converge, resume, and survive bad frames. */

type Account = { token: string; id: string };
let server: TestServer;
let owner: Account;
let friend: Account;
let stranger: Account;
const ids: string[] = [];

before(async () => {
  server = await startTestServer({ liveHeartbeatMs: 300 });
  [owner, friend, stranger] = await Promise.all([server.account(), server.account(), server.account()]);
  const rows = await insertCatalog(
    server.services.database.db,
    'ABCDEFGHIJ'.split('').map((letter) => ({ name: letter, artist: `Artist ${letter}` })),
  );
  for (const letter of 'ABCDEFGHIJ') ids.push(rows.get(letter)?.track as string);
});
after(() => server.close());

const track = (letter: string) => ids['ABCDEFGHIJ'.indexOf(letter)] as string;
const letters = (trackIds: string[]) => trackIds.map((id) => 'ABCDEFGHIJ'[ids.indexOf(id)] ?? '?').join('');
const send = (method: string, path: string, body: unknown, token = owner.token) =>
  server.json(path, { method, token, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

async function collaborativePlaylist(): Promise<string> {
  const created = await send('POST', `/v1/users/${owner.id}/playlists`, {
    name: 'Live',
    public: false,
    collaborative: true,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const invited = await send('PUT', `/v1/playlists/${created.body.id}/collaborators/${friend.id}`, null);
  assert.equal(invited.status, 200);
  return created.body.id;
}

async function serverOrder(id: string): Promise<string> {
  const r = await server.json(`/v1/playlists/${id}/tracks?limit=100`, { token: owner.token });
  return letters(r.body.items.map((it: { track: { id: string } }) => it.track.id));
}

const editor = async (account: Account, playlistId: string) => {
  const e = new LiveEditor(server.url, account.token, account.id, playlistId);
  await e.connect();
  return e;
};

describe('live editing', () => {
  test('an edit by one editor reaches the other, and both hold the server list', async () => {
    const id = await collaborativePlaylist();
    const [mine, theirs] = [await editor(owner, id), await editor(friend, id)];
    const ack = await mine.edit({ type: 'add', trackIds: [track('A'), track('B')] });
    assert.equal(ack.type, 'ack');
    await eventually(async () => theirs.replica.version === ack.version, 5_000, 'the broadcast');
    assert.equal(letters(theirs.trackIds()), 'AB');
    const reply = await theirs.edit({ type: 'add', index: 1, trackIds: [track('C')] });
    assert.equal(reply.type, 'ack');
    await eventually(async () => mine.replica.version === reply.version, 5_000, 'the reply');
    assert.equal(letters(mine.trackIds()), 'ACB');
    assert.equal(await serverOrder(id), 'ACB');
    mine.socket.close();
    theirs.socket.close();
  });

  test('concurrent edits on the same version are transformed and every editor converges', async () => {
    const id = await collaborativePlaylist();
    const [a, b] = [await editor(owner, id), await editor(friend, id)];
    await a.edit({ type: 'add', trackIds: 'ABCD'.split('').map(track) });
    await eventually(async () => b.replica.version === a.replica.version, 5_000, 'sync');
    // Both act on ABCD at once: a moves A to the end, b removes A and inserts E at the front.
    const answers = await Promise.all([
      a.edit({ type: 'move', rangeStart: 0, rangeLength: 1, insertBefore: 4 }),
      b.edit({ type: 'remove', tracks: [{ trackId: track('A'), positions: [0] }] }),
      b.edit({ type: 'add', index: 0, trackIds: [track('E')] }),
    ]);
    assert.ok(
      answers.every((f) => f.type === 'ack'),
      JSON.stringify(answers),
    );
    const last = Math.max(...answers.map((f) => f.version));
    await eventually(async () => a.replica.version === last && b.replica.version === last, 5_000, 'convergence');
    const final = await serverOrder(id);
    assert.equal(letters(a.trackIds()), final);
    assert.equal(letters(b.trackIds()), final);
    assert.equal(final.includes('A'), false, 'A was removed wherever it had moved');
    assert.equal(final.replace('E', ''), 'BCD');
    a.socket.close();
    b.socket.close();
  });

  test('a REST write reaches live editors', async () => {
    const id = await collaborativePlaylist();
    const live = await editor(friend, id);
    const r = await send('POST', `/v1/playlists/${id}/tracks`, { uris: [`cadenza:track:${track('F')}`] });
    assert.equal(r.status, 201);
    await eventually(async () => letters(live.trackIds()) === 'F', 5_000, 'the REST edit');
    live.socket.close();
  });

  test('an editor that was away catches up, and its queued edits apply exactly once', async () => {
    const id = await collaborativePlaylist();
    const [stay, away] = [await editor(owner, id), await editor(friend, id)];
    await stay.edit({ type: 'add', trackIds: [track('A')] });
    await eventually(async () => away.replica.version === stay.replica.version, 5_000, 'sync');
    away.socket.close();
    await away.socket.waitClosed();
    await stay.edit({ type: 'add', trackIds: [track('B')] });
    // Made offline against the list it last saw; queued until the reconnect.
    const offline = away.edit({ type: 'add', index: 0, trackIds: [track('C')] });
    await away.connect();
    assert.equal((await offline).type, 'ack');
    await eventually(
      async () => away.replica.version === stay.replica.version && away.replica.version >= 3,
      5_000,
      'catch-up',
    );
    assert.equal(await serverOrder(id), 'CAB');
    assert.equal(letters(away.trackIds()), 'CAB');
    stay.socket.close();
    away.socket.close();
  });
});

test('an edit sent again with the same id, as after a lost answer, is applied once', async () => {
  const id = await collaborativePlaylist();
  const socket = await LiveSocket.open(server.url, owner.token);
  const frame = {
    type: 'edit',
    playlist_id: id,
    client_op_id: 'retry-1',
    version: 0,
    edits: [{ type: 'add', trackIds: [track('A')] }],
  };
  socket.send(frame);
  const first = await socket.next((f) => f.type === 'ack');
  socket.close();
  const again = await LiveSocket.open(server.url, owner.token);
  again.send(frame);
  const second = await again.next((f) => f.type === 'ack');
  assert.equal(second.version, first.version);
  assert.equal(await serverOrder(id), 'A');
  again.close();
});

describe('the gateway refuses what it must', () => {
  test('without a token the upgrade is refused with 401', async () => {
    await assert.rejects(LiveSocket.open(server.url, undefined), /401/);
    await assert.rejects(LiveSocket.open(server.url, 'not-a-token'), /401/);
  });

  test('a stranger may not subscribe to a private playlist or edit a public one', async () => {
    const id = await collaborativePlaylist();
    const socket = await LiveSocket.open(server.url, stranger.token);
    socket.send({ type: 'subscribe', playlist_id: id });
    const refused = await socket.next((f) => f.type === 'error');
    assert.equal(refused.status, 404);
    socket.send({
      type: 'edit',
      playlist_id: id,
      client_op_id: 'x',
      version: 0,
      edits: [{ type: 'add', trackIds: [track('A')] }],
    });
    const rejected = await socket.next((f) => f.type === 'rejected');
    assert.equal(rejected.status, 404);
    socket.close();
  });

  test('malformed frames get an error naming the problem and the connection lives on', async () => {
    const socket = await LiveSocket.open(server.url, owner.token);
    const problems: [unknown, RegExp][] = [
      ['{not json', /not JSON/],
      [{ type: 'dance' }, /type must be one of/],
      [{ type: 'subscribe', playlist_id: 'short' }, /playlist_id/],
      [
        {
          type: 'edit',
          playlist_id: 'a'.repeat(22),
          client_op_id: 'x',
          version: 0,
          edits: [{ type: 'add', index: -1, trackIds: [] }],
        },
        /edits/,
      ],
    ];
    for (const [frame, message] of problems) {
      socket.send(frame);
      const error = await socket.next((f) => f.type === 'error');
      assert.equal(error.status, 400);
      assert.match(error.message, message);
    }
    socket.send({ type: 'ping' });
    await socket.next((f) => f.type === 'pong');
    socket.close();
  });

  test('a client that stops answering pings is disconnected; one that answers stays', async () => {
    const url = `${server.url.replace('http', 'ws')}/v1/live?access_token=${owner.token}`;
    const silent = new WebSocket(url, { autoPong: false });
    const lively = await LiveSocket.open(server.url, owner.token);
    const closed = await new Promise<number>((resolve) => silent.once('close', (code) => resolve(code)));
    assert.equal(closed, 1006, 'terminated without a closing handshake');
    lively.send({ type: 'ping' });
    await lively.next((f) => f.type === 'pong');
    assert.equal(lively.closed, undefined);
    lively.close();
  });

  test('a flood of frames is cut off with a policy-violation close', async () => {
    const socket = await LiveSocket.open(server.url, owner.token);
    for (let i = 0; i < 400; i++) socket.send({ type: 'ping' });
    const closed = await socket.waitClosed();
    assert.equal(closed.code, 1008);
    const pongs = socket.frames.filter((f) => f.type === 'pong').length;
    assert.ok(pongs >= 100 && pongs < 400, `answered ${pongs} pings before cutting off`);
  });
});

test("a friend's playback report reaches a follower's live connection", async () => {
  const followed = await send('PUT', `/v1/me/following?type=user&ids=${owner.id}`, null, friend.token);
  assert.equal(followed.status, 204, JSON.stringify(followed.body));
  const socket = await LiveSocket.open(server.url, friend.token);
  const report = await send('PUT', '/v1/me/player/now-playing', {
    track_id: track('A'),
    progress_ms: 1000,
    is_playing: true,
  });
  assert.equal(report.status, 204, JSON.stringify(report.body));
  const frame = await socket.next((f) => f.type === 'friend_activity', 5_000, true);
  assert.equal(frame.activity.user.id, owner.id);
  assert.equal(frame.activity.track.id, track('A'));
  socket.close();
});

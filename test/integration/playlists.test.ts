import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { insertCatalog } from '../helpers/catalog-fixtures.js';
import * as playlists from '../helpers/playlists.js';
import { type Account, jsonInit as json } from '../helpers/playlists.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let owner: Account;
let collaborator: Account;
let follower: Account;
let stranger: Account;
let tracks: Map<string, { track: string }>;

before(async () => {
  server = await startTestServer();
  const account = () => server.account();
  [owner, collaborator, follower, stranger] = await Promise.all([account(), account(), account(), account()]);
  tracks = await insertCatalog(server.services.database.db, [
    { name: 'Halo', artist: 'Beyoncé', album: 'I Am… Sasha Fierce' },
    { name: 'Jóga', artist: 'Björk', album: 'Homogenic' },
  ]);
});
after(() => server.close());

const id = (name: string) => tracks.get(name)!.track;
const createPlaylist = (as: Account, body?: Record<string, unknown>) => playlists.createPlaylist(server, as, body);
const addTracks = (pid: string, by: Account, names: string[]) => playlists.addTracks(server, pid, by, names.map(id));
const appendTracks = async (pid: string, by: Account, names: string[]) =>
  assert.equal(await addTracks(pid, by, names), 201);
const trackNames = (path: string, token?: string) => playlists.trackNames(server, path, token);

describe('permission matrix', () => {
  // Written out, not derived from access.ts, so a change of the rules shows up here.
  const expected = {
    private: { owner: 'RED', collaborator: 'R', follower: '', stranger: '' },
    public: { owner: 'RED', collaborator: 'R', follower: 'R', stranger: 'R' },
    collaborative: { owner: 'RED', collaborator: 'RE', follower: '', stranger: '' },
  } as const;
  const settings = {
    private: { public: false, collaborative: false },
    public: { public: true, collaborative: false },
    collaborative: { public: false, collaborative: true },
  };

  for (const [visibility, roles] of Object.entries(expected) as [keyof typeof expected, Record<string, string>][]) {
    test(`${visibility} playlist: read, item edit and detail edit by role`, async () => {
      // Followed while public, then switched: a follower keeps the follow but not necessarily access.
      const pid = await createPlaylist(owner, { name: `${visibility} list` });
      assert.equal(
        (await server.request(`/v1/playlists/${pid}/followers`, { method: 'PUT', token: follower.token })).status,
        200,
      );
      assert.equal(
        (
          await server.request(`/v1/playlists/${pid}/collaborators/${collaborator.id}`, {
            method: 'PUT',
            token: owner.token,
          })
        ).status,
        200,
      );
      assert.equal(
        (await server.json(`/v1/playlists/${pid}`, json('PUT', settings[visibility], owner.token))).status,
        200,
      );

      const accounts: Record<string, Account> = { owner, collaborator, follower, stranger };
      for (const [role, rights] of Object.entries(roles)) {
        const who = accounts[role]!;
        const read = await server.json(`/v1/playlists/${pid}`, { token: who.token });
        assert.equal(read.status, rights.includes('R') ? 200 : 404, `${role} read`);
        const items = await server.services.playlists.access(who.id, pid).catch(() => undefined);
        assert.equal(items?.canEditItems ?? false, rights.includes('E'), `${role} may edit items`);
        const added = await addTracks(pid, who, ['Halo']);
        assert.equal(added, rights.includes('E') ? 201 : rights.includes('R') ? 403 : 404, `${role} adds an item`);
        const edit = await server.json(`/v1/playlists/${pid}`, json('PUT', { description: `by ${role}` }, who.token));
        assert.equal(edit.status, rights.includes('D') ? 200 : rights.includes('R') ? 403 : 404, `${role} detail edit`);
        const listed = await server.json('/v1/me/playlists?limit=50', { token: who.token });
        const inLibrary = (listed.body.items as { id: string }[]).some((p) => p.id === pid);
        assert.equal(inLibrary, rights.includes('R') && role !== 'stranger', `${role} sees it in /me/playlists`);
      }
      const final = await server.json(`/v1/playlists/${pid}`, { token: owner.token });
      assert.equal(final.body.description, 'by owner');
      const editors = Object.values(roles).filter((rights) => rights.includes('E')).length;
      assert.equal(final.body.tracks.total, editors);
      assert.equal((await server.request(`/v1/playlists/${pid}`)).status, 401);
    });
  }
});

describe('playlist details', () => {
  test('create for yourself only, with Spotify defaults and shape', async () => {
    const other = await server.json(`/v1/users/${stranger.id}/playlists`, json('POST', { name: 'x' }, owner.token));
    assert.equal(other.status, 403);
    const r = await server.json(`/v1/users/${owner.id}/playlists`, json('POST', { name: ' Road Trip ' }, owner.token));
    assert.equal(r.status, 201);
    assert.equal(r.body.name, 'Road Trip');
    assert.equal(r.body.public, true);
    assert.equal(r.body.collaborative, false);
    assert.equal(r.body.owner.id, owner.id);
    assert.equal(r.body.followers.total, 0);
    assert.equal(r.body.tracks.total, 0);
    assert.equal(r.body.uri, `cadenza:playlist:${r.body.id}`);
    const collab = await server.json(
      `/v1/users/${owner.id}/playlists`,
      json('POST', { name: 'c', collaborative: true }, owner.token),
    );
    assert.deepEqual([collab.body.public, collab.body.collaborative], [false, true]);
  });

  test('collaborative and public together are refused, naming the field', async () => {
    const both = await server.json(
      `/v1/users/${owner.id}/playlists`,
      json('POST', { name: 'c', collaborative: true, public: true }, owner.token),
    );
    assert.equal(both.status, 400);
    assert.match(both.body.error.message, /^public:/);
    const pid = await createPlaylist(owner);
    const turnOn = await server.json(`/v1/playlists/${pid}`, json('PUT', { collaborative: true }, owner.token));
    assert.equal(turnOn.status, 400);
    assert.match(turnOn.body.error.message, /^collaborative:/);
    const ok = await server.json(
      `/v1/playlists/${pid}`,
      json('PUT', { collaborative: true, public: false }, owner.token),
    );
    assert.deepEqual([ok.status, ok.body.public, ok.body.collaborative], [200, false, true]);
    const publish = await server.json(`/v1/playlists/${pid}`, json('PUT', { public: true }, owner.token));
    assert.equal(publish.status, 400);
    assert.match(publish.body.error.message, /^public:/);
  });

  test('racing changes of visibility never leave a collaborative public playlist nor fail with 500', async () => {
    for (let round = 0; round < 10; round++) {
      const pid = await createPlaylist(owner);
      const [collab, publish] = await Promise.all([
        server.json(`/v1/playlists/${pid}`, json('PUT', { collaborative: true, public: false }, owner.token)),
        server.json(`/v1/playlists/${pid}`, json('PUT', { public: true }, owner.token)),
      ]);
      assert.ok(
        [200, 400].includes(collab.status) && [200, 400].includes(publish.status),
        `${collab.status} ${publish.status}`,
      );
      const final = (await server.json(`/v1/playlists/${pid}`, { token: owner.token })).body;
      assert.ok(!(final.public && final.collaborative));
    }
  });

  test('bad input is refused naming the field', async () => {
    const pid = await createPlaylist(owner);
    const cases: [string, RequestInit & { token?: string }, RegExp][] = [
      [`/v1/playlists/${pid}`, json('PUT', { name: 'n'.repeat(10_000) }, owner.token), /body\.name/],
      [`/v1/playlists/${pid}`, json('PUT', { public: 'yes' }, owner.token), /body\.public/],
      [`/v1/playlists/${pid}`, json('PUT', { name: '   ' }, owner.token), /^name/],
      [`/v1/playlists/${pid}`, json('PUT', { colour: 'red' }, owner.token), /colour/],
      [`/v1/users/${owner.id}/playlists`, json('POST', { description: 'no name' }, owner.token), /body\.name/],
      [`/v1/playlists/${pid}/tracks?limit=101`, { token: owner.token }, /query.*limit/],
      [`/v1/playlists/${pid}/export?format=pdf`, { token: owner.token }, /format/],
      [`/v1/me/playlists/import?format=wpl`, { method: 'POST', body: 'x', token: owner.token }, /format/],
    ];
    for (const [path, init, message] of cases) {
      const r = await server.json(path, init);
      assert.equal(r.status, 400, `${path} ${init.body}`);
      assert.match(r.body.error.message, message);
    }
  });

  test('details change without a new snapshot; an item edit makes one', async () => {
    const pid = await createPlaylist(owner, { name: 'Before', description: 'old' });
    const first = await server.json(`/v1/playlists/${pid}`, { token: owner.token });
    const again = await server.json(`/v1/playlists/${pid}`, { token: owner.token });
    assert.equal(first.body.snapshot_id, again.body.snapshot_id);
    const put = await server.json(`/v1/playlists/${pid}`, json('PUT', { name: 'After', description: '' }, owner.token));
    assert.deepEqual([put.body.name, put.body.description], ['After', '']);
    const read = await server.json(`/v1/playlists/${pid}`, { token: stranger.token });
    assert.equal(read.body.name, 'After');
    assert.equal(read.body.snapshot_id, first.body.snapshot_id);
    await appendTracks(pid, owner, ['Halo']);
    const edited = await server.json(`/v1/playlists/${pid}`, { token: owner.token });
    assert.notEqual(edited.body.snapshot_id, first.body.snapshot_id);
    assert.equal(edited.body.tracks.total, 1);
  });

  test('items page in order with who added them; lists page too', async () => {
    const pid = await createPlaylist(owner);
    await appendTracks(pid, owner, ['Halo', 'Jóga']);
    await appendTracks(pid, owner, ['Halo']);
    const page = await server.json(`/v1/playlists/${pid}/tracks?limit=2`, { token: stranger.token });
    assert.deepEqual(
      page.body.items.map((i: { track: { name: string } }) => i.track.name),
      ['Halo', 'Jóga'],
    );
    assert.equal(page.body.total, 3);
    assert.match(page.body.next, /offset=2&limit=2$/);
    assert.equal(page.body.items[0].added_by.id, owner.id);
    assert.equal(page.body.items[0].is_local, false);
    assert.equal(page.body.items[0].track.uri, `cadenza:track:${id('Halo')}`);
    assert.deepEqual(await trackNames(`/v1/playlists/${pid}/tracks?offset=2`, stranger.token), ['Halo']);
  });

  test('a track that stops being available stays in its place as null, and comes back', async () => {
    const [gone] = await insertCatalog(server.services.database.db, [{ name: 'Withdrawn', artist: 'Label' }]).then(
      (m) => [...m.values()],
    );
    const pid = await createPlaylist(owner);
    assert.equal(await playlists.addTracks(server, pid, owner, [id('Halo'), gone!.track, id('Jóga')]), 201);
    const db = server.services.database.db;
    await db.updateTable('albums').set({ status: 'draft' }).where('id', '=', gone!.album).execute();
    const items = (await server.json(`/v1/playlists/${pid}/tracks`, { token: owner.token })).body;
    assert.deepEqual(
      items.items.map((i: { track: { name: string } | null }) => i.track?.name ?? null),
      ['Halo', null, 'Jóga'],
    );
    assert.equal(items.total, 3);
    await db.updateTable('albums').set({ status: 'published' }).where('id', '=', gone!.album).execute();
    assert.deepEqual(await trackNames(`/v1/playlists/${pid}/tracks`, owner.token), ['Halo', 'Withdrawn', 'Jóga']);
  });
});

describe('libraries and followers', () => {
  test('a profile shows only public playlists unless it is yours', async () => {
    const user = await server.account();
    const open = await createPlaylist(user, { name: 'open' });
    const closed = await createPlaylist(user, { name: 'closed', public: false });
    const ids = async (path: string, token: string) =>
      ((await server.json(path, { token })).body.items as { id: string }[]).map((p) => p.id).sort();
    assert.deepEqual(await ids(`/v1/users/${user.id}/playlists`, stranger.token), [open]);
    assert.deepEqual(await ids(`/v1/users/${user.id}/playlists`, user.token), [open, closed].sort());
    assert.deepEqual(await ids('/v1/me/playlists', user.token), [open, closed].sort());
    assert.equal((await server.json('/v1/users/nobody/playlists', { token: stranger.token })).status, 404);
  });

  test('follow counts, contains, unfollow; a private playlist cannot be followed', async () => {
    const pid = await createPlaylist(owner);
    const fan = await server.account();
    assert.equal(
      (await server.request(`/v1/playlists/${pid}/followers`, { method: 'PUT', token: fan.token })).status,
      200,
    );
    assert.equal((await server.json(`/v1/playlists/${pid}`, { token: fan.token })).body.followers.total, 1);
    const contains = await server.json(
      `/v1/playlists/${pid}/followers/contains?ids=${fan.id},${stranger.id},${owner.id}`,
      {
        token: stranger.token,
      },
    );
    assert.deepEqual(contains.body, [true, false, true]);
    assert.equal((await server.json(`/v1/users/${fan.id}/playlists`, { token: stranger.token })).body.total, 1);
    // A follow made private stays in your library but leaves your public profile.
    const quiet = await server.json(`/v1/playlists/${pid}/followers`, json('PUT', { public: false }, fan.token));
    assert.equal(quiet.status, 200);
    assert.equal((await server.json(`/v1/users/${fan.id}/playlists`, { token: stranger.token })).body.total, 0);
    assert.equal((await server.json('/v1/me/playlists', { token: fan.token })).body.items[0].id, pid);
    assert.equal((await server.json(`/v1/playlists/${pid}`, { token: fan.token })).body.followers.total, 1);
    assert.equal(
      (await server.request(`/v1/playlists/${pid}/followers`, { method: 'DELETE', token: fan.token })).status,
      200,
    );
    assert.equal((await server.json(`/v1/playlists/${pid}`, { token: fan.token })).body.followers.total, 0);

    const secret = await createPlaylist(owner, { name: 's', public: false });
    assert.equal(
      (await server.request(`/v1/playlists/${secret}/followers`, { method: 'PUT', token: fan.token })).status,
      404,
    );
  });

  test('collaborators: only the owner adds and removes them; they see the playlist while invited', async () => {
    const pid = await createPlaylist(owner, { name: 'together', collaborative: true });
    const guest = await server.account();
    const byOther = await server.json(`/v1/playlists/${pid}/collaborators/${stranger.id}`, {
      method: 'PUT',
      token: guest.token,
    });
    assert.equal(byOther.status, 404);
    const added = await server.json(`/v1/playlists/${pid}/collaborators/${guest.id}`, {
      method: 'PUT',
      token: owner.token,
    });
    assert.deepEqual(
      added.body.items.map((c: { user: { id: string } }) => c.user.id),
      [guest.id],
    );
    const byGuest = await server.json(`/v1/playlists/${pid}/collaborators/${stranger.id}`, {
      method: 'PUT',
      token: guest.token,
    });
    assert.equal(byGuest.status, 403);
    assert.equal(
      (await server.json(`/v1/playlists/${pid}/collaborators/${'x'.repeat(22)}`, { method: 'PUT', token: owner.token }))
        .status,
      404,
    );
    assert.equal((await server.json(`/v1/playlists/${pid}`, { token: guest.token })).status, 200);
    const removed = await server.json(`/v1/playlists/${pid}/collaborators/${guest.id}`, {
      method: 'DELETE',
      token: owner.token,
    });
    assert.deepEqual(removed.body.items, []);
    assert.equal((await server.json(`/v1/playlists/${pid}`, { token: guest.token })).status, 404);
  });
});

import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { october, P, type RoyaltyWorld, royaltyWorld } from '../helpers/royalties.js';

/**
 * Who sets splits and who reads statements: refused splits name their field, artists see only their
 * own holders' lines, and the CSV statements of the API and the CLI (amounts: royalties.test.ts).
 */

let w: RoyaltyWorld;
let tracks: RoyaltyWorld['tracks'];
let holders: RoyaltyWorld['holders'];
let run: RoyaltyWorld['run'];
let setSplits: RoyaltyWorld['setSplits'];
let server: RoyaltyWorld['server'];
let artistA: RoyaltyWorld['artistA'];
let artistB: RoyaltyWorld['artistB'];

before(async () => {
  w = await royaltyWorld();
  ({ tracks, holders, run, setSplits, server, artistA, artistB } = w);
  await october(w);
  await w.server.services.royalties.run(P);
});
after(() => w.server.close());

test('splits that do not sum to 100 % are refused with 400 naming the field; only admins set them', async () => {
  const short = await setSplits(tracks.t1, [
    [holders.A, 6000],
    [holders.B, 3000],
  ]);
  assert.equal(short.status, 400);
  assert.match(short.body.error.message, /^splits must sum to exactly 10000 .*9000 \(90 %\)/);
  const zero = await setSplits(tracks.t1, [
    [holders.A, 0],
    [holders.B, 10000],
  ]);
  assert.equal(zero.status, 400);
  assert.match(zero.body.error.message, /body\.splits\.0\.share_bp/);
  const stranger = await setSplits(tracks.t1, [['nobody', 10000]]);
  assert.equal(stranger.status, 400);
  assert.match(stranger.body.error.message, /splits\[0\]\.holder_id/);
  assert.equal((await setSplits(tracks.t1, [[holders.A, 10000]], artistA.token)).status, 403);
  // Nothing refused was stored.
  assert.deepEqual(await w.server.services.royalties.run(P).then((s) => s.paidMicros), 19_685_714n);
  const cli = await run('split', '--track', tracks.t2, '--share', `${holders.B}:9999`);
  assert.equal(cli.code, 2);
  assert.match(cli.stderr, /sum to exactly 10000/);
});

test('artists see only the statements of their own rights holders', async () => {
  const a = await server.json(`/v1/me/royalties/statements?period=${P}`, { token: artistA.token });
  assert.equal(a.status, 200);
  assert.deepEqual(
    a.body.items.map((l: { holder: { id: string }; amount_micros: string }) => [l.holder.id, l.amount_micros]),
    [[holders.A, '4857143']],
  );
  assert.equal(a.body.items[0].track.name, 'One');
  assert.deepEqual(a.body.totals, [{ market: 'DE', amount_micros: '4857143' }]);
  const b = await server.json(`/v1/me/royalties/statements?period=${P}`, { token: artistB.token });
  assert.deepEqual(b.body.totals, [
    { market: 'DE', amount_micros: String(3238095 + 3190476) },
    { market: 'SE', amount_micros: '8400000' },
  ]);
  assert.ok(b.body.items.every((l: { holder: { id: string } }) => l.holder.id === holders.B));
  const listener = await server.account();
  assert.equal((await server.json(`/v1/me/royalties/statements?period=${P}`, { token: listener.token })).status, 403);
  assert.equal((await server.json(`/v1/me/royalties/statements?period=2026-13`, { token: artistA.token })).status, 400);
  const csv = await server.request(`/v1/me/royalties/statements?period=${P}&format=csv`, { token: artistB.token });
  assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
  assert.equal((await csv.text()).split('\r\n').length, 1 + 3 + 1);
});

test('statements as CSV from the CLI: one holder on stdout, or one file per holder', async () => {
  const r = await run('statement', '--period', P, '--holder', holders.B);
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout.trimEnd().split('\r\n');
  assert.equal(
    rows[0],
    'period,market,holder_id,holder_name,track_id,track_name,share_bp,premium_streams,free_streams,amount_micros',
  );
  assert.equal(rows.length, 4);
  assert.deepEqual(
    rows.slice(1).map((row) => row.split(',').length),
    [10, 10, 10],
  );
  assert.ok(rows.slice(1).every((row) => row.startsWith(`${P},`) && row.includes(`,${holders.B},Holder B,`)));
  const cents = rows.slice(1).reduce((sum, row) => sum + Number(row.split(',')[9]), 0);
  assert.equal(cents, 3238095 + 3190476 + 8400000);
  const dir = await mkdtemp(join(tmpdir(), 'cadenza-statements-'));
  try {
    assert.equal((await run('statement', '--period', P, '--out', dir)).code, 0);
    const files = (await readdir(dir)).sort();
    assert.deepEqual(files, [`${P}_${holders.A}.csv`, `${P}_${holders.B}.csv`].sort());
    assert.equal(await readFile(join(dir, `${P}_${holders.B}.csv`), 'utf8'), r.stdout);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

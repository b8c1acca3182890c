import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { cadenza } from '../helpers/cli.js';

const scratch = await mkdtemp(join(tmpdir(), 'cadenza-recs-cli-'));
after(() => rm(scratch, { recursive: true, force: true }));

const run = (args: string[]) => cadenza(['recs', ...args], {}).done;
const file = async (name: string, text: string) => {
  const path = join(scratch, name);
  await writeFile(path, text);
  return path;
};

/** Two taste groups of listeners (artists a1..a6 and b1..b6); every listener misses one artist of their group. */
function listens(): string {
  const lines = ['user\titem\tweight'];
  for (const g of ['a', 'b'])
    for (let u = 1; u <= 6; u++)
      for (let i = 1; i <= 6; i++) if (i !== u) lines.push(`${g}${u}\t${g}-artist${i}\t${u * i}`);
  return `${lines.join('\n')}\n`;
}

const rowsOf = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((l) => l.split('\t'));

test('recs fit then recommend: user, item, rank rows, the missing artist of the group first', async () => {
  const input = await file('listens.tsv', listens());
  const model = join(scratch, 'listens.model');
  const fit = await run(['fit', '--interactions', input, '--out', model, '--model', 'itemknn']);
  assert.equal(fit.code, 0, fit.stderr);
  assert.match(fit.stderr, /fitted itemknn on 12 users × 12 items/);
  const users = await file('users.tsv', 'user\na2\nb5\n');
  const out = await run(['recommend', '--model', model, '--users', users, '--k', '3']);
  assert.equal(out.code, 0, out.stderr);
  const rows = rowsOf(out.stdout);
  assert.deepEqual(rows[0], ['user', 'item', 'rank']);
  assert.deepEqual(
    rows.slice(1).map((r) => r[2]),
    ['1', '2', '3', '1', '2', '3'],
  );
  assert.deepEqual(rows[1], ['a2', 'a-artist2', '1']);
  assert.deepEqual(rows[4], ['b5', 'b-artist5', '1']);
  // Each listener has every other artist of their group: none of those may come back.
  for (const [user, item] of rows.slice(1)) {
    if (item!.startsWith(`${user![0]}-`))
      assert.equal(item, `${user![0]}-artist${user![1]}`, `${user} already has ${item}`);
  }
});

test('recs fit --playlists (in a worker, the default ours) then continue: pid, track_uri, rank rows without the seeds', async () => {
  const lines = ['pid\tpos\ttrack_uri'];
  for (let p = 0; p < 8; p++) {
    const g = p % 2 === 0 ? 'rock' : 'jazz';
    for (let t = 0; t < 6; t++) lines.push(`${p}\t${t}\tspotify:track:${g}${(p + t) % 8}`);
  }
  const input = await file('playlists.tsv', `${lines.join('\n')}\n`);
  const model = join(scratch, 'playlists.model');
  const fit = await run([
    'fit',
    '--playlists',
    input,
    '--out',
    model,
    '--param',
    'ials.factors=4',
    '--param',
    'ease.minUsers=1',
  ]);
  assert.equal(fit.code, 0, fit.stderr);
  const seeds = await file(
    'seeds.tsv',
    'pid\tpos\ttrack_uri\nnew\t1\tspotify:track:jazz2\nnew\t0\tspotify:track:jazz1\n',
  );
  const out = await run(['continue', '--model', model, '--seeds', seeds, '--k', '4']);
  assert.equal(out.code, 0, out.stderr);
  const rows = rowsOf(out.stdout);
  assert.deepEqual(rows[0], ['pid', 'track_uri', 'rank']);
  assert.equal(rows.length, 5);
  for (const [n, r] of rows.slice(1).entries()) {
    assert.equal(r[0], 'new');
    assert.match(r[1]!, /^spotify:track:jazz[0-7]$/);
    assert.ok(r[1] !== 'spotify:track:jazz1' && r[1] !== 'spotify:track:jazz2', 'a seed came back');
    assert.equal(r[2], String(n + 1));
  }
});

test("recs fit --catalogue keeps each track's artist in the model: continue follows a seed no playlist holds", async () => {
  const lines = ['pid\tpos\ttrack_uri'];
  for (let p = 0; p < 6; p++)
    for (let t = 0; t < 4; t++) lines.push(`${p}\t${t}\tspotify:track:${p < 3 ? 'x' : 'y'}${(p + t) % 6}`);
  const input = await file('artists-playlists.tsv', `${lines.join('\n')}\n`);
  const rows = ['track_name\tartist_name\ttrack_uri'];
  for (let t = 0; t < 6; t++)
    rows.push(`Song ${t}\tX Band\tspotify:track:x${t}`, `Tune ${t}\tY Trio\tspotify:track:y${t}`);
  rows.push('New one\tY Trio\tspotify:track:y-new');
  const catalogue = await file('catalogue.tsv', `${rows.join('\n')}\n`);
  const model = join(scratch, 'artists.model');
  const params = ['--param', 'ials.factors=2', '--param', 'ours.rp3=0', '--param', 'ours.ials=0'];
  const fit = await run(['fit', '--playlists', input, '--catalogue', catalogue, '--out', model, ...params]);
  assert.equal(fit.code, 0, fit.stderr);
  const seeds = await file('new-seeds.tsv', 'pid\tpos\ttrack_uri\nnew\t0\tspotify:track:y-new\n');
  const out = await run(['continue', '--model', model, '--seeds', seeds, '--k', '6']);
  assert.equal(out.code, 0, out.stderr);
  const tracks = rowsOf(out.stdout)
    .slice(1)
    .map((r) => r[1]);
  assert.deepEqual(new Set(tracks), new Set([0, 1, 2, 3, 4, 5].map((t) => `spotify:track:y${t}`)));

  const noArtist = await file('no-artist.tsv', 'track_uri\ttrack_name\nspotify:track:x0\tSong\n');
  const bad = await run(['fit', '--playlists', input, '--catalogue', noArtist, '--out', model]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /no-artist\.tsv line 1: the header has no column artist_name/);
});

test('bad input names the line and the field and exits non-zero', async () => {
  const out = join(scratch, 'never.model');
  const missing = await file('missing.tsv', 'user\titem\tweight\nu1\ti1\t3\nu2\ti2\n');
  let r = await run(['fit', '--interactions', missing, '--out', out]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /missing\.tsv line 3: missing column weight/);

  const nonNumeric = await file('words.tsv', 'user\titem\tweight\nu1\ti1\tlots\n');
  r = await run(['fit', '--interactions', nonNumeric, '--out', out]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /words\.tsv line 2: weight "lots" is not a number/);

  r = await run(['fit', '--interactions', nonNumeric, '--out', out, '--colour', 'red']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /Unknown option '--colour'/);

  r = await run(['recommend', '--model', join(scratch, 'absent.model'), '--users', nonNumeric]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /--model .*absent\.model: no such file/);

  r = await run(['fit', '--interactions', nonNumeric, '--out', out, '--model', 'magic']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /--model must be one of ours, ials/);

  r = await run(['refit', '--now']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /recs refit takes no arguments \(got --now\)/);
});

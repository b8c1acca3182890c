import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeTone } from '../helpers/audio.js';
import { cadenza } from '../helpers/cli.js';
import { createTestDatabase } from '../helpers/db.js';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let data: string;
let music: string;
let env: Record<string, string>;

before(async () => {
  database = await createTestDatabase();
  data = await mkdtemp(join(tmpdir(), 'cadenza-cli-'));
  await chmod(data, 0o755);
  music = await mkdtemp(join(tmpdir(), 'cadenza-cli-music-'));
  await makeTone(join(music, 'good.opus'), { seconds: 2, tags: { title: 'Good', artist: 'CLI' } });
  await writeFile(join(music, 'broken.flac'), 'fLaC but not really');
  // Its header is fine; only the pipeline's full decode finds the missing audio.
  const cut = await makeTone(join(music, 'cut.flac'), { seconds: 6, tags: { title: 'Cut', artist: 'CLI' } });
  await truncate(cut, Math.floor((await readFile(cut)).length / 3));
  env = { DATABASE_URL: database.url, CADENZA_DATA_DIR: data };
});
after(async () => {
  await database.drop();
  await rm(data, { recursive: true, force: true });
  await rm(music, { recursive: true, force: true });
});

test('import finishes the good files, then exits 1 naming each failed one', { timeout: 120_000 }, async () => {
  const r = await cadenza(['import', music, '--transcode', 'eager'], env).done;
  assert.equal(r.code, 1);
  assert.match(r.stdout, /imported 1 tracks, 2 failed/);
  assert.match(r.stdout, /failed: .*broken\.flac: the audio header/);
  assert.match(r.stdout, /failed: .*cut\.flac: .*(truncated|corrupt|not a readable)/);
  const json = await cadenza(['import', music, '--json'], env).done;
  assert.equal(json.code, 1);
  const report = JSON.parse(json.stdout);
  assert.deepEqual(Object.keys(report).sort(), ['failed', 'summary', 'tracks']);
  assert.deepEqual(Object.keys(report.tracks[0]).sort(), ['id', 'path', 'title']);
  assert.equal(report.tracks[0].title, 'Good');
  assert.match(report.failed[0].path, /broken\.flac$/);
  assert.equal(report.summary.transcode, 'eager', 'the library remembers its mode');
});

test('cadenza jobs shows the operator each failure with its reason', async () => {
  const r = await cadenza(['jobs', '--state', 'failed'], env).done;
  assert.equal(r.code, 0);
  assert.match(r.stdout, /failed 1/);
  assert.match(r.stdout, /cut\.flac\n\s+reason: .*(truncated|corrupt|not a readable)/);
  const bad = await cadenza(['jobs', '--state', 'sleeping'], env).done;
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--state must be/);
});

test('user commands validate their input and list accounts', async () => {
  const added = await cadenza(
    ['user', 'add', '--username', 'ann', '--password', 'pw-long-enough', '--role', 'artist'],
    env,
  ).done;
  assert.equal(added.code, 0, added.stderr);
  assert.equal(JSON.parse(added.stdout).role, 'artist');
  const dup = await cadenza(['user', 'add', '--username', 'ANN', '--password', 'pw-long-enough'], env).done;
  assert.equal(dup.code, 2);
  assert.match(dup.stderr, /username is already taken/);
  const premium = await cadenza(['user', 'set-product', '--username', 'ann', '--product', 'premium'], env).done;
  assert.match(premium.stdout, /ann is now premium/);
  const badRole = await cadenza(['user', 'set-role', '--username', 'ann', '--role', 'king'], env).done;
  assert.equal(badRole.code, 2);
  assert.match(badRole.stderr, /role must be one of/);
  const list = await cadenza(['user', 'list'], env).done;
  assert.match(list.stdout, /ann\s+artist\s+premium\s+US/);
});

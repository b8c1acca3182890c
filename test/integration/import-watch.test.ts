import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeTone } from '../helpers/audio.js';
import { type CliResult, cadenza } from '../helpers/cli.js';
import { eventually, startTestServer, type TestServer } from '../helpers/server.js';

// `cadenza import --watch` beside a running server: what is added, changed or removed in the folder
// shows in the catalogue and in search within seconds.

let server: TestServer;
let music: string;
let scratch: string;
let token: string;
let watcher: { child: import('node:child_process').ChildProcess; done: Promise<CliResult> };
let stderr = '';

const WITHIN_MS = 20_000;

before(async () => {
  server = await startTestServer();
  token = (await server.account()).token;
  music = await mkdtemp(join(tmpdir(), 'cadenza-watch-'));
  scratch = await mkdtemp(join(tmpdir(), 'cadenza-watch-scratch-'));
  await chmod(music, 0o755);
  await mkdir(join(music, 'Wren/First'), { recursive: true });
  await makeTone(join(music, 'Wren/First/01 - Morning.flac'), {
    seconds: 2,
    tags: { title: 'Morning Light', artist: 'Wren', album: 'First', track: '1' },
  });
  watcher = cadenza(['import', '--watch', music], {
    DATABASE_URL: server.services.config.databaseUrl!,
    CADENZA_DATA_DIR: server.dataDir,
  });
  watcher.child.stderr!.on('data', (d) => {
    stderr += d;
  });
  await eventually(async () => /watching .* for changes/.test(stderr), 60_000, 'the watcher to start');
});
after(async () => {
  watcher?.child.kill('SIGKILL');
  await server?.close();
  await rm(music, { recursive: true, force: true });
  await rm(scratch, { recursive: true, force: true });
});

async function searchIds(q: string): Promise<string[]> {
  const { body } = await server.json(`/v1/search?q=${encodeURIComponent(q)}&type=track`, { token });
  return body.tracks.items.map((t: { id: string }) => t.id);
}

async function trackOf(path: string): Promise<string | undefined> {
  const row = await server.services.database.db
    .selectFrom('library_files')
    .select('track_id')
    .where('path', '=', path)
    .executeTakeFirst();
  return row?.track_id ?? undefined;
}

test('a file added in a new folder is listed and searchable within seconds', { timeout: 60_000 }, async () => {
  await mkdir(join(music, 'Wren/Second'), { recursive: true });
  const path = join(music, 'Wren/Second/01 - Added.flac');
  await makeTone(path, {
    seconds: 2,
    frequency: 523,
    tags: { title: 'Evening Tide', artist: 'Wren', album: 'Second' },
  });
  const id = await eventually(() => trackOf(path), WITHIN_MS, 'the new file to be registered');
  await eventually(async () => (await searchIds('evening tide')).includes(id), WITHIN_MS, 'search to find it');
  const { status, body } = await server.json(`/v1/tracks/${id}`, { token });
  assert.equal(status, 200);
  assert.equal(body.album.name, 'Second');
});

test('a file whose tags change keeps its track, with the new tags', { timeout: 60_000 }, async () => {
  const path = join(music, 'Wren/First/01 - Morning.flac');
  const id = await eventually(() => trackOf(path), WITHIN_MS, 'the first file');
  assert.ok((await searchIds('morning light')).includes(id));
  // As a tag editor saves: a new file moved over the old one.
  const edited = join(scratch, 'edited.flac');
  await makeTone(edited, { seconds: 2, tags: { title: 'Daybreak', artist: 'Wren', album: 'First', track: '1' } });
  await rename(edited, path);
  await eventually(
    async () => (await server.json(`/v1/tracks/${id}`, { token })).body?.name === 'Daybreak',
    WITHIN_MS,
    'the new title',
  );
  await eventually(async () => (await searchIds('daybreak')).includes(id), WITHIN_MS, 'search to find the new title');
  assert.equal(await trackOf(path), id);
});

test('a removed file retires its track', { timeout: 60_000 }, async () => {
  const path = join(music, 'Wren/Second/01 - Added.flac');
  const id = (await trackOf(path))!;
  await rm(path);
  await eventually(
    async () => (await server.json(`/v1/tracks/${id}`, { token })).status === 404,
    WITHIN_MS,
    'the track to go',
  );
  await eventually(async () => !(await searchIds('evening tide')).includes(id), WITHIN_MS, 'search to drop it');
});

test('a removed folder retires the tracks of every file in it', { timeout: 60_000 }, async () => {
  const folder = join(music, 'Wren/Third');
  await mkdir(folder);
  const paths = [join(folder, '01 - Dusk.flac'), join(folder, '02 - Night.flac')];
  for (const [i, path] of paths.entries()) {
    await makeTone(path, { seconds: 2, frequency: 600 + i * 50, tags: { title: `Third ${i}`, album: 'Third' } });
  }
  const ids = await Promise.all(paths.map((p) => eventually(() => trackOf(p), WITHIN_MS, `${p} to be registered`)));
  await rm(folder, { recursive: true });
  for (const id of ids) {
    await eventually(
      async () => (await server.json(`/v1/tracks/${id}`, { token })).status === 404,
      WITHIN_MS,
      "the folder's tracks to go",
    );
  }
});

test('the watcher stops cleanly on SIGTERM', { timeout: 30_000 }, async () => {
  watcher.child.kill('SIGTERM');
  const result = await watcher.done;
  assert.equal(result.code, 0, result.stderr);
});

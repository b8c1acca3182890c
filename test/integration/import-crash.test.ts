import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { audioKey } from '../../src/core/ingest/ladder.js';
import type { Quality } from '../../src/ports/transcoder.js';
import { makeTone } from '../helpers/audio.js';
import { cadenza } from '../helpers/cli.js';
import { createTestDatabase } from '../helpers/db.js';
import { eventually } from '../helpers/server.js';

const scratch: string[] = [];
const databases: Awaited<ReturnType<typeof createTestDatabase>>[] = [];
let music: string;

async function tempDir(prefix: string) {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await chmod(dir, 0o755);
  scratch.push(dir);
  return dir;
}

before(async () => {
  music = await tempDir('cadenza-crash-music-');
  for (let i = 1; i <= 6; i++) {
    await makeTone(join(music, `${String(i).padStart(2, '0')}.flac`), {
      seconds: 8,
      frequency: 200 + i * 50,
      tags: { title: `Song ${i}`, artist: 'Crash Test', album: 'Resilience', track: String(i) },
    });
  }
});
after(async () => {
  for (const d of databases) await d.drop();
  for (const d of scratch) await rm(d, { recursive: true, force: true });
});

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

async function catalogue(url: string) {
  return query<{ name: string; status: string; files: number }>(
    url,
    `select t.name, t.status, (select count(*)::int from track_files f where f.track_id = t.id) as files
     from tracks t order by t.name`,
  );
}

test('killing an import mid-ladder and running it again converges to the uninterrupted catalogue', {
  timeout: 300_000,
}, async () => {
  const clean = await createTestDatabase();
  const crashed = await createTestDatabase();
  databases.push(clean, crashed);
  const cleanData = await tempDir('cadenza-crash-a-');
  const crashData = await tempDir('cadenza-crash-b-');

  const reference = await cadenza(['import', music, '--transcode', 'eager', '--json', '--data', cleanData], {
    DATABASE_URL: clean.url,
  }).done;
  assert.equal(reference.code, 0, reference.stderr);
  const expected = JSON.parse(reference.stdout);
  assert.equal(expected.tracks.length, 6);

  const first = cadenza(['import', music, '--transcode', 'eager', '--json', '--data', crashData], {
    DATABASE_URL: crashed.url,
  });
  // Kill it hard once the ladder is under way but not finished.
  await eventually(
    async () => {
      const rows = await query<{ done: number; started: number }>(
        crashed.url,
        `select count(*) filter (where state = 'done')::int as done, count(*) filter (where state = 'running')::int as started from jobs`,
      ).catch(() => [{ done: 0, started: 0 }]);
      return rows[0]!.started > 0 && rows[0]!.done < 6;
    },
    60_000,
    'the ladder to start',
  );
  first.child.kill('SIGKILL');
  const killed = await first.done;
  assert.equal(killed.signal, 'SIGKILL');
  const midway = await catalogue(crashed.url);
  assert.ok(
    midway.some((t) => t.status === 'processing'),
    'the kill landed before every track was done',
  );
  assert.ok(
    midway.every((t) => t.status !== 'ready' || t.files === 7),
    'no ready track is missing files',
  );

  const second = await cadenza(['import', music, '--transcode', 'eager', '--json', '--data', crashData], {
    DATABASE_URL: crashed.url,
  }).done;
  assert.equal(second.code, 0, second.stderr);
  const resumed = JSON.parse(second.stdout);
  const summary = (r: { tracks: { path: string; title: string }[]; failed: unknown[] }) => ({
    tracks: r.tracks.map((t) => [t.path, t.title]).sort(),
    failed: r.failed,
  });
  assert.deepEqual(summary(resumed), summary(expected));
  assert.deepEqual(await catalogue(crashed.url), await catalogue(clean.url));

  // Every file the catalogue points at exists in full.
  const files = await query<{ track_id: string; quality: Quality; media_version: string; size: number }>(
    crashed.url,
    'select track_id, quality, media_version, size::int from track_files',
  );
  assert.equal(files.length, 6 * 7);
  for (const f of files) {
    const s = await stat(join(crashData, 'media/audio', audioKey(f.track_id, f.media_version, f.quality)));
    assert.equal(s.size, f.size);
  }
});

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runImport } from '../../src/cli/import.js';
import { AUDIO_FEATURES_JOB } from '../../src/core/features/types.js';
import { CONTENT_VECTOR_LENGTH } from '../../src/core/features/vector.js';
import { newId } from '../../src/core/ids.js';
import { makeTone } from '../helpers/audio.js';
import { chords, kicks, synthesize } from '../helpers/feature-audio.js';
import { eventually, startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let music: string;
let token: string;
const ids: Record<string, string> = {};

const SPOTIFY_FIELDS = [
  'acousticness',
  'analysis_url',
  'danceability',
  'duration_ms',
  'energy',
  'id',
  'instrumentalness',
  'key',
  'liveness',
  'loudness',
  'mode',
  'speechiness',
  'tempo',
  'time_signature',
  'track_href',
  'type',
  'uri',
  'valence',
];

/** Writes a file into the library; untagged files take their title from the file name. */
async function track(rel: string, write: (path: string) => Promise<unknown>): Promise<void> {
  const path = join(music, rel);
  await mkdir(dirname(path), { recursive: true });
  await write(path);
}

async function importAndFind(): Promise<void> {
  const report = await runImport(server.services, music, { json: true });
  for (const t of report.tracks) ids[t.path.split('/').pop()!] = t.id;
}

const features = (id: string) => server.json(`/v1/audio-features/${id}`, { token });
const ready = (id: string) =>
  eventually(
    async () => {
      const r = await features(id);
      return r.status === 200 && r.body;
    },
    120_000,
    `features of ${id}`,
  );

before(async () => {
  server = await startTestServer();
  music = await mkdtemp(join(tmpdir(), 'cadenza-feature-music-'));
  await track('kick.flac', (p) => synthesize(p, kicks(120), 20));
  await track('chords.flac', (p) =>
    synthesize(
      p,
      chords([
        [220, 277.18, 329.63],
        [293.66, 369.99, 440],
        [329.63, 415.3, 493.88],
        [220, 277.18, 329.63],
      ]),
      16,
    ),
  );
  // Imports (over half a second) but is too short to analyse: its failure is recorded.
  await track('blip.flac', (p) => makeTone(p, { seconds: 1 }));
  await importAndFind();
  token = (await server.account()).token;
});
after(async () => {
  await server?.close();
  await rm(music, { recursive: true, force: true });
});

describe('audio features', () => {
  test('a track imported before the worker looked for features answers 404 saying they are being computed', async () => {
    const r = await features(ids['kick.flac']!);
    assert.equal(r.status, 404);
    assert.match(r.body.error.message, /being computed/);
  });

  test('the backfill computes them in the background: a 120 BPM kick track measures 120 BPM', async () => {
    await server.services.audioFeatures.start();
    const f = await ready(ids['kick.flac']!);
    assert.deepEqual(Object.keys(f).sort(), SPOTIFY_FIELDS);
    assert.equal(f.type, 'audio_features');
    assert.equal(f.id, ids['kick.flac']);
    assert.equal(f.uri, `cadenza:track:${ids['kick.flac']}`);
    assert.match(f.track_href, new RegExp(`/v1/tracks/${ids['kick.flac']}$`));
    assert.equal((await server.request(new URL(f.analysis_url).pathname, { token })).status, 200);
    assert.ok(Math.abs(f.tempo - 120) <= 2, `tempo ${f.tempo}`);
    assert.ok(Math.abs(f.duration_ms - 20_000) < 200, `duration ${f.duration_ms}`);
    assert.ok(f.loudness > -40 && f.loudness < 0, `loudness ${f.loudness}`);
    assert.equal(f.time_signature, 4);
    for (const field of ['danceability', 'energy', 'valence', 'acousticness', 'speechiness', 'liveness']) {
      assert.ok(f[field] >= 0 && f[field] <= 1, `${field} ${f[field]}`);
    }
  });

  test('an A major progression is in A major', async () => {
    const f = await ready(ids['chords.flac']!);
    assert.deepEqual([f.key, f.mode], [9, 1]);
  });

  test('a track that cannot be analysed is recorded as failed, once, and blocks no other', async () => {
    const blip = ids['blip.flac']!;
    const failed = await eventually(async () => {
      const jobs = await server.services.jobs.list({
        name: AUDIO_FEATURES_JOB,
        keyPrefix: `${AUDIO_FEATURES_JOB}:${blip}`,
        limit: 5,
      });
      return jobs.find((j) => j.state === 'failed');
    }, 60_000);
    assert.match(failed.lastError ?? '', /too little audio/);
    assert.equal(failed.attempts, 1, 'bad audio is not retried');
    const r = await features(blip);
    assert.equal(r.status, 404);
    assert.match(r.body.error.message, /could not be computed/);
    assert.equal(await server.services.audioFeatures.queue([blip]), 0, 'a recorded failure is not queued again');
  });

  test('a track that becomes ready while the worker runs is analysed without a restart', async () => {
    await track('late.flac', (p) => synthesize(p, kicks(90), 20));
    await importAndFind();
    const f = await ready(ids['late.flac']!);
    assert.ok(Math.abs(f.tempo - 90) <= 2, `tempo ${f.tempo}`);
  });

  test('several at once: Spotify shape, null for a track without features', async () => {
    const unknown = newId();
    const list = [ids['kick.flac'], unknown, ids['blip.flac'], ids['chords.flac']].join(',');
    const r = await server.json(`/v1/audio-features?ids=${list}`, { token });
    assert.equal(r.status, 200);
    assert.deepEqual(
      r.body.audio_features.map((f: { id: string } | null) => f?.id ?? null),
      [ids['kick.flac'], null, null, ids['chords.flac']],
    );
  });

  test('the recommender reads content vectors of many tracks at once', async () => {
    const vectors = await server.services.audioFeatures.vectors([ids['kick.flac']!, ids['late.flac']!, newId()]);
    assert.equal(vectors.size, 2);
    for (const v of vectors.values()) assert.equal(v.length, CONTENT_VECTOR_LENGTH);
  });

  test('bad input is refused naming the field; an unknown track is 404', async () => {
    const bad = await features('not-an-id');
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /\bid\b/);
    const badList = await server.json(`/v1/audio-features?ids=${ids['kick.flac']},nope`, { token });
    assert.equal(badList.status, 400);
    assert.match(badList.body.error.message, /\bids\b/);
    const many = Array.from({ length: 101 }, () => newId()).join(',');
    const tooMany = await server.json(`/v1/audio-features?ids=${many}`, { token });
    assert.equal(tooMany.status, 400);
    assert.match(tooMany.body.error.message, /\bids\b.*100/);
    const unknown = await features(newId());
    assert.equal(unknown.status, 404);
    assert.match(unknown.body.error.message, /track not found/);
    assert.equal((await server.request(`/v1/audio-features/${ids['kick.flac']}`)).status, 401);
  });
});

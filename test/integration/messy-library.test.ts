import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type ImportReport, runImport } from '../../src/cli/import.js';
import { estimatedGainDb, readSourcePointer } from '../../src/core/ingest/lazy.js';
import { makeTone, type ToneOptions } from '../helpers/audio.js';
import { eventually, startTestServer, type TestServer } from '../helpers/server.js';

// A library with the mess real ones have (issue 15), imported lazily and checked track by track
// through the HTTP API, before any ladder job has run.

const RECORDING_ID = '3f1c5a2e-8b4d-4c1e-9a7f-2d6e0b9c1a11';
const RELEASE_ID = '7a2b9c4d-1e3f-4a5b-8c6d-0e1f2a3b4c5d';
const ARTIST_ID = 'b4d3c2a1-9e8f-4a7b-8c6d-5e4f3a2b1c0d';
const LYRICS = 'Low and loud, the engines hum\nAll night long until the morning comes';

let server: TestServer;
let root: string;
let report: ImportReport;
let token: string;

const FILES: [string, ToneOptions][] = [
  // Untagged, in Artist/Album folders: title and number from the name, album and artist from the folders.
  ['Nina Blue/Harbour Lights/03 - Song of the Sea.flac', { seconds: 2, frequency: 300 }],
  ['Nina Blue/Harbour Lights/04 - Low Tide.flac', { seconds: 2, frequency: 320 }],
  // Two discs in CD1/CD2 folders, no disc tags.
  ...(['CD1/01 - North', 'CD1/02 - East', 'CD2/01 - South', 'CD2/02 - West'].map((name, i) => [
    `The Cartographers/Atlas/${name}.flac`,
    {
      seconds: 2,
      frequency: 400 + i * 20,
      tags: {
        title: name.slice(9),
        artist: 'The Cartographers',
        album: 'Atlas',
        track: name.slice(5, 7),
        date: '2019-03-01',
      },
    },
  ]) as [string, ToneOptions][]),
  // A compilation flagged as one, and one that is not flagged and names no album artist.
  [
    'Compilations/Summer Hits/01 - Sun.mp3',
    {
      seconds: 2,
      frequency: 500,
      tags: {
        title: 'Sun',
        artist: 'Ada',
        album: 'Summer Hits',
        album_artist: 'Various Artists',
        compilation: '1',
        track: '1',
      },
    },
  ],
  [
    'Compilations/Summer Hits/02 - Sand.mp3',
    {
      seconds: 2,
      frequency: 520,
      tags: {
        title: 'Sand',
        artist: 'Bo',
        album: 'Summer Hits',
        album_artist: 'Various Artists',
        compilation: '1',
        track: '2',
      },
    },
  ],
  ...([
    ['Rain', 'Cy'],
    ['Wind', 'Di'],
    ['Snow', 'Ed'],
  ].map(([title, artist], i) => [
    `Mixtape/0${i + 1} - ${title}.ogg`,
    {
      seconds: 2,
      frequency: 600 + i * 20,
      tags: { title: title!, artist: artist!, album: 'Road Mix', track: String(i + 1) },
    },
  ]) as [string, ToneOptions][]),
  // Featured and joint credits; a duo whose name holds "&".
  [
    'Ada/Duets/01 - Together.mp3',
    {
      seconds: 2,
      frequency: 700,
      tags: { title: 'Together', artist: 'Ada feat. Bo', album_artist: 'Ada', album: 'Duets', track: '1' },
    },
  ],
  [
    'Ada/Duets/02 - Pair.mp3',
    {
      seconds: 2,
      frequency: 720,
      tags: { title: 'Pair', artist: 'Ada & Cy', album_artist: 'Ada', album: 'Duets', track: '2' },
    },
  ],
  [
    'Salt & Pepper/Spice/01 - Shaker.mp3',
    {
      seconds: 2,
      frequency: 740,
      tags: { title: 'Shaker', artist: 'Salt & Pepper', album_artist: 'Salt & Pepper', album: 'Spice', track: '1' },
    },
  ],
  // ReplayGain, MusicBrainz ids and embedded lyrics.
  [
    'Hum/Engines/01 - Loud.flac',
    {
      seconds: 2,
      frequency: 800,
      tags: {
        title: 'Loud',
        artist: 'Hum',
        album: 'Engines',
        track: '1',
        REPLAYGAIN_TRACK_GAIN: '-6.50 dB',
        REPLAYGAIN_TRACK_PEAK: '0.500000',
        MUSICBRAINZ_TRACKID: RECORDING_ID,
        MUSICBRAINZ_ALBUMID: RELEASE_ID,
        MUSICBRAINZ_ARTISTID: ARTIST_ID,
        LYRICS,
      },
    },
  ],
  // The same recording as FLAC and MP3.
  ...(['flac', 'mp3'].map((ext) => [
    `Fay/Twice/01 - Echo.${ext}`,
    { seconds: 3, frequency: 900, tags: { title: 'Echo', artist: 'Fay', album: 'Twice', track: '1' } },
  ]) as [string, ToneOptions][]),
  // A date tag of 0000.
  [
    'Gus/Dusty/01 - Crackle.mp3',
    { seconds: 2, frequency: 950, tags: { title: 'Crackle', artist: 'Gus', album: 'Dusty', date: '0000' } },
  ],
];

before(async () => {
  server = await startTestServer();
  // No worker: everything below is checked before any ladder job has run.
  await server.services.worker.stop();
  root = await mkdtemp(join(tmpdir(), 'cadenza-messy-'));
  for (const [rel, options] of FILES) {
    await mkdir(dirname(join(root, rel)), { recursive: true });
    await makeTone(join(root, rel), options);
  }
  report = await runImport(server.services, root, { json: true });
  token = (await server.account({ product: 'premium' })).token;
});
after(async () => {
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

const idOf = (rel: string) => {
  const track = report.tracks.find((t) => t.path === join(root, rel));
  assert.ok(track, `${rel} is a track`);
  return track.id;
};

async function track(rel: string) {
  const { status, body } = await server.json(`/v1/tracks/${idOf(rel)}`, { token });
  assert.equal(status, 200, rel);
  return body;
}

const names = (list: { name: string }[]) => list.map((x) => x.name);

async function albumTracks(albumId: string) {
  const { body } = await server.json(`/v1/albums/${albumId}`, { token });
  return body.tracks.items as { name: string; disc_number: number; track_number: number }[];
}

describe('a messy library, imported lazily', () => {
  test('every file is a track, listed and searchable before any ladder job ran', async () => {
    assert.deepEqual(report.failed, []);
    assert.equal(report.summary.transcode, 'lazy');
    assert.equal(report.summary.files, FILES.length);
    assert.equal(report.summary.duplicates, 1, 'the MP3 of Echo is a second source');
    assert.equal(new Set(report.tracks.map((t) => t.id)).size, FILES.length - 1);
    for (const t of report.tracks) {
      const found = await eventually(
        async () => {
          const { body } = await server.json(`/v1/search?q=${encodeURIComponent(t.title)}&type=track&limit=50`, {
            token,
          });
          return body.tracks.items.some((item: { id: string }) => item.id === t.id);
        },
        10_000,
        `a search for ${t.title}`,
      );
      assert.ok(found);
    }
    const grant = await server.json(`/v1/tracks/${idOf('Hum/Engines/01 - Loud.flac')}/stream`, { token });
    assert.equal(grant.status, 200, 'playable before its ladder exists');
    const jobs = await server.services.database.db.selectFrom('jobs').select(['state', 'priority']).execute();
    assert.equal(jobs.length, FILES.length - 1, 'one ladder job per track');
    assert.ok(
      jobs.every((j) => j.state === 'queued' && j.priority < 0),
      'ladder jobs wait in the background',
    );
  });

  test('untagged files: title and number from the name, album and artist from the folders', async () => {
    const song = await track('Nina Blue/Harbour Lights/03 - Song of the Sea.flac');
    assert.equal(song.name, 'Song of the Sea');
    assert.equal(song.track_number, 3);
    assert.equal(song.album.name, 'Harbour Lights');
    assert.deepEqual(names(song.artists), ['Nina Blue']);
    assert.deepEqual(names(song.album.artists), ['Nina Blue']);
    assert.deepEqual(
      (await albumTracks(song.album.id)).map((t) => [t.name, t.track_number]),
      [
        ['Song of the Sea', 3],
        ['Low Tide', 4],
      ],
    );
  });

  test('a two-disc album in CD1/CD2 folders is one album in disc order', async () => {
    const north = await track('The Cartographers/Atlas/CD1/01 - North.flac');
    const south = await track('The Cartographers/Atlas/CD2/01 - South.flac');
    assert.equal(south.album.id, north.album.id);
    assert.equal(north.album.name, 'Atlas');
    assert.equal(north.album.release_date, '2019-03-01');
    assert.deepEqual(
      (await albumTracks(north.album.id)).map((t) => [t.name, t.disc_number, t.track_number]),
      [
        ['North', 1, 1],
        ['East', 1, 2],
        ['South', 2, 1],
        ['West', 2, 2],
      ],
    );
  });

  test('compilations, flagged or not, are one Various Artists album', async () => {
    const sun = await track('Compilations/Summer Hits/01 - Sun.mp3');
    const sand = await track('Compilations/Summer Hits/02 - Sand.mp3');
    assert.equal(sand.album.id, sun.album.id);
    assert.equal(sun.album.album_type, 'compilation');
    assert.deepEqual(names(sun.album.artists), ['Various Artists']);
    assert.deepEqual([names(sun.artists), names(sand.artists)], [['Ada'], ['Bo']]);

    const rain = await track('Mixtape/01 - Rain.ogg');
    const snow = await track('Mixtape/03 - Snow.ogg');
    assert.equal(snow.album.id, rain.album.id, 'one album, not one per artist');
    assert.equal(rain.album.name, 'Road Mix');
    assert.equal(rain.album.album_type, 'compilation');
    assert.deepEqual(names(rain.album.artists), ['Various Artists']);
    assert.deepEqual(names(snow.artists), ['Ed']);
  });

  test('featured and joint artists are split; a duo named with "&" is one artist', async () => {
    assert.deepEqual(names((await track('Ada/Duets/01 - Together.mp3')).artists), ['Ada', 'Bo']);
    const pair = await track('Ada/Duets/02 - Pair.mp3');
    assert.deepEqual(names(pair.artists), ['Ada', 'Cy']);
    assert.deepEqual(names(pair.album.artists), ['Ada']);
    const shaker = await track('Salt & Pepper/Spice/01 - Shaker.mp3');
    assert.deepEqual(names(shaker.artists), ['Salt & Pepper']);
    // Ada of the compilation, of the duets and of "Ada feat. Bo" is one artist.
    const ada = pair.artists[0].id;
    assert.equal((await track('Compilations/Summer Hits/01 - Sun.mp3')).artists[0].id, ada);
  });

  test('ReplayGain is the loudness estimate; MusicBrainz ids and lyrics are kept', async () => {
    const id = idOf('Hum/Engines/01 - Loud.flac');
    const loud = await server.json(`/v1/tracks/${id}/stream`, { token });
    const expected = estimatedGainDb({ trackGainDb: -6.5, trackPeak: 0.5 }, server.services.config.loudnessTargetLufs);
    assert.ok(expected !== 0);
    assert.ok(Math.abs(loud.body.normalization_gain_db - expected) < 0.01, `gain ${loud.body.normalization_gain_db}`);
    const plain = await server.json(`/v1/tracks/${idOf('Gus/Dusty/01 - Crackle.mp3')}/stream`, { token });
    assert.equal(plain.body.normalization_gain_db, 0, 'no tags: played as mastered until measured');

    const db = server.services.database.db;
    const row = await db
      .selectFrom('tracks')
      .innerJoin('albums', 'albums.id', 'tracks.album_id')
      .select(['tracks.musicbrainz_recording_id', 'tracks.lyrics', 'tracks.loudness_measured'])
      .select('albums.musicbrainz_release_id')
      .where('tracks.id', '=', id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(row, {
      musicbrainz_recording_id: RECORDING_ID,
      lyrics: LYRICS,
      loudness_measured: false,
      musicbrainz_release_id: RELEASE_ID,
    });
    const artist = await db
      .selectFrom('artists')
      .select('musicbrainz_artist_id')
      .where('name', '=', 'Hum')
      .executeTakeFirstOrThrow();
    assert.equal(artist.musicbrainz_artist_id, ARTIST_ID);
  });

  test('a date tag of 0000 is no date', async () => {
    const crackle = await track('Gus/Dusty/01 - Crackle.mp3');
    const album = await server.services.database.db
      .selectFrom('albums')
      .select(['release_date'])
      .where('id', '=', crackle.album.id)
      .executeTakeFirstOrThrow();
    assert.equal(album.release_date, null);
    // The API's "no date" (the web player shows no year for it).
    assert.equal(crackle.album.release_date, '0000');
    assert.equal(crackle.album.release_date_precision, 'year');
  });

  test('one recording in FLAC and MP3 is one track played from the FLAC; without the FLAC, from the MP3', async () => {
    const flac = join(root, 'Fay/Twice/01 - Echo.flac');
    const id = idOf('Fay/Twice/01 - Echo.flac');
    assert.equal(idOf('Fay/Twice/01 - Echo.mp3'), id);
    const echo = await track('Fay/Twice/01 - Echo.flac');
    assert.deepEqual(names(await albumTracks(echo.album.id)), ['Echo']);
    const qualities = async () =>
      ((await server.json(`/v1/tracks/${id}/stream`, { token })).body.files as { quality: string }[]).map(
        (f) => f.quality,
      );
    assert.ok((await qualities()).includes('flac'), 'a lossless source has the FLAC rung');
    const source = async () => {
      const row = await server.services.database.db
        .selectFrom('tracks')
        .select('media_version')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      return readSourcePointer(server.services.paths.audio, id, row.media_version!);
    };
    const pointer = await source();
    assert.equal(pointer?.path, flac);
    // The header's facts, so that a rung's first request starts its encoder without a probe.
    assert.equal(pointer?.channels, 2);
    assert.ok(pointer?.durationMs && pointer.durationMs > 500, `length ${pointer?.durationMs}`);

    await rm(flac);
    const rescan = await server.services.importer.scan(root);
    assert.equal(rescan.retired, 0);
    assert.equal(rescan.changed, 1, 'the track falls back to the MP3');
    assert.equal((await server.json(`/v1/tracks/${id}`, { token })).status, 200);
    assert.equal((await source())?.path, join(root, 'Fay/Twice/01 - Echo.mp3'));
    assert.ok(!(await qualities()).includes('flac'), 'no FLAC rung from a lossy source');
  });
});

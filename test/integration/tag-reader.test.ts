import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { findFfmpeg } from '../../src/adapters/ffmpeg-binaries.js';
import { MusicMetadataTags } from '../../src/adapters/music-metadata-tags.js';
import { MediaError } from '../../src/core/errors.js';
import { checkHeader } from '../../src/core/ingest/describe.js';
import { makeTone } from '../helpers/audio.js';

// The tag reader against real files: the shared fixtures (skipped where ../shared/data is absent)
// and files made here with FFmpeg. Durations are checked against FFmpeg's own figures.
const run = promisify(execFile);
const SHARED = resolve(import.meta.dirname, '../../../shared/data/audio');
const shared = existsSync(SHARED);
const skipShared = !shared && 'no ../shared/data';
const reader = new MusicMetadataTags();
const { ffmpeg, ffprobe } = findFfmpeg();

/** FFprobe's duration of the container, in ms. */
async function probedMs(path: string): Promise<number> {
  const { stdout } = await run(ffprobe, ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', path]);
  return Number(stdout.trim()) * 1000;
}

/**
 * How long the audio really is: FFmpeg decodes it and the samples are counted. For the formats whose
 * header does not say (ADTS AAC, AMR, MP3 without a Xing header) ffprobe only estimates from the bitrate.
 */
async function decodedMs(path: string): Promise<number> {
  const { stdout } = await run(
    ffmpeg,
    ['-v', 'error', '-i', path, '-map', '0:a', '-ac', '1', '-ar', '48000', '-f', 's16le', '-'],
    {
      encoding: 'buffer',
      maxBuffer: 1 << 28,
    },
  );
  return stdout.length / 96;
}

function near(actual: number | undefined, expected: number, tolerance: number, what: string): void {
  assert.ok(
    actual !== undefined && Math.abs(actual - expected) <= tolerance,
    `${what}: ${actual} ms, expected ${Math.round(expected)} ± ${tolerance}`,
  );
}

describe('tagged fixtures: one 1 s clip per format with full tags', { skip: skipShared }, () => {
  const dir = join(SHARED, 'tagged-fixtures');
  const formats: Record<string, { gain: number; peak: number; lossless: boolean; reference: 'probe' | 'decode' }> = {
    aiff: { gain: 2, peak: 0.124972, lossless: true, reference: 'probe' },
    flac: { gain: 4.06, peak: 0.12496948, lossless: true, reference: 'probe' },
    m4a: { gain: 0.37, peak: 0.48, lossless: false, reference: 'probe' },
    mp3: { gain: -1.48, peak: 0.4512, lossless: false, reference: 'probe' },
    ogg: { gain: 7.64, peak: 0.11772506, lossless: false, reference: 'probe' },
    opus: { gain: 5.12, peak: 0.11345678, lossless: false, reference: 'probe' },
    wav: { gain: 3.06, peak: 0.125056, lossless: true, reference: 'probe' },
    // ffprobe reports the ASF play time (1.2 s) of this clip; the decoded audio is 0.98 s.
    wma: { gain: 3.27, peak: 0.132914, lossless: false, reference: 'decode' },
    wv: { gain: 3.43, peak: 0.125061, lossless: true, reference: 'probe' },
  };

  for (const [ext, expected] of Object.entries(formats)) {
    test(`test.${ext}: tags, header, ReplayGain and lyrics`, async () => {
      const path = join(dir, `test.${ext}`);
      const tags = await reader.read(path, { covers: true });
      assert.equal(tags.title, ext === 'mp3' ? 'Song' : 'Title');
      assert.deepEqual(tags.artists, ['Artist']);
      assert.equal(tags.albumArtist, 'Album Artist');
      assert.equal(tags.album, 'Album');
      assert.equal(tags.trackNumber, ext === 'mp3' ? 2 : 3);
      assert.equal(tags.compilation, true);

      const reference = expected.reference === 'probe' ? await probedMs(path) : await decodedMs(path);
      near(tags.header.durationMs, reference, 50, `test.${ext} duration`);
      assert.equal(tags.header.lossless, expected.lossless, `test.${ext} lossless (${tags.header.codec})`);
      assert.ok(tags.header.sampleRate && tags.header.channels, `test.${ext} sample rate and channels`);
      assert.ok(tags.header.bitrate && tags.header.bitrate > 8000, `test.${ext} bitrate ${tags.header.bitrate}`);
      assert.equal(checkHeader(tags.header, `.${ext}`, { maxTrackSeconds: 600 }).durationMs, tags.header.durationMs);

      assert.ok(tags.replayGain, `test.${ext} has ReplayGain`);
      assert.ok(Math.abs(tags.replayGain.trackGainDb - expected.gain) < 0.001, `gain ${tags.replayGain.trackGainDb}`);
      assert.ok(Math.abs((tags.replayGain.trackPeak ?? 0) - expected.peak) < 1e-6, `peak ${tags.replayGain.trackPeak}`);

      // Every fixture embeds LRC lyrics; the timestamps are kept as tagged.
      assert.match(tags.lyrics ?? '', /^\[00:00\.00\]This is\n\[00:02\.50\]\w+/);
    });
  }
});

describe('galway-cc-by and misc: real-length files', { skip: skipShared }, () => {
  const galway = (ext: string) =>
    join(SHARED, 'galway-cc-by', `gs-16b-${ext === 'amr' ? '1c-8000hz' : '2c-44100hz'}.${ext}`);

  for (const ext of ['flac', 'm4a', 'mp3', 'ogg', 'opus', 'wav']) {
    test(`galway .${ext}: title, artist and a duration within 50 ms of ffprobe's`, async () => {
      const tags = await reader.read(galway(ext), { covers: false });
      assert.equal(tags.title, 'Galway');
      assert.deepEqual(tags.artists, ['Kevin MacLeod']);
      near(tags.header.durationMs, await probedMs(galway(ext)), 50, ext);
      assert.equal(tags.header.lossless, ext === 'flac' || ext === 'wav');
    });
  }

  for (const ext of ['aac', 'amr']) {
    test(`galway .${ext}: untagged, its length counted from its frames`, async () => {
      const tags = await reader.read(galway(ext), { covers: false });
      assert.equal(tags.title, undefined);
      near(tags.header.durationMs, await decodedMs(galway(ext)), 50, ext);
      assert.equal(tags.header.channels, ext === 'amr' ? 1 : 2);
      assert.equal(tags.header.sampleRate, ext === 'amr' ? 8000 : 44100);
      checkHeader(tags.header, `.${ext}`, { maxTrackSeconds: 600 });
    });
  }

  test('Musepack: MusicBrainz ids, once each', async () => {
    const tags = await reader.read(join(SHARED, 'misc', 'bach-goldberg-variatians-05.sv8.mpc'), { covers: false });
    assert.equal(tags.title, 'Goldberg Variations, BWV 988: Variatio 4 a 1 Clav.');
    assert.deepEqual(tags.musicBrainz, {
      recordingId: 'e758f48f-e4cc-4955-aedf-7c51c220be2a',
      trackId: '1d84de04-e992-3276-9a93-49fb96f11b72',
      releaseId: '3c53507c-8a62-4c00-933f-d5bfda475b02',
      releaseGroupId: '5e46eac5-79a0-4150-82f7-00d37379573a',
      artistIds: ['24f1766e-9635-4d58-a4d4-9413f9f98a4c'],
      albumArtistIds: ['24f1766e-9635-4d58-a4d4-9413f9f98a4c', '24039c0a-2382-47b0-b234-5712fe3a7515'],
    });
    assert.equal(tags.header.durationMs, 500);
  });

  test('an audiobook whose header promises 4.4 hours is refused by the header check', async () => {
    const tags = await reader.read(join(SHARED, 'misc', 'issue-127.m4b'), { covers: false });
    near(tags.header.durationMs, 15_726_690, 50, 'm4b');
    assert.throws(() => checkHeader(tags.header, '.m4b', { maxTrackSeconds: 4 * 3600 }), /too long: 15727 s/);
  });
});

describe('files made with FFmpeg', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cadenza-tags-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const LRC = '[00:01.00]First line\n[00:02.50]Second line';
  const MB = {
    recording: '0b3b0f6e-5f4e-4d4a-9a51-0a1c0f3d9e01',
    releaseTrack: '1c4c1f7f-6a5f-4e5b-8b62-1b2d1a4eaf12',
    release: '2d5d2a8a-7b6a-4f6c-9c73-2c3e2b5fb023',
    releaseGroup: '3e6e3b9b-8c7b-4a7d-8d84-3d4f3c6ac134',
    artist: '4f7f4cac-9d8c-4b8e-9e95-4e5a4d7bd245',
    albumArtist: '5a8a5dbd-ae9d-4c9f-afa6-5f6b5e8ce356',
  };

  test('FLAC: Vorbis comments with ReplayGain, MusicBrainz ids and lyrics', async () => {
    const path = await makeTone(join(dir, 'tagged.flac'), {
      seconds: 4,
      tags: {
        title: 'Empire State of Mind (feat. Alicia Keys)',
        artist: 'Jay-Z',
        album_artist: 'Jay-Z',
        album: 'The Blueprint 3',
        track: '4/15',
        disc: '1/1',
        date: '2009-09-08',
        REPLAYGAIN_TRACK_GAIN: '-6.20 dB',
        REPLAYGAIN_TRACK_PEAK: '0.988',
        LYRICS: LRC,
        MUSICBRAINZ_TRACKID: MB.recording,
        MUSICBRAINZ_RELEASETRACKID: MB.releaseTrack,
        MUSICBRAINZ_ALBUMID: MB.release,
        MUSICBRAINZ_RELEASEGROUPID: MB.releaseGroup,
        MUSICBRAINZ_ARTISTID: MB.artist,
        MUSICBRAINZ_ALBUMARTISTID: MB.albumArtist,
      },
    });
    const tags = await reader.read(path, { covers: false });
    assert.equal(tags.title, 'Empire State of Mind (feat. Alicia Keys)');
    assert.deepEqual([tags.trackNumber, tags.discNumber, tags.releaseDate], [4, 1, '2009-09-08']);
    assert.deepEqual(tags.replayGain, { trackGainDb: -6.2, trackPeak: 0.988 });
    assert.equal(tags.lyrics, LRC);
    assert.deepEqual(tags.musicBrainz, {
      recordingId: MB.recording,
      trackId: MB.releaseTrack,
      releaseId: MB.release,
      releaseGroupId: MB.releaseGroup,
      artistIds: [MB.artist],
      albumArtistIds: [MB.albumArtist],
    });
    assert.deepEqual(
      { ...tags.header, durationMs: undefined, bitrate: undefined },
      {
        container: 'FLAC',
        codec: 'FLAC',
        durationMs: undefined,
        sampleRate: 44100,
        channels: 2,
        bitrate: undefined,
        lossless: true,
      },
    );
    assert.equal(tags.header.durationMs, 4000);
  });

  test('MP3: ID3v2 TXXX ReplayGain, MusicBrainz ids and lyrics', async () => {
    const path = await makeTone(join(dir, 'tagged.mp3'), {
      seconds: 4,
      tags: {
        title: 'Song',
        artist: 'Artist',
        REPLAYGAIN_TRACK_GAIN: '+2.5 dB',
        lyrics: LRC,
        'MusicBrainz Album Id': MB.release,
        'MusicBrainz Release Group Id': MB.releaseGroup,
        'MusicBrainz Artist Id': MB.artist,
      },
      outputArgs: ['-b:a', '192k'],
    });
    const tags = await reader.read(path, { covers: false });
    assert.deepEqual(tags.replayGain, { trackGainDb: 2.5, trackPeak: undefined });
    assert.equal(tags.lyrics, LRC);
    assert.deepEqual(tags.musicBrainz, {
      releaseId: MB.release,
      releaseGroupId: MB.releaseGroup,
      artistIds: [MB.artist],
    });
    near(tags.header.durationMs, await probedMs(path), 50, 'mp3');
    assert.equal(tags.header.bitrate, 192_000);
  });

  test('MP3 with ID3v2.3: "AC/DC" stays one artist', async () => {
    const path = await makeTone(join(dir, 'acdc.mp3'), {
      seconds: 1,
      tags: { title: 'T.N.T.', artist: 'AC/DC', album_artist: 'AC/DC' },
      outputArgs: ['-id3v2_version', '3'],
    });
    const tags = await reader.read(path, { covers: false });
    assert.deepEqual(tags.artists, ['AC/DC']);
    assert.equal(tags.albumArtist, 'AC/DC');
  });

  test('VBR MP3: with a Xing header, and without one starting with silence', async () => {
    const noise = ['-f', 'lavfi', '-i', 'anoisesrc=d=20:a=0.5:r=48000', '-af', "volume='if(lt(t,6),0,1)':eval=frame"];
    const encode = ['-ac', '1', '-c:a', 'libmp3lame', '-q:a', '2'];
    const xing = join(dir, 'vbr.mp3');
    const bare = join(dir, 'vbr-no-xing.mp3');
    await run(ffmpeg, ['-v', 'error', '-y', ...noise, ...encode, xing]);
    await run(ffmpeg, ['-v', 'error', '-y', ...noise, ...encode, '-write_xing', '0', bare]);
    for (const path of [xing, bare]) {
      const tags = await reader.read(path, { covers: false });
      // Its first frames are all silent, all at one bitrate: a reader that trusts them takes the
      // file for CBR and gets more than twice its length.
      near(tags.header.durationMs, await decodedMs(path), 50, path);
    }
  });

  test('VBR MP3 with a Fraunhofer VBRI header: its frame count gives the length', async () => {
    const path = join(dir, 'vbri.mp3');
    await run(ffmpeg, [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'anoisesrc=d=12:a=0.5:r=48000',
      '-af',
      "volume='if(lt(t,4),0,1)':eval=frame",
      '-ac',
      '1',
      '-c:a',
      'libmp3lame',
      '-q:a',
      '2',
      '-write_xing',
      '0',
      '-id3v2_version',
      '0',
      path,
    ]);
    // Write a VBRI header where FhG encoders put it: 32 bytes after the first (silent) frame's header.
    const bytes = await readFile(path);
    assert.equal(bytes[0], 0xff, 'the file starts with a frame');
    const frames = Math.round(((await decodedMs(path)) * 48) / 1152);
    const vbri = Buffer.alloc(18);
    vbri.write('VBRI', 0, 'latin1');
    vbri.writeUInt16BE(1, 4);
    vbri.writeUInt32BE(bytes.length, 10);
    vbri.writeUInt32BE(frames, 14);
    vbri.copy(bytes, 36);
    await writeFile(path, bytes);
    const tags = await reader.read(path, { covers: false });
    assert.equal(tags.header.durationMs, Math.round((frames * 1152) / 48));
  });

  test('Opus: EBU R128 track gain becomes ReplayGain (-23 LUFS → -18 LUFS reference)', async () => {
    const path = await makeTone(join(dir, 'r128.opus'), { seconds: 3, tags: { R128_TRACK_GAIN: '-512' } });
    const tags = await reader.read(path, { covers: false });
    assert.deepEqual(tags.replayGain, { trackGainDb: 3, trackPeak: undefined });
    near(tags.header.durationMs, await probedMs(path), 50, 'opus');
    assert.ok(tags.header.bitrate && tags.header.bitrate > 0);
  });

  test('M4A: ALAC is lossless, AAC is not; ©lyr lyrics are read', async () => {
    const alac = await makeTone(join(dir, 'alac.m4a'), { seconds: 2, outputArgs: ['-c:a', 'alac'] });
    const aac = await makeTone(join(dir, 'aac.m4a'), {
      seconds: 2,
      tags: { lyrics: LRC },
      outputArgs: ['-c:a', 'aac'],
    });
    assert.equal((await reader.read(alac, { covers: false })).header.lossless, true);
    const tags = await reader.read(aac, { covers: false });
    assert.equal(tags.header.lossless, false);
    assert.equal(tags.lyrics, LRC);
  });

  test('a FLAC file named .mp3 is read as FLAC, so the header check refuses it', async () => {
    const flac = await makeTone(join(dir, 'real.flac'), { seconds: 1 });
    const renamed = join(dir, 'renamed.mp3');
    await copyFile(flac, renamed);
    const tags = await reader.read(renamed, { covers: false });
    assert.equal(tags.header.container, 'FLAC');
    assert.throws(
      () => checkHeader(tags.header, '.mp3', { maxTrackSeconds: 600 }),
      /extension \.mp3 does not match its content \(FLAC\)/,
    );
  });

  test('a file that is not audio is a MediaError', async () => {
    const path = join(dir, 'noise.mp3');
    await writeFile(path, Buffer.from('this is not an audio file at all, only text'.repeat(20)));
    await assert.rejects(reader.read(path, { covers: false }), MediaError);
  });
});

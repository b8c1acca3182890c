import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FfmpegAudioAnalyser } from '../../src/adapters/audio-features/analyser.js';
import { analysisWindow } from '../../src/core/features/service.js';
import type { AudioFeatures } from '../../src/core/features/types.js';
import { contentVector, cosine } from '../../src/core/features/vector.js';
import { accentedClicks, chords, kicks, noise, speak, synthesize } from '../helpers/feature-audio.js';

/** Real files written by FFmpeg, decoded by FFmpeg and measured by the extractor on its thread. */
let dir: string;
const analyser = new FfmpegAudioAnalyser();
const A_MAJOR: [number, number, number][] = [
  [220, 277.18, 329.63],
  [293.66, 369.99, 440],
  [329.63, 415.3, 493.88],
  [220, 277.18, 329.63],
];
const A_MINOR: [number, number, number][] = [
  [220, 261.63, 329.63],
  [293.66, 349.23, 440],
  [329.63, 415.3, 493.88],
  [220, 261.63, 329.63],
];
const C_MAJOR: [number, number, number][] = [
  [261.63, 329.63, 392],
  [349.23, 440, 523.25],
  [392, 493.88, 587.33],
  [261.63, 329.63, 392],
];

async function features(name: string, expression: string, seconds: number): Promise<AudioFeatures> {
  const path = await synthesize(join(dir, name), expression, seconds);
  return analyser.analyse(path, analysisWindow(seconds * 1000));
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cadenza-features-'));
});
after(async () => {
  await analyser.close();
  await rm(dir, { recursive: true, force: true });
});

describe('tempo', () => {
  for (const bpm of [120, 90, 140]) {
    test(`a kick on every beat at ${bpm} BPM measures ${bpm} ± 2`, async () => {
      const f = await features(`kicks-${bpm}.flac`, kicks(bpm), 20);
      assert.ok(Math.abs(f.tempo - bpm) <= 2, `tempo ${f.tempo}`);
      assert.equal(f.timeSignature, 4);
      assert.ok(f.tempoConfidence > 0.5, `a click track has a clear pulse (${f.tempoConfidence})`);
    });
  }

  test('a downbeat every third beat is 3/4, every fourth 4/4', async () => {
    const waltz = await features('waltz.flac', accentedClicks(120, 3), 20);
    const march = await features('march.flac', accentedClicks(120, 4), 20);
    assert.deepEqual([waltz.timeSignature, march.timeSignature], [3, 4]);
    assert.ok(Math.abs(waltz.tempo - 120) <= 2, `the waltz's beat is still 120 BPM (${waltz.tempo})`);
  });

  test('a steady beat is more danceable than noise', async () => {
    const beat = await features('dance.flac', kicks(120), 20);
    const hiss = await features('hiss.flac', noise(0.3), 20);
    assert.ok(beat.danceability > hiss.danceability + 0.3, `${beat.danceability} vs ${hiss.danceability}`);
  });
});

describe('key and mode', () => {
  test('I–IV–V–I in A major is A major', async () => {
    const f = await features('a-major.flac', chords(A_MAJOR), 16);
    assert.deepEqual([f.key, f.mode], [9, 1]);
  });

  test('the same progression in A minor is A minor', async () => {
    const f = await features('a-minor.flac', chords(A_MINOR), 16);
    assert.deepEqual([f.key, f.mode], [9, 0]);
  });

  test('I–IV–V–I in C major is C major', async () => {
    const f = await features('c-major.flac', chords(C_MAJOR), 16);
    assert.deepEqual([f.key, f.mode], [0, 1]);
  });

  test('noise has no key', async () => {
    const f = await features('noise.flac', noise(0.3), 10);
    assert.equal(f.key, -1);
  });
});

describe('speech', () => {
  const text =
    'It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of ' +
    'foolishness, it was the epoch of belief, it was the epoch of incredulity, it was the season of Light.';

  test('spoken words are speech, not instrumental; a chord progression is the other way round', async (t) => {
    const path = await speak(join(dir, 'speech.wav'), text);
    if (!path) return t.skip('this FFmpeg has no flite source');
    const speech = await analyser.analyse(path, analysisWindow(15_000));
    const music = await features('music.flac', chords(C_MAJOR), 16);
    assert.ok(speech.speechiness > 0.66, `speech: speechiness ${speech.speechiness}`);
    assert.ok(speech.instrumentalness < 0.3, `speech: instrumentalness ${speech.instrumentalness}`);
    assert.ok(music.speechiness < 0.33, `music: speechiness ${music.speechiness}`);
    assert.ok(music.instrumentalness > 0.5, `music: instrumentalness ${music.instrumentalness}`);
  });
});

describe('energy and loudness', () => {
  test('near silence < quiet noise < loud noise, in loudness and in energy', async () => {
    const hush = await features('hush.flac', noise(0.001), 10);
    const quiet = await features('quiet.flac', noise(0.03), 10);
    const loud = await features('loud.flac', noise(0.7), 10);
    assert.ok(hush.loudness < quiet.loudness - 20 && quiet.loudness < loud.loudness - 20, 'loudness in order');
    assert.ok(loud.loudness > -10 && loud.loudness < 0, `loud noise at ${loud.loudness} LUFS`);
    assert.ok(hush.energy < quiet.energy && quiet.energy < loud.energy, 'energy in order');
    assert.ok(loud.energy > 0.7, `loud noise is energetic (${loud.energy})`);
    assert.ok(hush.energy < 0.35, `near silence is not (${hush.energy})`);
  });

  test('the loudness of a sine matches its level (BS.1770 at 1 kHz)', async () => {
    // A full-scale 1 kHz sine in one channel measures -3.01 LUFS; counted as dual mono, 0.
    const f = await features('sine.flac', '0.5*sin(2*PI*1000*t)', 10);
    assert.ok(Math.abs(f.loudness - 20 * Math.log10(0.5)) < 0.7, `loudness ${f.loudness}`);
  });
});

describe('content vector', () => {
  test('tracks alike point the same way; unlike ones do not', async () => {
    const fast = await features('v-fast.flac', kicks(128), 20);
    const alsoFast = await features('v-fast2.flac', kicks(124), 20);
    const chordsOnly = await features('v-chords.flac', chords(C_MAJOR), 16);
    const hiss = await features('v-hiss.flac', noise(0.5), 20);
    const [a, b, c, d] = [fast, alsoFast, chordsOnly, hiss].map(contentVector) as Float32Array[];
    assert.ok(cosine(a!, b!) > 0.9, `two kick tracks: ${cosine(a!, b!)}`);
    assert.ok(cosine(a!, b!) > cosine(a!, c!) + 0.3, 'kicks are closer to kicks than to chords');
    assert.ok(cosine(c!, d!) < 0.3, `chords and hiss are far apart: ${cosine(c!, d!)}`);
  });
});

describe('analysis window', () => {
  test('the middle 90 s of a long track, all of a short one', () => {
    assert.deepEqual(analysisWindow(300_000), { startMs: 105_000, durationMs: 90_000 });
    assert.deepEqual(analysisWindow(60_000), { startMs: 0, durationMs: 60_000 });
  });
});

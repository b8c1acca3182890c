import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findFfmpeg } from '../../src/adapters/ffmpeg-binaries.js';
import { makeTone } from '../helpers/audio.js';

const run = promisify(execFile);
export const TONES = [
  { title: 'First Light', hz: 440 },
  { title: 'Second Wind', hz: 660 },
  { title: 'Third Rail', hz: 880 },
];
export const TONE_SECONDS = 8;

/** A small album of steady sines (gaps and overlaps are plain to see) and one long noise track for ABR. */
export async function makeFixtures(root: string): Promise<void> {
  const album = join(root, 'The Oscillators', 'Tone Poems');
  await mkdir(album, { recursive: true });
  for (const [i, tone] of TONES.entries()) {
    await makeTone(join(album, `0${i + 1} ${tone.title}.flac`), {
      seconds: TONE_SECONDS,
      frequency: tone.hz,
      levelDb: -9,
      tags: {
        title: tone.title,
        artist: 'The Oscillators',
        album_artist: 'The Oscillators',
        album: 'Tone Poems',
        track: String(i + 1),
        date: '2026-03-01',
        genre: 'Ambient',
      },
    });
  }
  const long = join(root, 'Static Field', 'Long Horizon.flac');
  await mkdir(join(root, 'Static Field'), { recursive: true });
  await run(findFfmpeg().ffmpeg, [
    ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'anoisesrc=color=pink:amplitude=0.25:seed=7:duration=180'],
    ...['-metadata', 'title=Long Horizon', '-metadata', 'artist=Static Field', '-metadata', 'album=Horizons'],
    long,
  ]);
}

import { mkdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { makeTone } from './audio.js';

/** A small, real music folder: two albums, a compilation track, sidecar artwork and four bad files. */
export async function makeLibrary(root: string): Promise<void> {
  const file = async (rel: string, opts: Parameters<typeof makeTone>[1]) => {
    const path = join(root, rel);
    await mkdir(dirname(path), { recursive: true });
    return makeTone(path, opts);
  };
  await file('Ada Lovelace/Engines/01 Opening.flac', {
    seconds: 4,
    frequency: 440,
    tags: {
      title: 'Opening',
      artist: 'Ada Lovelace',
      album_artist: 'Ada Lovelace',
      album: 'Engines',
      track: '1',
      date: '2021-05-04',
      genre: 'Electronic',
    },
  });
  await file('Ada Lovelace/Engines/02 Difference.mp3', {
    seconds: 4,
    frequency: 660,
    tags: {
      title: 'Difference',
      artist: 'Ada Lovelace',
      album_artist: 'Ada Lovelace',
      album: 'Engines',
      track: '2',
      date: '2021-05-04',
    },
  });
  const cover = await sharp({ create: { width: 800, height: 600, channels: 3, background: { r: 200, g: 40, b: 90 } } })
    .jpeg()
    .toBuffer();
  await writeFile(join(root, 'Ada Lovelace/Engines/cover.jpg'), cover);
  await file('Mixes/Night.ogg', {
    seconds: 3,
    frequency: 550,
    tags: { title: 'Night', artist: 'Charles Babbage', album: 'Night Mix', compilation: '1', track: '3' },
  });

  // Tags far larger than any real title: imported, with the text capped.
  await file('Odd/huge-tags.ogg', {
    seconds: 2,
    tags: { title: `Long ${'la'.repeat(50_000)}`, artist: 'Tagger', album: 'Odd', comment: 'x'.repeat(100_000) },
  });

  await mkdir(join(root, 'bad'), { recursive: true });
  await writeFile(join(root, 'bad/empty.mp3'), '');
  await writeFile(join(root, 'bad/notes.mp3'), 'these are not the bytes you are looking for\n'.repeat(200));
  const truncated = await file('bad/truncated.flac', { seconds: 6, tags: { title: 'Truncated' } });
  const size = (await readFile(truncated)).length;
  await truncate(truncated, Math.floor(size / 3));
  await file('bad/mislabelled.mp3', { seconds: 2, outputArgs: ['-f', 'flac'], tags: { title: 'Mislabelled' } });
}

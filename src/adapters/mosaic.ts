import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';

const TILE = 320;

/**
 * A generated playlist's cover: four different album covers in a 2×2 grid, as Spotify draws a
 * playlist's cover from its first albums; with fewer than four, the first cover as it is. The grid is
 * stored like an uploaded cover (`store` writes the renditions and returns their key); the key is a
 * hash of the image, so the same four covers make the same key and nothing new is written.
 */
export function mosaicCovers(imagesDir: string, store: (image: Buffer) => Promise<string>) {
  return async (albumImageKeys: string[]): Promise<string | null> => {
    const keys = albumImageKeys.slice(0, 4);
    if (keys.length === 0) return null;
    if (keys.length < 4) return keys[0]!;
    try {
      const tiles = await Promise.all(
        keys.map(async (key) =>
          sharp(await readFile(join(imagesDir, key, '640.jpg')))
            .resize(TILE, TILE, { fit: 'cover' })
            .toBuffer(),
        ),
      );
      const grid = await sharp({
        create: { width: 2 * TILE, height: 2 * TILE, channels: 3, background: '#000000' },
      })
        .composite(tiles.map((input, i) => ({ input, left: (i % 2) * TILE, top: Math.floor(i / 2) * TILE })))
        .jpeg({ quality: 85 })
        .toBuffer();
      return await store(grid);
    } catch {
      // A cover file gone missing is no reason to leave the playlist without artwork.
      return keys[0]!;
    }
  };
}

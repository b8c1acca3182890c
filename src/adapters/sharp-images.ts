import sharp from 'sharp';
import { MediaError } from '../core/errors.js';
import { type ImageProcessor, type ImageRendition, RENDITION_SIZES } from '../ports/images.js';

/** Transparent areas become white: most transparent artwork is dark-on-clear and stays legible. */
const BACKGROUND = '#ffffff';
const JPEG_QUALITY = 85;

/**
 * Artwork renditions with sharp (libvips). Sources are auto-rotated by their EXIF orientation,
 * centre-cropped to a square, scaled down (never up: an enlarged 200 px cover is bigger, not sharper),
 * flattened onto white and written as sRGB JPEG without metadata.
 */
export class SharpImages implements ImageProcessor {
  async renditions(input: Buffer): Promise<ImageRendition[]> {
    let side: number;
    try {
      const { width, height } = await sharp(input, { failOn: 'error' }).metadata();
      // min(width, height) does not change when EXIF orientation swaps the axes.
      side = Math.min(width ?? 0, height ?? 0);
    } catch {
      throw new MediaError('artwork is not a readable image');
    }
    if (!(side > 0)) throw new MediaError('artwork is not a readable image');
    try {
      return await Promise.all(
        RENDITION_SIZES.map(async (size) => {
          const edge = Math.min(size, side);
          const { data, info } = await sharp(input, { failOn: 'error' })
            .rotate()
            .resize(edge, edge, { fit: 'cover', position: 'centre' })
            .flatten({ background: BACKGROUND })
            .jpeg({ quality: JPEG_QUALITY })
            .toBuffer({ resolveWithObject: true });
          return { size, width: info.width, height: info.height, data };
        }),
      );
    } catch {
      // Headers can parse while the pixel data is broken; that is still an unreadable image.
      throw new MediaError('artwork is not a readable image');
    }
  }
}

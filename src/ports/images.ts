/** What the artwork pipeline needs from an image library. */

/** Square rendition sizes, largest first: player view, grid tiles, list thumbnails. */
export const RENDITION_SIZES = [640, 300, 64] as const;

export type RenditionSize = (typeof RENDITION_SIZES)[number];

export interface ImageRendition {
  /** The slot this rendition fills. */
  size: RenditionSize;
  /** Actual pixels: equal to `size`, or smaller when the source is smaller (never enlarged). Always square. */
  width: number;
  height: number;
  /** JPEG bytes. */
  data: Buffer;
}

export interface ImageProcessor {
  /** One square JPEG per size, centre-cropped; throws MediaError when `input` is not a readable image. */
  renditions(input: Buffer): Promise<ImageRendition[]>;
}

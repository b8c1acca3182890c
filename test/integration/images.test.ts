import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { SharpImages } from '../../src/adapters/sharp-images.js';
import { MediaError } from '../../src/core/errors.js';

const images = new SharpImages();

/** A wide image: red left third, blue middle third, green right third. */
async function threeBands(width: number, height: number): Promise<Buffer> {
  const band = Math.round(width / 3);
  const rgb = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const colour = x < band ? [255, 0, 0] : x < 2 * band ? [0, 0, 255] : [0, 255, 0];
      rgb.set(colour, i);
    }
  }
  return sharp(rgb, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

test('a large cover becomes square JPEGs at 640, 300 and 64 px', async () => {
  const cover = await sharp({ create: { width: 1200, height: 1000, channels: 3, background: '#336699' } })
    .webp()
    .toBuffer();
  const out = await images.renditions(cover);
  assert.deepEqual(
    out.map((r) => [r.size, r.width, r.height]),
    [
      [640, 640, 640],
      [300, 300, 300],
      [64, 64, 64],
    ],
  );
  for (const r of out) {
    const meta = await sharp(r.data).metadata();
    assert.equal(meta.format, 'jpeg');
    assert.deepEqual([meta.width, meta.height], [r.width, r.height]);
    assert.equal(meta.exif, undefined);
  }
});

test('renditions are cropped from the centre, not squashed', async () => {
  const [large] = await images.renditions(await threeBands(1800, 600));
  assert.deepEqual([large!.width, large!.height], [600, 600]);
  const { dominant } = await sharp(large!.data).stats();
  assert.ok(dominant.b > 200 && dominant.r < 60 && dominant.g < 60, JSON.stringify(dominant));
});

test('a small cover is never enlarged, only cropped square', async () => {
  const cover = await sharp({ create: { width: 200, height: 150, channels: 3, background: '#aa2200' } })
    .jpeg()
    .toBuffer();
  const out = await images.renditions(cover);
  assert.deepEqual(
    out.map((r) => [r.size, r.width, r.height]),
    [
      [640, 150, 150],
      [300, 150, 150],
      [64, 64, 64],
    ],
  );
});

test('transparent artwork is flattened onto white', async () => {
  const clear = await sharp({
    create: { width: 400, height: 400, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
  })
    .png()
    .toBuffer();
  const [, medium] = await images.renditions(clear);
  const { channels } = await sharp(medium!.data).stats();
  assert.ok(
    channels.every((c) => c.mean > 250),
    JSON.stringify(channels.map((c) => c.mean)),
  );
});

test('anything that is not an image is rejected with a MediaError', async () => {
  const truncatedPng = (await threeBands(300, 300)).subarray(0, 200);
  for (const input of [Buffer.alloc(0), Buffer.from('definitely not a picture'), truncatedPng]) {
    await assert.rejects(images.renditions(input), (error: unknown) => {
      assert.ok(error instanceof MediaError);
      assert.equal(error.message, 'artwork is not a readable image');
      return true;
    });
  }
});

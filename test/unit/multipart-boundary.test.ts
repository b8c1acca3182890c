import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import { boundaryOf, watchClosingDelimiter } from '../../src/http/multipart-boundary.js';

/** Feeds `chunks` through a stream and reports whether the watcher saw the closing delimiter. */
async function sees(chunks: Buffer[], boundary = 'b0und'): Promise<boolean> {
  const body = new PassThrough();
  const watch = watchClosingDelimiter(body, boundary);
  body.resume();
  for (const chunk of chunks) body.write(chunk);
  body.end();
  await new Promise((resolve) => body.once('end', resolve));
  return watch.seen();
}

const form = Buffer.from('--b0und\r\nContent-Disposition: form-data; name="t"\r\n\r\nvalue\r\n--b0und--\r\n');

describe('closing delimiter watch', () => {
  test('finds the closing delimiter wherever the chunks split it', async () => {
    for (let cut = 0; cut <= form.length; cut++) {
      assert.equal(await sees([form.subarray(0, cut), form.subarray(cut)]), true, `split at ${cut}`);
    }
    assert.equal(await sees([...form].map((byte) => Buffer.from([byte]))), true, 'one byte at a time');
  });

  test('an empty form is only its closing delimiter', async () => {
    assert.equal(await sees([Buffer.from('--b0und--\r\n')]), true);
  });

  test('a cut-off body, or the marker without its line break inside a part, is not the end', async () => {
    assert.equal(await sees([form.subarray(0, form.length - 6)]), false);
    const inside = Buffer.from('--b0und\r\nContent-Disposition: form-data; name="t"\r\n\r\nx--b0und--y');
    assert.equal(await sees([inside]), false);
  });

  test('reads the boundary parameter, quoted or not, and refuses a Content-Type without one', () => {
    assert.equal(boundaryOf('multipart/form-data; boundary=abc'), 'abc');
    assert.equal(boundaryOf('multipart/form-data; charset=utf-8; BOUNDARY="a b;c"'), 'a b;c');
    assert.throws(() => boundaryOf('multipart/form-data'), /body/);
    assert.throws(() => boundaryOf('multipart/form-data; boundary='), /body/);
  });
});

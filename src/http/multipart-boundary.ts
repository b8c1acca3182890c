import type { Readable } from 'node:stream';
import { Invalid } from '../core/errors.js';

/** The `boundary` parameter of a multipart Content-Type, or Invalid naming `body` when there is none. */
export function boundaryOf(contentType: string | undefined): string {
  const match = /;\s*boundary=(?:"([^"]+)"|([^\s;]+))/i.exec(contentType ?? '');
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) throw new Invalid('body is multipart/form-data without a boundary in its Content-Type', 'body');
  return boundary;
}

/**
 * Watches a request body for the form's closing delimiter (CRLF "--boundary--"). Busboy ends quietly
 * when the body stops without it, and would hand over a form whose last part was cut off.
 * Parts cannot contain CRLF "--boundary", so the first match is the closing delimiter.
 */
export function watchClosingDelimiter(body: Readable, boundary: string): { seen(): boolean; stop(): void } {
  const needle = Buffer.from(`\r\n--${boundary}--`);
  const keep = needle.length - 1;
  // A body may open with its closing delimiter (an empty form): as if a line break came before it.
  let tail = Buffer.from('\r\n');
  let seen = false;
  const onData = (chunk: Buffer) => {
    // Either inside this chunk, or across the seam with the end of the previous one.
    const seam = Buffer.concat([tail, chunk.subarray(0, keep)]);
    if (seam.includes(needle) || chunk.includes(needle)) {
      seen = true;
      body.off('data', onData);
      return;
    }
    tail = Buffer.from(chunk.length >= keep ? chunk.subarray(chunk.length - keep) : seam.subarray(-keep));
  };
  body.on('data', onData);
  return {
    seen: () => seen,
    stop: () => body.off('data', onData),
  };
}

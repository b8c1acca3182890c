import { open } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { rungFor } from '../core/ingest/ladder.js';
import type { RungBuild } from '../core/streaming/rung-builds.js';
import type { AudioGrant } from '../core/streaming/signer.js';
import type { ServedInfo } from './audio.js';
import { buildTiming, drained } from './audio-files.js';

/**
 * The edge's answers for an object that is still being made (a lazy library's rung on its first
 * request). A closed range is answered as soon as the encoder has written past its end, with the
 * total still unknown (`Content-Range: bytes 0-65535/*`); a request for the whole object streams the
 * output as it grows. Everything else (suffix or open-ended ranges from an offset, conditional requests,
 * HEAD, MP4 and FLAC objects) waits for the object to be complete and is then served as usual:
 * 'finished' tells the caller to do that.
 */

const CLOSED_RANGE = /^bytes=(\d+)-(\d+)$/i;
const WHOLE = /^bytes=0-$/i;
const STREAM_CHUNK = 256 * 1024;

interface Context {
  grant: AudioGrant;
  build: RungBuild;
  etag: string;
  immutable: string;
  /** When the request began waiting for the encoder (performance.now()). */
  startedAt: number;
}

export async function serveWhileBuilding(
  req: IncomingMessage,
  res: ServerResponse,
  context: Context,
): Promise<ServedInfo | 'finished'> {
  const { build } = context;
  const range = req.headers.range?.trim();
  const conditional = req.headers['if-none-match'] !== undefined || req.headers['if-range'] !== undefined;
  if (!build.streamable || req.method === 'HEAD' || conditional) return finished(build);
  const closed = range === undefined ? null : CLOSED_RANGE.exec(range);
  if (closed) {
    const start = Number(closed[1]);
    const end = Number(closed[2]);
    if (end < start) return finished(build);
    return serveClosedRange(res, context, start, end);
  }
  if (range === undefined || WHOLE.test(range)) return streamWhole(res, context);
  return finished(build);
}

async function finished(build: RungBuild): Promise<'finished'> {
  await build.done;
  return 'finished';
}

function headers(context: Context, extra: Record<string, string | number>): Record<string, string | number> {
  return {
    'Accept-Ranges': 'bytes',
    ETag: context.etag,
    'Cache-Control': context.immutable,
    'Content-Type': rungFor(context.grant.quality)!.mimeType,
    ...extra,
  };
}

/** Opens the temporary file; undefined when the encoder has already renamed it (the object is complete). */
async function openPartial(build: RungBuild) {
  const path = await Promise.race([build.partialPath, build.done.then(() => undefined)]);
  if (path === undefined) return undefined;
  return open(path, 'r').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
}

async function serveClosedRange(
  res: ServerResponse,
  context: Context,
  start: number,
  end: number,
): Promise<ServedInfo | 'finished'> {
  const { build } = context;
  const progress = await build.waitFor(end + 1);
  // Complete before the range was written out (or the range runs past the end): serve it as usual.
  if (progress.size !== undefined) return 'finished';
  const file = await openPartial(build);
  if (file === undefined) return finished(build);
  const length = end - start + 1;
  const body = Buffer.allocUnsafe(length);
  try {
    let read = 0;
    while (read < length) {
      const { bytesRead } = await file.read(body, read, length - read, start + read);
      if (bytesRead === 0) throw new Error('a rung being made is shorter than the encoder reported');
      read += bytesRead;
    }
  } finally {
    await file.close();
  }
  res.writeHead(
    206,
    headers(context, {
      'Content-Length': length,
      'Content-Range': `bytes ${start}-${end}/*`,
      'Server-Timing': buildTiming(context.startedAt),
    }),
  );
  res.end(body);
  return { ...context.grant, status: 206, bytes: length, size: undefined };
}

/** The whole object, chunked, following the encoder's output until it is complete. */
async function streamWhole(res: ServerResponse, context: Context): Promise<ServedInfo | 'finished'> {
  const { build } = context;
  // The encoder creates its file when it starts writing.
  if ((await build.waitFor(1)).size !== undefined) return 'finished';
  const file = await openPartial(build);
  if (file === undefined) return finished(build);
  let position = 0;
  try {
    res.writeHead(200, headers(context, {}));
    for (;;) {
      if (res.destroyed) break;
      const progress = await build.waitFor(position + 1);
      // The descriptor still reads the object after the rename that completes it.
      const until = progress.size ?? progress.written;
      if (position >= until) {
        if (progress.size !== undefined) break;
        continue;
      }
      const length = Math.min(STREAM_CHUNK, until - position);
      const chunk = Buffer.allocUnsafe(length);
      const { bytesRead } = await file.read(chunk, 0, length, position);
      if (bytesRead === 0) throw new Error('a rung being made is shorter than the encoder reported');
      position += bytesRead;
      if (!res.write(chunk.subarray(0, bytesRead))) await drained(res);
    }
    res.end();
  } finally {
    await file.close();
  }
  return { ...context.grant, status: 200, bytes: position, size: position };
}

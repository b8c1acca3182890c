import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { audioKey, rungFor } from '../core/ingest/ladder.js';
import type { RungBuilds } from '../core/streaming/rung-builds.js';
import type { AudioGrant, UrlSigner, VerifyFailure } from '../core/streaming/signer.js';
import { serveWhileBuilding } from './audio-builds.js';
import { BlockCache, BufferPool, buildTiming, drained, type OpenFile, OpenFiles, readFully } from './audio-files.js';

/**
 * The edge: serves signed, immutable audio objects with byte ranges, straight from node:http (no
 * framework, no database) because it answers every seek and every buffer refill of every listener.
 */

export interface ServedInfo extends AudioGrant {
  status: 200 | 206 | 304;
  /** Body bytes handed to the socket (0 for HEAD and 304). */
  bytes: number;
  /** Size of the whole object; undefined for a range served while the object is still being made. */
  size: number | undefined;
}

export interface AudioHandlerOptions {
  signer: UrlSigner;
  audioRoot: string;
  /**
   * Makes a missing rung of a lazy library's track on its first request (src/core/streaming/rung-builds.ts);
   * without it a missing object is a 404.
   */
  builds?: RungBuilds;
  /** Tracks withdrawn since their URLs were signed (src/core/streaming/revocations.ts): answered 410. */
  revoked?: { has(trackId: string): boolean };
  /** Called once per successful response, when it is dispatched (not when the client has it). */
  onServed?: (info: ServedInfo) => void;
  /** Unexpected failures (a read error, a throwing onServed); the response is already dealt with. */
  onError?: (err: unknown) => void;
  /** Open file descriptors kept for reuse; default 512. */
  maxOpenFiles?: number;
  /** How long a cached descriptor is trusted, so a deleted object stops being served; default 60 s. */
  maxFileAgeMs?: number;
  /** Idle read buffers kept for reuse; default 64 MiB. */
  bufferPoolBytes?: number;
  /** Memory for hot audio blocks (ranges up to 1 MB are served from it); default 128 MiB, 0 turns it off. */
  cacheBytes?: number;
}

export type AudioHandler = ((req: IncomingMessage, res: ServerResponse) => void) & {
  /** Closes every cached descriptor (those in use close when their response ends). */
  close(): void;
};

const FAILURE_MESSAGES: Record<VerifyFailure, string> = {
  malformed: 'audio URL is malformed',
  unknown_key: 'audio URL was signed with an unknown key',
  bad_signature: 'audio URL signature is invalid',
  expired: 'audio URL expired',
};
const IMMUTABLE = 'public, max-age=31536000, immutable';
// Ranges up to this size are read into one buffer and written at once; players ask for 256 KB–1 MB,
// and one read + one write beats a stream's chunking there. Larger bodies stream with backpressure.
const BUFFERED_MAX = 1024 * 1024;
const STREAM_CHUNK = 512 * 1024;
const RANGE = /^bytes=(\d*)-(\d*)$/i;

export function createAudioHandler(options: AudioHandlerOptions): AudioHandler {
  const { signer, audioRoot, revoked, builds, onServed, onError } = options;
  const files = new OpenFiles(Math.max(1, options.maxOpenFiles ?? 512), options.maxFileAgeMs ?? 60_000);
  const buffers = new BufferPool(options.bufferPoolBytes ?? 64 * 1024 * 1024);
  const cacheBytes = options.cacheBytes ?? 128 * 1024 * 1024;
  const cache = cacheBytes > 0 ? new BlockCache(cacheBytes) : undefined;

  /** The range from memory: cached, or loaded into the cache when the cache admits it. */
  async function fromCache(file: OpenFile, start: number, end: number): Promise<Buffer[] | undefined> {
    if (cache === undefined) return undefined;
    return cache.lookup(file, start, end) ?? (cache.admits() ? cache.load(file, start, end) : undefined);
  }

  /** Answers a verified request; resolves to what was served, or undefined for a 404 or 416. */
  async function serve(req: IncomingMessage, res: ServerResponse, grant: AudioGrant): Promise<ServedInfo | undefined> {
    const head = req.method === 'HEAD';
    const path = join(audioRoot, audioKey(grant.trackId, grant.version, grant.quality));
    const etag = `"${grant.trackId}.${grant.version}.${grant.quality}"`;
    let file = await files.acquire(path);
    // Time spent waiting for an encoder, told to the player (Server-Timing) so that it does not take it
    // for a slow network: its throughput estimate picks the rungs.
    let building: string | undefined;
    if (file === undefined && builds !== undefined) {
      const startedAt = performance.now();
      const build = await builds.start(grant.trackId, grant.version, grant.quality);
      if (build === undefined) return void sendError(res, 404, 'not found', head);
      const served = await serveWhileBuilding(req, res, { grant, build, etag, immutable: IMMUTABLE, startedAt });
      if (served !== 'finished') return served;
      building = buildTiming(startedAt);
      file = await files.acquire(path);
    }
    if (file === undefined) return void sendError(res, 404, 'not found', head);
    try {
      const { size } = file;
      if (noneMatch(req.headers['if-none-match'], etag)) {
        res.writeHead(304, { ETag: etag, 'Cache-Control': IMMUTABLE, 'Accept-Ranges': 'bytes' });
        res.end();
        return { ...grant, status: 304, bytes: 0, size };
      }
      const rangeHeader = req.headers.range;
      const ifRange = req.headers['if-range'];
      // If-Range with anything but our strong ETag (a date, a weak or stale tag) asks for the whole object.
      const range =
        rangeHeader !== undefined && (ifRange === undefined || (typeof ifRange === 'string' && ifRange.trim() === etag))
          ? parseRange(rangeHeader, size)
          : undefined;
      if (range === 'unsatisfiable') {
        return void sendError(res, 416, 'range not satisfiable', head, { 'Content-Range': `bytes */${size}` });
      }
      const start = range?.start ?? 0;
      const end = range?.end ?? size - 1;
      const length = end - start + 1;
      const headers: Record<string, string | number> = {
        'Accept-Ranges': 'bytes',
        ETag: etag,
        'Cache-Control': IMMUTABLE,
        'Content-Type': rungFor(grant.quality)!.mimeType,
        'Content-Length': length,
      };
      if (range !== undefined) headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
      if (building !== undefined) headers['Server-Timing'] = building;
      const status = range === undefined ? 200 : 206;
      const parts = !head && length > 0 && length <= BUFFERED_MAX ? await fromCache(file, start, end) : undefined;

      if (head || length === 0) {
        res.writeHead(status, headers);
        res.end();
      } else if (parts !== undefined) {
        res.writeHead(status, headers);
        if (parts.length > 1) res.cork();
        for (let i = 0; i < parts.length - 1; i++) res.write(parts[i]);
        res.end(parts.at(-1));
      } else if (length <= BUFFERED_MAX) {
        // Read before writing the head, so a read error can still become a clean 500.
        const slab = buffers.take(length);
        try {
          await readFully(file.fd, slab, length, start);
        } catch (err) {
          buffers.give(slab);
          throw err;
        }
        res.writeHead(status, headers);
        // 'finish' means the kernel has the bytes; a response cut short never gives its slab back.
        res.end(slab.subarray(0, length), () => buffers.give(slab));
      } else {
        res.writeHead(status, headers);
        await streamRange(file.fd, start, end, res, buffers);
      }
      return { ...grant, status, bytes: head ? 0 : length, size };
    } finally {
      files.release(file);
    }
  }

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      sendError(res, 405, 'method not allowed', false, { Allow: 'GET, HEAD' });
      return;
    }
    // Split by hand: new URL() per request is measurably slower, and only path + query matter here.
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const pathname = q === -1 ? url : url.slice(0, q);
    const verdict = signer.verify(pathname, new URLSearchParams(q === -1 ? '' : url.slice(q + 1)));
    if (!verdict.ok) {
      sendError(res, 403, FAILURE_MESSAGES[verdict.reason], head);
      return;
    }
    const { trackId, version, quality, userId } = verdict;
    // After the MAC, so "gone" is only ever said about a URL we really issued. Not cacheable (no-store):
    // a track published again plays again.
    if (revoked?.has(trackId)) {
      sendError(res, 410, 'this track is no longer available', head);
      return;
    }
    serve(req, res, { trackId, version, quality, userId })
      .then((served) => served && onServed?.(served))
      .catch((err: unknown) => {
        if (!res.headersSent) sendError(res, 500, 'internal error', head);
        else if (!res.writableEnded) res.destroy();
        onError?.(err);
      });
  };
  return Object.assign(handler, { close: () => files.closeAll() });
}

function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  head: boolean,
  extra: Record<string, string> = {},
): void {
  const body = JSON.stringify({ error: { status, message } });
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    ...extra,
  });
  res.end(head ? undefined : body);
}

/** If-None-Match uses weak comparison (RFC 9110 §13.1.2), so `W/"x"` matches `"x"`. */
function noneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  for (const part of header.split(',')) {
    const tag = part.trim();
    if (tag === '*' || tag === etag || (tag.startsWith('W/') && tag.slice(2) === etag)) return true;
  }
  return false;
}

/**
 * One `bytes=` range → inclusive offsets. `undefined` means "ignore the header and send everything":
 * RFC 9110 lets a server do that for syntax it rejects, and for multiple ranges, which players never ask.
 */
export function parseRange(header: string, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const m = RANGE.exec(header.trim());
  if (m === null) return undefined;
  const [, first = '', last = ''] = m;
  if (first === '') {
    if (last === '') return undefined;
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end: last === '' ? size - 1 : Math.min(Number(last), size - 1) };
}

/**
 * Larger bodies (a player's opening `bytes=0-`, a download) go out chunk by chunk with backpressure.
 * Not fs.createReadStream: destroying it (a listener hanging up) closes its fd even with autoClose
 * off, and that fd belongs to the cache.
 */
async function streamRange(fd: number, start: number, end: number, res: ServerResponse, buffers: BufferPool) {
  let position = start;
  while (position <= end && !res.destroyed) {
    const length = Math.min(STREAM_CHUNK, end - position + 1);
    const slab = buffers.take(length);
    await readFully(fd, slab, length, position);
    position += length;
    // The callback runs once the kernel has the bytes (or the write failed): only then is reuse safe.
    const reuse = () => buffers.give(slab);
    if (position > end) res.end(slab.subarray(0, length), reuse);
    else if (!res.write(slab.subarray(0, length), reuse)) await drained(res);
  }
}

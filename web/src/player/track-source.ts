import { headerLength, type OggPage, readPages } from './ogg.js';
import type { PlayerApi, StreamFile, StreamInfo } from './types.js';

/** Bytes per range request. */
export const CHUNK_BYTES = 512 * 1024;
/** The first request of a track that starts now (or is likely to): headers and the first pages. */
export const FIRST_FETCH_BYTES = 64 * 1024;
/**
 * A start decodes this many bytes at most, and at most `frames` of audio (see `ReadLimits`): decoding
 * costs time per second of audio, and 48 KB of a quiet or simple track can hold 15 s of it.
 */
export const FIRST_DECODE_BYTES = 48 * 1024;
/** Attempts per range request before the track fails. */
const ATTEMPTS = 4;

export class FetchError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The file's size told by a 416 (the range started past the end), when it says it. */
    readonly total?: number,
  ) {
    super(message);
  }
}

/**
 * Range requests. `end` is exclusive; `total` is the file's size from `Content-Range`, undefined while
 * the server does not know it yet (`bytes 0-65535/*`: a rung still being made on its first request).
 */
export interface Network {
  range(url: string, start: number, end: number): Promise<RangeResult>;
}

export interface RangeResult {
  bytes: Uint8Array;
  total: number | undefined;
  /**
   * Milliseconds the server spent waiting for its encoder before answering (a rung made on its first
   * request, told by `Server-Timing: build;dur=…`): not network time.
   */
  serverWaitMs?: number;
}

/** Decodes a complete little Ogg Vorbis file to PCM at the output's sample rate. */
export interface Decoder {
  decode(bytes: Uint8Array): Promise<{ length: number; channels: Float32Array[] }>;
}

export interface SourceDeps {
  api: PlayerApi;
  network: Network;
  decoder: Decoder;
  /** Output frames per second. */
  sampleRate: number;
  sleep(ms: number): Promise<void>;
  /** Wall clock in ms, for URL expiry. */
  clock(): number;
  /** Told about every range fetched, for the throughput estimate. */
  onFetch?(bytes: number, ms: number): void;
}

/** Bounds on one read: bytes fetched and decoded, and output frames decoded past the start. */
export interface ReadLimits {
  bytes?: number;
  frames?: number;
}

/** Decoded audio of a track from frame `start` (inclusive) to `end` (exclusive), in output frames. */
export interface Chunk {
  quality: string;
  start: number;
  end: number;
  channels: Float32Array[];
  /** The track ends with this chunk. */
  final: boolean;
  /** Byte offset to continue reading the same rung from. */
  next: number;
}

interface Rung {
  file: StreamFile;
  headers: Uint8Array;
  headerEnd: number;
  /** The file's size; undefined until the server tells it (the rung is still being made). */
  size: number | undefined;
  /** Output frames per file sample (2 for the 22.05 kHz rung on a 44.1 kHz output). */
  ratio: number;
  /** Bytes already fetched from `offset`: the audio after the headers, later the tail of the last read. */
  spare?: { offset: number; bytes: Uint8Array };
}

/**
 * One track's audio: fetches 512 KB ranges of whichever rung the caller asks for, cuts them at Ogg
 * page boundaries and decodes them to sample-exact chunks. Rungs can change between chunks; positions
 * are always output frames, so a chunk of another rung continues where the last one ended.
 */
export class TrackSource {
  private info: Promise<StreamInfo>;
  private readonly rungs = new Map<string, Promise<Rung>>();

  constructor(
    readonly trackId: string,
    /** Expected length in output frames, from the catalog; the real end comes from the last page. */
    readonly expectedFrames: number,
    private readonly deps: SourceDeps,
  ) {
    this.info = deps.api.streamInfo(trackId);
  }

  /** Qualities this listener may stream, with their bitrates (kbps), Ogg Vorbis only. */
  async qualities(): Promise<{ quality: string; kbps: number; nominalKbps: number }[]> {
    const info = await this.info;
    return info.files
      .filter((f) => f.mime_type === 'audio/ogg' && f.bitrate)
      .map((f) => {
        const kbps = Math.round((f.bitrate ?? 0) / 1000);
        // Rungs are named after their advertised bitrate (vorbis_160); files come out near it, not on it.
        return { quality: f.quality, kbps, nominalKbps: Number(/_(\d+)$/.exec(f.quality)?.[1] ?? kbps) };
      })
      .sort((a, b) => a.nominalKbps - b.nominalKbps);
  }

  async gainDb(): Promise<number> {
    return (await this.info).normalization_gain_db ?? 0;
  }

  /** Fetches the start of a rung ahead of time (`bytes` of it), so that playing the track needs no request. */
  prefetch(quality: string, bytes = CHUNK_BYTES): Promise<void> {
    return this.rung(quality, bytes).then(() => undefined);
  }

  /**
   * Decoded audio starting at or before `from` (trimmed to start exactly there). `hint` is the byte
   * offset the previous chunk of the same rung said to continue from; without it the offset is
   * estimated from the position and corrected until the pages around `from` are in range. A start
   * passes `limits` to decode little (the next read continues from the chunk's `next`).
   */
  async read(quality: string, from: number, hint?: number, limits: ReadLimits = {}): Promise<Chunk> {
    let maxBytes = limits.bytes ?? CHUNK_BYTES;
    const rung = await this.rung(quality, maxBytes < CHUNK_BYTES ? FIRST_FETCH_BYTES : CHUNK_BYTES);
    const want = from / rung.ratio;
    let offset = hint ?? this.estimate(rung, want);
    for (let step = 0; step < 12; step++) {
      const bytes = await this.bytes(rung, offset, maxBytes);
      // An estimate from the nominal bitrate went past the end (the size was unknown until this 416).
      if (bytes.length === 0 && rung.size !== undefined && offset >= rung.size && offset > rung.headerEnd) {
        offset = Math.max(rung.headerEnd, rung.size - CHUNK_BYTES / 2);
        continue;
      }
      const pages = readPages(bytes, offset).filter((p) => p.offset >= rung.headerEnd);
      if (pages.length === 0 && maxBytes < CHUNK_BYTES) {
        maxBytes = CHUNK_BYTES; // not even one whole page in a short read: read a full chunk instead
        continue;
      }
      const found = pages.findIndex((p) => p.granule >= want);
      if (found === -1) {
        const last = pages.at(-1);
        if (last?.eos || (rung.size !== undefined && offset + bytes.length >= rung.size)) {
          return this.empty(quality, from, rung.size ?? offset + bytes.length);
        }
        if (bytes.length === 0) throw new Error(`track ${this.trackId}: ${quality} ended without its last page`);
        offset = last ? last.offset : offset + bytes.length;
        continue;
      }
      // Continuing from a hint, the first pages are the overlap with the previous chunk.
      const continuing = hint !== undefined && step === 0;
      const atStart = pages[0]!.offset === rung.headerEnd;
      if (!continuing && found < 2 && !atStart) {
        offset = Math.max(rung.headerEnd, offset - Math.max(16 * 1024, bytes.length / 4));
        continue;
      }
      const first = continuing ? 0 : Math.max(0, found - 2);
      const chunk = await this.decodeFrom(rung, quality, bytes, offset, pages, first, from, limits.frames);
      if (chunk) {
        // The bytes from where the next chunk starts are kept, so that only what follows is fetched.
        rung.spare = { offset: chunk.next, bytes: bytes.subarray(Math.max(0, chunk.next - offset)) };
        return chunk;
      }
      offset = Math.max(rung.headerEnd, offset - 16 * 1024);
    }
    throw new Error(`track ${this.trackId}: cannot find position ${from} in ${quality}`);
  }

  /** Decodes pages[first..] (backing up a page while the decoded audio starts after `from`). */
  private async decodeFrom(
    rung: Rung,
    quality: string,
    bytes: Uint8Array,
    offset: number,
    pages: OggPage[],
    first: number,
    from: number,
    maxFrames?: number,
  ): Promise<Chunk | undefined> {
    let last = pages.length - 1;
    if (maxFrames !== undefined) {
      const until = (from + maxFrames) / rung.ratio;
      const enough = pages.findIndex((p, i) => i > first && p.granule >= until);
      if (enough !== -1) last = enough;
    }
    while (last > first && pages[last]!.granule < 0) last--;
    for (let s = first; s >= 0; s--) {
      const begin = pages[s]!.offset - offset;
      const end = pages[last]!.offset + pages[last]!.length - offset;
      const body = bytes.subarray(begin, end);
      const file = new Uint8Array(rung.headers.length + body.length);
      file.set(rung.headers);
      file.set(body, rung.headers.length);
      const decoded = await this.deps.decoder.decode(file);
      const endFrame = Math.round(pages[last]!.granule * rung.ratio);
      const start = endFrame - decoded.length;
      if (start > from && !(s === 0 && begin === 0 && pages[0]!.offset === rung.headerEnd)) continue;
      const skip = Math.max(0, from - start);
      return {
        quality,
        start: start + skip,
        end: endFrame,
        channels: decoded.channels.map((c) => c.subarray(skip)),
        final: pages[last]!.eos,
        next: pages[last]!.offset,
      };
    }
    return undefined;
  }

  private empty(quality: string, from: number, size: number): Chunk {
    return { quality, start: from, end: from, channels: [], final: true, next: size };
  }

  private estimate(rung: Rung, want: number): number {
    const frames = this.expectedFrames / rung.ratio;
    if (!(frames > 0) || want <= 0) return rung.headerEnd;
    const fraction = Math.min(1, want / frames);
    // Size unknown yet: the nominal bitrate over the catalog's duration stands in for it.
    const seconds = this.expectedFrames / this.deps.sampleRate;
    const size = rung.size ?? rung.headerEnd + (seconds * (rung.file.bitrate ?? 0)) / 8;
    const guess = rung.headerEnd + fraction * (size - rung.headerEnd) - 8 * 1024;
    return Math.max(rung.headerEnd, Math.floor(guess));
  }

  /** Up to `length` bytes from `offset`; what the rung's first read already holds is not fetched again. */
  private async bytes(rung: Rung, offset: number, length: number): Promise<Uint8Array> {
    const end = Math.min(rung.size ?? Number.POSITIVE_INFINITY, offset + length);
    const spare = rung.spare;
    if (!spare || offset < spare.offset || offset >= spare.offset + spare.bytes.length) {
      return this.fetchOf(rung, offset, end);
    }
    const have = spare.bytes.subarray(offset - spare.offset);
    // A short tail is not worth a round trip: decode what is here and fetch more next time.
    if (offset + have.length >= end || end - (offset + have.length) < 32 * 1024) {
      return have.subarray(0, end - offset);
    }
    const rest = await this.fetchOf(rung, offset + have.length, end);
    const joined = new Uint8Array(have.length + rest.length);
    joined.set(have);
    joined.set(rest, have.length);
    return joined;
  }

  /**
   * A range of a rung whose size may not be known yet: each answer that tells the size records it, and
   * a range past the end (416) records the size and reads as nothing.
   */
  private async fetchOf(rung: Rung, start: number, end: number): Promise<Uint8Array> {
    try {
      const { bytes, total } = await this.fetch(rung.file.quality, start, end);
      if (total !== undefined) rung.size = total;
      return bytes;
    } catch (error) {
      if (!(error instanceof FetchError && error.status === 416 && error.total !== undefined)) throw error;
      rung.size = error.total;
      return new Uint8Array(0);
    }
  }

  private rung(quality: string, firstBytes = CHUNK_BYTES): Promise<Rung> {
    let rung = this.rungs.get(quality);
    if (!rung) {
      rung = this.loadRung(quality, firstBytes);
      rung.catch(() => this.rungs.delete(quality));
      this.rungs.set(quality, rung);
    }
    return rung;
  }

  /** Reads the start of a rung: its headers, size and sample rate, keeping the audio after them. */
  private async loadRung(quality: string, firstBytes: number): Promise<Rung> {
    let { bytes, total } = await this.fetch(quality, 0, firstBytes);
    let pages = readPages(bytes);
    let headerEnd = headerLength(pages);
    while (headerEnd === undefined && (total === undefined || bytes.length < total)) {
      const more = await this.fetch(quality, bytes.length, bytes.length + CHUNK_BYTES);
      total = more.total;
      if (more.bytes.length === 0) break;
      const joined = new Uint8Array(bytes.length + more.bytes.length);
      joined.set(bytes);
      joined.set(more.bytes, bytes.length);
      bytes = joined;
      pages = readPages(bytes);
      headerEnd = headerLength(pages);
    }
    if (headerEnd === undefined) throw new Error(`track ${this.trackId}: ${quality} has no audio pages`);
    const rate = vorbisRate(bytes, pages[0]);
    const file = (await this.info).files.find((f) => f.quality === quality)!;
    return {
      file,
      headers: bytes.slice(0, headerEnd),
      headerEnd,
      size: total,
      ratio: this.deps.sampleRate / rate,
      spare: { offset: headerEnd, bytes: bytes.subarray(headerEnd) },
    };
  }

  /** One range request with a fresh URL, retried with backoff; a refused signature gets new URLs. */
  private async fetch(quality: string, start: number, end: number): Promise<RangeResult> {
    let lastError: unknown;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const url = await this.url(quality);
      const began = this.deps.clock();
      try {
        const result = await this.deps.network.range(url, start, end);
        const networkMs = this.deps.clock() - began - (result.serverWaitMs ?? 0);
        this.deps.onFetch?.(result.bytes.length, Math.max(1, networkMs));
        return result;
      } catch (error) {
        lastError = error;
        const status = error instanceof FetchError ? error.status : 0;
        if (status === 403 || status === 401) this.info = this.deps.api.streamInfo(this.trackId);
        else if (status >= 400 && status < 500) throw error;
        else await this.deps.sleep(200 * 2 ** attempt);
      }
    }
    throw lastError;
  }

  /** The signed URL of a quality, renewed when it has under 30 s left. */
  private async url(quality: string): Promise<string> {
    let info = await this.info;
    const expiry = (f: StreamInfo) => Date.parse(f.files.find((x) => x.quality === quality)?.expires_at ?? '');
    if (!(expiry(info) - this.deps.clock() > 30_000)) {
      this.info = this.deps.api.streamInfo(this.trackId);
      info = await this.info;
    }
    const file = info.files.find((f) => f.quality === quality);
    if (!file) throw new Error(`track ${this.trackId} has no ${quality} file for this account`);
    return file.url;
  }
}

/** The sample rate in a Vorbis identification header (the first page's packet). */
function vorbisRate(bytes: Uint8Array, first: OggPage | undefined): number {
  if (!first) throw new Error('no Ogg pages');
  const body = first.offset + 27 + bytes[first.offset + 26]!;
  if (bytes[body] !== 1 || String.fromCharCode(...bytes.subarray(body + 1, body + 7)) !== 'vorbis') {
    throw new Error('not an Ogg Vorbis stream');
  }
  return new DataView(bytes.buffer, bytes.byteOffset + body + 12, 4).getUint32(0, true);
}

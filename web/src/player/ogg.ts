/**
 * Just enough Ogg to cut a Vorbis stream into independently decodable chunks: find page boundaries
 * in an arbitrary byte range, read each page's granule position (the sample count at the end of the
 * last packet that completes on the page) and tell header pages from audio pages.
 *
 * A chunk is the header pages followed by a run of whole audio pages. Decoding it yields every sample
 * of those pages except the first packet's (Vorbis needs the previous block to overlap with), and the
 * output always ends exactly at the last page's granule position, so the chunk covers
 * `[granule(last) - decodedLength, granule(last))` of the track: that is how chunks are stitched
 * sample-exactly, and why consecutive chunks overlap by a page or two.
 */

export interface OggPage {
  /** Byte offset of the page in the file. */
  offset: number;
  /** Bytes in the page, header included. */
  length: number;
  /** Samples (per channel, at the stream's rate) up to the end of this page; -1 if no packet ends here. */
  granule: number;
  /** Beginning / end of stream. */
  bos: boolean;
  eos: boolean;
}

const HEADER_BYTES = 27;

/**
 * The whole pages in `bytes`, which starts at byte `fileOffset` of the file. The range may start
 * inside a page: the first page is found by its capture pattern and accepted only if its checksum is
 * right (the pattern can occur inside audio data). Pages after a valid one follow back to back.
 */
export function readPages(bytes: Uint8Array, fileOffset = 0): OggPage[] {
  const pages: OggPage[] = [];
  let at = fileOffset === 0 ? 0 : resync(bytes, 0);
  while (at >= 0 && at + HEADER_BYTES <= bytes.length) {
    const length = pageLength(bytes, at);
    if (length === undefined || at + length > bytes.length) break;
    if (!isCapture(bytes, at)) {
      at = resync(bytes, at + 1);
      continue;
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset + at, HEADER_BYTES);
    const flags = view.getUint8(5);
    const low = view.getUint32(6, true);
    const high = view.getInt32(10, true);
    pages.push({
      offset: fileOffset + at,
      length,
      granule: high === -1 && low === 0xffffffff ? -1 : high * 2 ** 32 + low,
      bos: (flags & 0x02) !== 0,
      eos: (flags & 0x04) !== 0,
    });
    at += length;
  }
  return pages;
}

/** The bytes of the leading header pages (Vorbis identification, comment and setup headers). */
export function headerLength(pages: readonly OggPage[]): number | undefined {
  let end: number | undefined;
  for (const page of pages) {
    if (page.granule !== 0) break;
    end = page.offset + page.length;
  }
  // Headers are followed by at least one audio page; without one the range was too short to tell.
  return pages.some((p) => p.granule > 0) ? end : undefined;
}

function isCapture(bytes: Uint8Array, at: number): boolean {
  return bytes[at] === 0x4f && bytes[at + 1] === 0x67 && bytes[at + 2] === 0x67 && bytes[at + 3] === 0x53;
}

function pageLength(bytes: Uint8Array, at: number): number | undefined {
  const segments = bytes[at + 26];
  if (segments === undefined || at + HEADER_BYTES + segments > bytes.length) return undefined;
  let body = 0;
  for (let i = 0; i < segments; i++) body += bytes[at + HEADER_BYTES + i]!;
  return HEADER_BYTES + segments + body;
}

/** The offset of the first page at or after `from` whose checksum holds, or -1. */
function resync(bytes: Uint8Array, from: number): number {
  for (let at = from; at + HEADER_BYTES <= bytes.length; at++) {
    if (!isCapture(bytes, at) || bytes[at + 4] !== 0) continue;
    const length = pageLength(bytes, at);
    if (length === undefined || at + length > bytes.length) return -1;
    if (checksum(bytes, at, length) === new DataView(bytes.buffer, bytes.byteOffset + at + 22, 4).getUint32(0, true)) {
      return at;
    }
  }
  return -1;
}

let table: Uint32Array | undefined;

/** Ogg's CRC-32 (polynomial 0x04c11db7, no reflection), computed with the checksum field as zero. */
function checksum(bytes: Uint8Array, at: number, length: number): number {
  table ??= makeTable();
  let crc = 0;
  for (let i = 0; i < length; i++) {
    const byte = i >= 22 && i < 26 ? 0 : bytes[at + i]!;
    crc = ((crc << 8) ^ table[((crc >>> 24) ^ byte) & 0xff]!) >>> 0;
  }
  return crc;
}

function makeTable(): Uint32Array {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let k = 0; k < 8; k++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    t[i] = r >>> 0;
  }
  return t;
}

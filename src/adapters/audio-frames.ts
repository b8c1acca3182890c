import { type BlockFile, type FileWindow, withWindow } from './block-file.js';

/**
 * Facts read from an audio stream's frame headers, which music-metadata leaves out or gets only by
 * reading the whole file frame by frame (over a second for a 4-minute MP3 without a Xing header): what
 * the content is, an MPEG stream's VBRI header and sampled bitrates, and the length of MPEG, ADTS and
 * AMR streams by hopping from header to header. Nothing is decoded.
 */

/** Where the audio starts: after any ID3v2 tags in front of it (some files carry several). */
async function afterId3v2(w: FileWindow): Promise<number> {
  let offset = 0;
  for (;;) {
    const head = await w.at(offset, 10);
    if (head.length < 10 || head.toString('latin1', 0, 3) !== 'ID3') return offset;
    const body = ((head[6]! & 0x7f) << 21) | ((head[7]! & 0x7f) << 14) | ((head[8]! & 0x7f) << 7) | (head[9]! & 0x7f);
    offset += 10 + body + (head[5]! & 0x10 ? 10 : 0);
  }
}

// --- What the content is --------------------------------------------------------------------------

const ASF_HEADER = Buffer.from('3026b2758e66cf11a6d900aa0062ce6c', 'hex');

export interface Inspection {
  /**
   * The container the first bytes show, named as music-metadata names it, when they show it beyond
   * doubt (a magic number, or two consecutive MPEG/ADTS frame headers); undefined otherwise.
   */
  container?: string;
  /** MPEG: the first frame carries a Xing/Info header, so music-metadata's length is exact. */
  xing: boolean;
  /** MPEG: the frame count of a Fraunhofer VBRI header, which music-metadata does not read. */
  vbri?: { seconds: number };
  /** MPEG without either header: the bitrates at a few places in the file. */
  bitrates: number[];
}

/**
 * What the file holds, read in one opening. music-metadata picks its parser by the file's extension
 * (a FLAC file named .mp3 is read as garbage MPEG) and, for an MP3 without a Xing header, takes the
 * stream for CBR when its first frames share a bitrate (silence) and estimates its length from the
 * file size: `bitrates` sampled across the file show whether that estimate can be trusted.
 */
export function inspectStream(file: BlockFile): Promise<Inspection> {
  return withWindow(
    file,
    async (w) => {
      const start = await afterId3v2(w);
      const container = await contentOf(w, start);
      const inspection: Inspection = { container, xing: false, bitrates: [] };
      if (container !== 'MPEG') return inspection;
      const head = await w.at(start, 64);
      const mpeg1 = (head[1]! >> 3) & 3;
      const mono = head[3]! >> 6 === 3;
      const sideInfo = mpeg1 === 3 ? (mono ? 17 : 32) : mono ? 9 : 17;
      const tag = head.toString('latin1', 4 + sideInfo, 8 + sideInfo);
      inspection.xing = tag === 'Xing' || tag === 'Info';
      const frame = mpegFrame(head, 0)!;
      if (head.toString('latin1', 36, 40) === 'VBRI' && head.length >= 54) {
        inspection.vbri = { seconds: (head.readUInt32BE(50) * frame.samples) / frame.sampleRate };
      } else if (!inspection.xing) {
        inspection.bitrates = await bitratesAt(w, [0.35, 0.65, 0.95]);
      }
      return inspection;
    },
    8192,
  );
}

async function contentOf(w: FileWindow, start: number): Promise<string | undefined> {
  const b = await w.at(start, 64);
  const text = (from: number, to: number) => b.toString('latin1', from, to);
  if (text(0, 4) === 'fLaC') return 'FLAC';
  if (text(0, 4) === 'OggS') return 'Ogg';
  if ((text(0, 4) === 'RIFF' || text(0, 4) === 'RF64') && text(8, 12) === 'WAVE') return 'WAVE';
  if (text(0, 4) === 'FORM' && /^AIF[FC]$/.test(text(8, 12))) return 'AIFF';
  if (b.length >= 16 && b.subarray(0, 16).equals(ASF_HEADER)) return 'ASF';
  if (text(0, 4) === 'wvpk') return 'WavPack';
  if (text(0, 4) === 'MPCK' || text(0, 3) === 'MP+') return 'Musepack';
  if (text(0, 5) === '#!AMR') return 'AMR';
  if (text(0, 4) === 'MAC ') return "Monkey's Audio";
  if (text(4, 8) === 'ftyp') return text(8, 12).replace(/\W/g, '') || 'mp4';
  for (const [name, parse] of [
    ['MPEG', mpegFrame],
    ['ADTS', adtsFrame],
  ] as const) {
    const frame = parse(b, 0);
    const next = frame && (await w.at(start + frame.length, 8));
    if (frame && next && next.length >= 8 && parse(next, 0)?.shape === frame.shape) return name;
  }
  return undefined;
}

// --- MPEG audio and ADTS AAC --------------------------------------------------------------------

const KBPS = {
  v1l1: [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  v1l2: [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  v1l3: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  v2l1: [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  v2l23: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const MPEG_RATES: Record<number, number[]> = {
  3: [44100, 48000, 32000],
  2: [22050, 24000, 16000],
  0: [11025, 12000, 8000],
};
const ADTS_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

interface Frame {
  /** Bytes from this header to the next. */
  length: number;
  samples: number;
  bitrate: number;
  sampleRate: number;
  channels: number;
  /** Fields every frame of one stream shares, to tell a real header from bytes that look like one. */
  shape: number;
}

function mpegFrame(b: Buffer, i: number): Frame | undefined {
  if (b[i] !== 0xff || (b[i + 1]! & 0xe0) !== 0xe0) return undefined;
  const version = (b[i + 1]! >> 3) & 3; // 3: MPEG 1, 2: MPEG 2, 0: MPEG 2.5
  const layer = (b[i + 1]! >> 1) & 3; // 3: layer I, 2: layer II, 1: layer III
  const bitrateIndex = b[i + 2]! >> 4;
  const rateIndex = (b[i + 2]! >> 2) & 3;
  if (version === 1 || layer === 0 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return undefined;
  const v1 = version === 3;
  const table = v1 ? [KBPS.v1l3, KBPS.v1l2, KBPS.v1l1][layer - 1]! : layer === 3 ? KBPS.v2l1 : KBPS.v2l23;
  const bitrate = table[bitrateIndex]! * 1000;
  const sampleRate = MPEG_RATES[version]![rateIndex]!;
  const padding = (b[i + 2]! >> 1) & 1;
  const samples = layer === 3 ? 384 : layer === 2 || v1 ? 1152 : 576;
  const length =
    layer === 3
      ? (Math.floor((12 * bitrate) / sampleRate) + padding) * 4
      : Math.floor(((samples / 8) * bitrate) / sampleRate) + padding;
  const channels = b[i + 3]! >> 6 === 3 ? 1 : 2;
  return { length, samples, bitrate, sampleRate, channels, shape: (version << 4) | (layer << 2) | rateIndex };
}

function adtsFrame(b: Buffer, i: number): Frame | undefined {
  if (b[i] !== 0xff || (b[i + 1]! & 0xf6) !== 0xf0) return undefined;
  const rateIndex = (b[i + 2]! >> 2) & 0xf;
  const length = ((b[i + 3]! & 3) << 11) | (b[i + 4]! << 3) | (b[i + 5]! >> 5);
  if (rateIndex >= ADTS_RATES.length || length < 7) return undefined;
  const channels = ((b[i + 2]! & 1) << 2) | (b[i + 3]! >> 6);
  const samples = 1024 * ((b[i + 6]! & 3) + 1);
  const sampleRate = ADTS_RATES[rateIndex]!;
  return { length, samples, bitrate: (length * 8 * sampleRate) / samples, sampleRate, channels, shape: rateIndex };
}

export interface ScannedStream {
  seconds: number;
  sampleRate: number;
  channels: number;
  /** Average bits per second of the frames. */
  bitrate: number;
}

/** Finds the next offset at or after `from` where two consecutive frames of one shape start. */
async function sync(
  w: FileWindow,
  from: number,
  parse: (b: Buffer, i: number) => Frame | undefined,
  shape: number | undefined,
  limit = Number.POSITIVE_INFINITY,
): Promise<number | undefined> {
  const SEARCH = Math.min(64 * 1024, limit);
  for (let base = from; base < Math.min(w.size, from + limit); base += SEARCH) {
    const block = await w.at(base, SEARCH + 8);
    for (let i = 0; i + 8 <= block.length; i++) {
      const frame = parse(block, i);
      if (!frame || (shape !== undefined && frame.shape !== shape)) continue;
      const next = await w.at(base + i + frame.length, 8);
      const second = next.length >= 8 ? parse(next, 0) : undefined;
      if (second?.shape === frame.shape || base + i + frame.length >= w.size) return base + i;
    }
  }
  return undefined;
}

/**
 * Counts the samples of an MPEG audio or ADTS AAC stream by hopping from frame header to frame
 * header (no decoding). For VBR MP3s without a Xing/Info header (VBRI, old encoders) and ADTS files,
 * whose headers do not say how long they are.
 */
export function scanFrames(file: BlockFile, kind: 'mpeg' | 'adts'): Promise<ScannedStream | undefined> {
  const parse = kind === 'mpeg' ? mpegFrame : adtsFrame;
  return withWindow(file, async (w) => {
    let position = await sync(w, await afterId3v2(w), parse, undefined);
    if (position === undefined) return undefined;
    const first = parse(await w.at(position, 8), 0)!;
    let samples = 0;
    let bytes = 0;
    while (position !== undefined && position + 8 <= w.size) {
      const frame = parse(await w.at(position, 8), 0);
      if (!frame || frame.shape !== first.shape) {
        position = await sync(w, position + 1, parse, first.shape); // junk inside the stream
        continue;
      }
      samples += frame.samples;
      bytes += frame.length;
      position += frame.length;
    }
    const seconds = samples / first.sampleRate;
    return { seconds, sampleRate: first.sampleRate, channels: first.channels, bitrate: (bytes * 8) / seconds };
  });
}

/**
 * Bitrates of the first MPEG frames found at the given fractions of the file: a stream music-metadata
 * takes for CBR from its first frames (it then estimates the length from the file size) is checked at
 * a few places, since a VBR file without a Xing header whose first frames share a bitrate (silence)
 * would otherwise get a wildly wrong length.
 */
async function bitratesAt(w: FileWindow, fractions: number[]): Promise<number[]> {
  const rates: number[] = [];
  for (const fraction of fractions) {
    const position = await sync(w, Math.floor(w.size * fraction), mpegFrame, undefined, 8192);
    const frame = position === undefined ? undefined : mpegFrame(await w.at(position, 4), 0);
    if (frame) rates.push(frame.bitrate);
  }
  return rates;
}

// --- AMR ----------------------------------------------------------------------------------------

/** Bytes of each AMR frame (its one-byte header included) by frame type; every frame is 20 ms. */
const AMR_NB_BYTES = [13, 14, 16, 18, 20, 21, 27, 32, 6, 1, 1, 1, 1, 1, 1, 1];
const AMR_WB_BYTES = [18, 24, 33, 37, 41, 47, 51, 59, 61, 6, 1, 1, 1, 1, 1, 1];

export interface AmrStream extends ScannedStream {
  codec: 'AMR-NB' | 'AMR-WB';
}

/** An AMR file (RFC 4867 storage format), which music-metadata does not read: counts its frames. */
export function scanAmr(file: BlockFile): Promise<AmrStream | undefined> {
  return withWindow(file, async (w) => {
    const magic = (await w.at(0, 9)).toString('latin1');
    const wide = magic.startsWith('#!AMR-WB\n');
    if (!wide && !magic.startsWith('#!AMR\n')) return undefined;
    const sizes = wide ? AMR_WB_BYTES : AMR_NB_BYTES;
    let position = wide ? 9 : 6;
    let frames = 0;
    while (position < w.size) {
      const header = (await w.at(position, 1))[0]!;
      position += sizes[(header >> 3) & 0xf]!;
      frames++;
    }
    const seconds = frames * 0.02;
    return {
      codec: wide ? 'AMR-WB' : 'AMR-NB',
      seconds,
      sampleRate: wide ? 16000 : 8000,
      channels: 1,
      bitrate: seconds > 0 ? (w.size * 8) / seconds : 0,
    };
  });
}

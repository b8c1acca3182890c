import {
  CouldNotDetermineFileTypeError,
  type IAudioMetadata,
  type IFormat,
  type IOptions,
  parseFile,
  parseFromTokenizer,
} from 'music-metadata';
import { containerFamily } from '../core/ingest/describe.js';
import type { AudioHeader } from '../ports/tags.js';
import { asfAudioFormat, oggDuration } from './audio-containers.js';
import { type Inspection, inspectStream, scanAmr, scanFrames } from './audio-frames.js';
import { type BlockFile, BlockFileTokenizer } from './block-file.js';

/**
 * music-metadata's view of a file (tags and format) and the audio header Cadenza checks, completed
 * where music-metadata leaves it short without a full scan.
 */

const LOSSY_CODEC = /adpcm|law|gsm|mpeg|mp3|aac|vorbis|opus|wma|windows media audio(?! 9 lossless)|amr|musepack/i;
const LOSSLESS_CODEC = /^(flac|alac|pcm|ieee_float|lpcm)|lossless/i;

function clean(value: string | undefined): string | undefined {
  return value?.replace(/\0/g, '').trim().slice(0, 100) || undefined;
}

/** The header as music-metadata reads it from the file's first blocks (no full scan). */
function headerOf(format: IFormat): AudioHeader {
  const codec = clean(format.codec);
  const lossless =
    codec && LOSSY_CODEC.test(codec) ? false : (codec && LOSSLESS_CODEC.test(codec)) || !!format.lossless;
  return {
    container: clean(format.container) ?? '',
    codec,
    durationMs: format.duration && Number.isFinite(format.duration) ? Math.round(format.duration * 1000) : undefined,
    sampleRate: format.sampleRate || undefined,
    channels: format.numberOfChannels || undefined,
    bitrate: format.bitrate && Number.isFinite(format.bitrate) ? Math.round(format.bitrate) : undefined,
    lossless,
  };
}

/**
 * Fills in what the first blocks did not say: the length of Ogg streams (last page), of MP3s without
 * a Xing header and of ADTS AAC (VBRI header or frame hop), the WMA stream's format; and the bitrate
 * from the file size when only that is missing.
 */
async function completeHeader(
  path: string,
  file: BlockFile,
  format: IFormat,
  inspection: Inspection | undefined,
): Promise<AudioHeader> {
  const done = headerOf(format);
  const mpeg = done.container === 'MPEG';
  if (mpeg && inspection?.vbri) {
    done.durationMs = Math.round(inspection.vbri.seconds * 1000);
    done.bitrate = undefined; // the first frame's, not the stream's: recomputed from the size below
  }
  // An MP3 taken for CBR from its first frames has its length estimated from the file size: wrong
  // when the bitrate sampled across the file differs.
  const notReallyCbr =
    mpeg && format.codecProfile === 'CBR' && (inspection?.bitrates ?? []).some((b) => b !== done.bitrate);
  if (done.durationMs === undefined || notReallyCbr) {
    if (done.container === 'Ogg' && done.sampleRate) {
      const ogg = await oggDuration(file, done.sampleRate);
      if (ogg) {
        done.durationMs = Math.round(ogg.seconds * 1000);
        done.bitrate ??= Math.round((ogg.bytes * 8) / ogg.seconds);
      }
    } else if (mpeg || done.container.startsWith('ADTS')) {
      const scan = await scanFrames(file, mpeg ? 'mpeg' : 'adts');
      if (scan && scan.seconds > 0) {
        done.durationMs = Math.round(scan.seconds * 1000);
        done.bitrate = Math.round(scan.bitrate);
        done.sampleRate ??= scan.sampleRate;
        done.channels ??= scan.channels;
      }
    } else {
      // Any other format whose length needs the whole file (rare): let music-metadata scan it.
      const full = await parseFile(path, { duration: true, skipCovers: true });
      done.durationMs = headerOf(full.format).durationMs;
    }
  }
  if (done.container.startsWith('ASF') && (!done.sampleRate || !done.channels)) {
    const asf = await asfAudioFormat(file);
    if (asf) Object.assign(done, { sampleRate: asf.sampleRate, channels: asf.channels, lossless: asf.lossless });
  }
  if (!done.bitrate && done.durationMs) done.bitrate = Math.round((file.size * 8) / (done.durationMs / 1000));
  return done;
}

/** The header of a file music-metadata cannot use, as far as it can be read here (AMR), else just its container. */
async function headerOnly(file: BlockFile, container: string): Promise<AudioHeader> {
  const amr = container === 'AMR' ? await scanAmr(file) : undefined;
  return {
    container,
    codec: amr?.codec,
    durationMs: amr ? Math.round(amr.seconds * 1000) : undefined,
    sampleRate: amr?.sampleRate,
    channels: amr?.channels,
    bitrate: amr ? Math.round(amr.bitrate) : undefined,
    lossless: false,
  };
}

export interface ParsedAudio {
  /** music-metadata's result; undefined when it could not make sense of the file (then no tags). */
  meta: IAudioMetadata | undefined;
  header: AudioHeader;
  /** Why music-metadata failed, when it did and nothing else could read the header either. */
  failure?: string;
}

/**
 * Parses `file` with music-metadata, its parser chosen by the content (by the extension only when
 * the content is not recognised), and completes the header.
 */
export async function parseAudio(path: string, file: BlockFile, options: IOptions): Promise<ParsedAudio> {
  let meta: IAudioMetadata | undefined;
  let failure: unknown;
  try {
    meta = await parseFromTokenizer(new BlockFileTokenizer(file), options);
  } catch (err) {
    failure = err;
    if (err instanceof CouldNotDetermineFileTypeError) {
      meta = await parseFile(path, options).catch((second: unknown) => {
        failure = second;
        return undefined;
      });
    }
  }
  // The frame-scanning MPEG parser can take other content for audio, and its length estimates need
  // checking: look at the content when it (or no parser) claimed the file.
  const container = meta?.format.container;
  let inspection: Inspection | undefined;
  if (!container || container === 'MPEG' || container.startsWith('ADTS')) {
    inspection = await inspectStream(file).catch(() => undefined);
    const content = inspection?.container;
    if (content && (!container || containerFamily(content) !== containerFamily(container))) {
      return { meta: undefined, header: await headerOnly(file, content) };
    }
  }
  if (!meta || !container) {
    const reason = failure instanceof Error ? failure.message : 'no audio found';
    return { meta: undefined, header: await headerOnly(file, ''), failure: reason };
  }
  return { meta, header: await completeHeader(path, file, meta.format, inspection) };
}

import { type BlockFile, withWindow } from './block-file.js';

/**
 * Container facts music-metadata leaves out without a full scan: the length of an Ogg stream from its
 * last page (music-metadata reads every page for it, 25 ms for a 4-minute file) and the sample rate
 * and channels of a WMA stream (its ASF stream properties).
 */

// --- Ogg ----------------------------------------------------------------------------------------

const OGG_TAIL_BYTES = 64 * 1024;

/**
 * Seconds of an Ogg Vorbis or Opus stream (and the file's size) from its last page's granule position
 * (in samples; Opus counts at 48 kHz and starts after its pre-skip). Reads the first page and the last
 * 64 KiB.
 */
export function oggDuration(
  file: BlockFile,
  sampleRate: number,
): Promise<{ seconds: number; bytes: number } | undefined> {
  return withWindow(
    file,
    async (w) => {
      const first = await w.at(0, 512);
      if (first.toString('latin1', 0, 4) !== 'OggS' || first.length < 28) return undefined;
      const serial = first.readUInt32LE(14);
      const packet = 27 + first[26]!;
      const isOpus = first.toString('latin1', packet, packet + 8) === 'OpusHead';
      const preSkip = isOpus ? first.readUInt16LE(packet + 10) : 0;
      const tailStart = Math.max(0, w.size - OGG_TAIL_BYTES);
      const tail = await w.at(tailStart, OGG_TAIL_BYTES);
      for (let i = tail.lastIndexOf('OggS'); i >= 0; i = i > 0 ? tail.lastIndexOf('OggS', i - 1) : -1) {
        if (i + 27 > tail.length || tail[i + 4] !== 0 || tail.readUInt32LE(i + 14) !== serial) continue;
        const granule = tail.readBigInt64LE(i + 6);
        if (granule < 0n) continue; // -1: no packet ends on this page
        const samples = Number(granule) - preSkip;
        return samples > 0 ? { seconds: samples / (isOpus ? 48000 : sampleRate), bytes: w.size } : undefined;
      }
      return undefined;
    },
    4096,
  );
}

// --- ASF (WMA) ----------------------------------------------------------------------------------

const ASF_STREAM_PROPERTIES = Buffer.from('9107dcb7b7a9cf118ee600c00c205365', 'hex');
const ASF_AUDIO_MEDIA = Buffer.from('409e69f84d5bcf11a8fd00805f5c442b', 'hex');
const WMA_LOSSLESS_TAG = 0x0163;

/** Sample rate and channels from an ASF file's audio stream properties (its WAVEFORMATEX). */
export function asfAudioFormat(
  file: BlockFile,
): Promise<{ sampleRate: number; channels: number; lossless: boolean } | undefined> {
  return withWindow(
    file,
    async (w) => {
      const header = await w.at(0, 30);
      if (header.length < 30) return undefined;
      const children = header.readUInt32LE(24);
      let offset = 30;
      for (let n = 0; n < children && offset + 24 <= w.size; n++) {
        const object = await w.at(offset, 96);
        if (object.length < 24) return undefined;
        const size = Number(object.readBigUInt64LE(16));
        if (
          object.length >= 96 &&
          object.subarray(0, 16).equals(ASF_STREAM_PROPERTIES) &&
          object.subarray(24, 40).equals(ASF_AUDIO_MEDIA)
        ) {
          return {
            lossless: object.readUInt16LE(78) === WMA_LOSSLESS_TAG,
            channels: object.readUInt16LE(80),
            sampleRate: object.readUInt32LE(82),
          };
        }
        if (size < 24) return undefined;
        offset += size;
      }
      return undefined;
    },
    64 * 1024,
  );
}

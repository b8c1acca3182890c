import type { Quality, Rung } from '../../ports/transcoder.js';

/** The transcode ladder: one immutable file per (track, quality). */
export const LADDER: readonly Rung[] = [
  {
    quality: 'vorbis_24',
    codec: 'vorbis',
    bitrateKbps: 24,
    container: 'ogg',
    extension: 'ogg',
    mimeType: 'audio/ogg',
    premium: false,
  },
  {
    quality: 'vorbis_96',
    codec: 'vorbis',
    bitrateKbps: 96,
    container: 'ogg',
    extension: 'ogg',
    mimeType: 'audio/ogg',
    premium: false,
  },
  {
    quality: 'vorbis_160',
    codec: 'vorbis',
    bitrateKbps: 160,
    container: 'ogg',
    extension: 'ogg',
    mimeType: 'audio/ogg',
    premium: false,
  },
  {
    quality: 'vorbis_320',
    codec: 'vorbis',
    bitrateKbps: 320,
    container: 'ogg',
    extension: 'ogg',
    mimeType: 'audio/ogg',
    premium: true,
  },
  {
    quality: 'aac_128',
    codec: 'aac',
    bitrateKbps: 128,
    container: 'mp4',
    extension: 'm4a',
    mimeType: 'audio/mp4',
    premium: false,
  },
  {
    quality: 'aac_256',
    codec: 'aac',
    bitrateKbps: 256,
    container: 'mp4',
    extension: 'm4a',
    mimeType: 'audio/mp4',
    premium: true,
  },
  {
    quality: 'flac',
    codec: 'flac',
    bitrateKbps: null,
    container: 'flac',
    extension: 'flac',
    mimeType: 'audio/flac',
    premium: true,
  },
];

const BY_QUALITY = new Map<string, Rung>(LADDER.map((r) => [r.quality, r]));

export function rungFor(quality: string): Rung | undefined {
  return BY_QUALITY.get(quality);
}

/** The rungs a source gets: every lossy rung, plus FLAC when the source itself is lossless. */
export function ladderFor(sourceLossless: boolean): Rung[] {
  return LADDER.filter((r) => r.codec !== 'flac' || sourceLossless);
}

export function isQuality(value: string): value is Quality {
  return BY_QUALITY.has(value);
}

/** Where a rung's file lives under the audio root; the version makes each object immutable. */
export function audioKey(trackId: string, version: string, quality: Quality): string {
  return `${trackId}/${version}/${quality}.${BY_QUALITY.get(quality)!.extension}`;
}

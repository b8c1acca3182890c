import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReplayGain } from '../../ports/tags.js';
import { ladderFor } from './ladder.js';
import { normalizationGainDb } from './loudness.js';
import type { SourcePointer } from './types.js';

/**
 * A lazy library's tracks are published before any rung exists (docs/ingest.md). This module holds what
 * the importer, the edge and the ladder job agree on:
 * - the media version of such a track is `sourceFingerprint` of its source file;
 * - `<audio>/<track>/<version>/source.json` names that source, so the edge can make a rung on its
 *   first request without a database;
 * - its `track_files` rows list every rung with the nominal bitrate and no size until made;
 * - its normalisation gain is estimated from ReplayGain tags until the ladder job measures it.
 */

/** Bytes read from each of the start, middle and end of a file for its fingerprint. */
const SAMPLE_BYTES = 64 * 1024;

/**
 * A cheap fingerprint of a file's content: SHA-256 over its size and three 64 KiB samples (start,
 * middle, end), 16 hex digits. Any re-encode, re-tag or truncation changes it (tag editors rewrite the
 * start, encoders everything); touching or copying a file does not. It reads at most 192 KiB, so a
 * library of 100,000 files is fingerprinted in seconds, where hashing it whole would take hours.
 */
export async function sourceFingerprint(path: string, size: number): Promise<string> {
  const hash = createHash('sha256').update(`${size}\n`);
  const file = await open(path, 'r');
  try {
    const starts = size <= 3 * SAMPLE_BYTES ? [0] : [0, Math.floor(size / 2 - SAMPLE_BYTES / 2), size - SAMPLE_BYTES];
    const buffer = Buffer.allocUnsafe(Math.min(size, size <= 3 * SAMPLE_BYTES ? size : SAMPLE_BYTES));
    for (const start of starts) {
      const { bytesRead } = await file.read(buffer, 0, buffer.length, start);
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await file.close();
  }
  return hash.digest('hex').slice(0, 16);
}

function pointerPath(audioRoot: string, trackId: string, version: string): string {
  return join(audioRoot, trackId, version, 'source.json');
}

/** Writes the pointer (atomically) before the track's publication commits. */
export async function writeSourcePointer(
  audioRoot: string,
  trackId: string,
  version: string,
  pointer: SourcePointer,
): Promise<void> {
  const path = pointerPath(audioRoot, trackId, version);
  await mkdir(join(audioRoot, trackId, version), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify(pointer));
  await rename(temp, path);
}

/** The pointer of a lazy version; undefined when there is none (an eager track, or an unknown version). */
export async function readSourcePointer(
  audioRoot: string,
  trackId: string,
  version: string,
): Promise<SourcePointer | undefined> {
  try {
    const value = JSON.parse(await readFile(pointerPath(audioRoot, trackId, version), 'utf8')) as SourcePointer;
    return typeof value.path === 'string' && Number.isFinite(value.size) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The `track_files` rows of a lazily published track: every rung it will have, none made yet. */
export function lazyFiles(
  lossless: boolean,
  sourceBitrate: number | undefined,
): { quality: string; mimeType: string; bitrate: number; size: null }[] {
  return ladderFor(lossless).map((rung) => ({
    quality: rung.quality,
    mimeType: rung.mimeType,
    // FLAC's size is unknown until made: the source's bitrate (capped at CD quality) is the guess.
    bitrate: rung.bitrateKbps ? rung.bitrateKbps * 1000 : Math.round(Math.min(sourceBitrate ?? 1_000_000, 1_411_200)),
    size: null,
  }));
}

/** ReplayGain 2's reference loudness: a track gain of G dB means the track measures -18 - G LUFS. */
const REPLAYGAIN_REFERENCE_LUFS = -18;

/**
 * The normalisation gain estimated from ReplayGain tags (0 when there are none: played as mastered),
 * with the same true-peak ceiling as a measured gain; the tagged sample peak stands in for the true peak.
 */
export function estimatedGainDb(replayGain: ReplayGain | null | undefined, targetLufs: number): number {
  if (!replayGain || !Number.isFinite(replayGain.trackGainDb)) return 0;
  const peak = replayGain.trackPeak;
  return normalizationGainDb(
    {
      integratedLufs: REPLAYGAIN_REFERENCE_LUFS - replayGain.trackGainDb,
      truePeakDbtp: peak !== undefined && peak > 0 ? 20 * Math.log10(peak) : Number.NEGATIVE_INFINITY,
    },
    targetLufs,
  );
}

/**
 * Merging segments: their live documents copied into one batch and built into one segment. The same
 * code runs on the main thread (small merges) and in the merge worker (merge-worker.ts), which gets the
 * segments' shared columns (`MergeSource`) and sends the new segment back as a `SegmentMessage`, its
 * typed arrays transferred rather than copied.
 */
import { DocBatch } from './batch.js';
import { buildSegment } from './build.js';
import { type PackedStrings, unpackStrings } from './packed.js';
import type { Segment } from './segment.js';

/** What a merge reads of a segment: all of it on shared memory but `deleted` (a copy). */
export type MergeSource = Pick<
  Segment,
  | 'size'
  | 'typeStart'
  | 'ids'
  | 'popularity'
  | 'year'
  | 'day'
  | 'market'
  | 'nameHash'
  | 'genreOffsets'
  | 'genres'
  | 'forwardOffsets'
  | 'forwardWords'
  | 'forwardMeta'
  | 'dictPacked'
  | 'deleted'
>;

export function mergeSource(segment: Segment): MergeSource {
  const { size, typeStart, ids, popularity, year, day, market, nameHash, genreOffsets, genres } = segment;
  const { forwardOffsets, forwardWords, forwardMeta, dictPacked } = segment;
  return {
    size,
    typeStart,
    ids,
    popularity,
    year,
    day,
    market,
    nameHash,
    genreOffsets,
    genres,
    forwardOffsets,
    forwardWords,
    forwardMeta,
    dictPacked,
    // Deletions go on while a worker merges: it works from those made so far.
    deleted: segment.deleted === null ? null : segment.deleted.slice(),
  };
}

/** One segment holding the live documents of `sources`. */
export function mergeSegments(sources: readonly MergeSource[], serial: number): Segment {
  let live = 0;
  for (const s of sources) live += s.size - countDeleted(s.deleted);
  const batch = new DocBatch(live);
  for (const source of sources) copyLive(source, batch);
  return buildSegment(batch, serial);
}

function countDeleted(deleted: Uint8Array | null): number {
  let n = 0;
  if (deleted !== null) for (let d = 0; d < deleted.length; d++) n += deleted[d]!;
  return n;
}

/** Appends a segment's live documents to a batch, words re-interned once per distinct word. */
function copyLive(segment: MergeSource, batch: DocBatch): void {
  const { chars, offsets } = segment.dictPacked;
  const words = new Int32Array(offsets.length - 1).fill(-1);
  let type = 0;
  for (let d = 0; d < segment.size; d++) {
    while (segment.typeStart[type + 1]! <= d) type++;
    if (segment.deleted !== null && segment.deleted[d] === 1) continue;
    batch.ids.pushFrom(segment.ids, d);
    batch.begin(
      type,
      segment.popularity[d]!,
      segment.year[d]!,
      segment.day[d]!,
      segment.market[d]!,
      segment.nameHash[d]!,
    );
    for (let k = segment.forwardOffsets[d]!; k < segment.forwardOffsets[d + 1]!; k++) {
      const w = segment.forwardWords[k]!;
      if (words[w] === -1) {
        let h = 0x811c9dc5;
        for (let c = offsets[w]!; c < offsets[w + 1]!; c++) h = Math.imul(h ^ chars[c]!, 0x01000193);
        words[w] = batch.interner.internChars(chars, offsets[w]!, offsets[w + 1]! - offsets[w]!, h);
      }
      batch.addWord(words[w]!, segment.forwardMeta[k]!);
    }
    for (let k = segment.genreOffsets[d]!; k < segment.genreOffsets[d + 1]!; k++) batch.addGenre(segment.genres[k]!);
    batch.end();
  }
}

/** A segment as a worker sends it: no string array (the dictionary comes packed), no Map, no caches. */
export type SegmentMessage = Omit<Segment, 'dict' | 'big' | 'expansions' | 'versions'> & {
  big: Omit<Segment['big'], 'nodes'> & { prefixes: string[] };
};

export function toMessage(segment: Segment): { message: SegmentMessage; transfer: ArrayBuffer[] } {
  const { dict: _dict, big, expansions: _expansions, versions: _versions, ...rest } = segment;
  const prefixes: string[] = [];
  for (const [prefix, node] of big.nodes) prefixes[node] = prefix;
  const message: SegmentMessage = {
    ...rest,
    big: { counts: big.counts, offsets: big.offsets, docs: big.docs, prefixes },
  };
  const transfer = new Set<ArrayBuffer>();
  const visit = (value: unknown) => {
    if (ArrayBuffer.isView(value)) {
      if (value.buffer instanceof ArrayBuffer) transfer.add(value.buffer);
    } else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) visit(v);
  };
  visit(message);
  return { message, transfer: [...transfer] };
}

export function fromMessage(message: SegmentMessage, dict: string[]): Segment {
  const { big, ...rest } = message;
  const nodes = new Map<string, number>(big.prefixes.map((prefix, node) => [prefix, node]));
  return { ...rest, dict, big: { counts: big.counts, offsets: big.offsets, docs: big.docs, nodes } };
}

/**
 * The dictionary's strings, made a slice at a time between turns of the event loop, so a large
 * dictionary does not hold up searches.
 */
export async function unpackInSlices(p: PackedStrings, slice = 20_000): Promise<string[]> {
  const out: string[] = [];
  const n = p.offsets.length - 1;
  for (let from = 0; from < n; from += slice) {
    unpackStrings(p, from, Math.min(n, from + slice), out);
    if (from + slice < n) await new Promise((resolve) => setImmediate(resolve));
  }
  return out;
}

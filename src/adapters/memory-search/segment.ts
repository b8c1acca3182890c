/**
 * A segment: an immutable block of documents with its own dictionary, postings and forward index, all in
 * typed arrays. Documents are numbered by type (in SEARCH_TYPES order), then by descending popularity,
 * so a posting list read in order meets a type's most popular documents first.
 *
 * Per word of each document the forward index keeps the word id and a packed `meta`:
 * bits 0-1 field (NAME, ARTISTS, ALBUM), bit 2 tail (a title's " - Live" or "(feat. …)"), bits 3-7 group
 * (which artist), bits 8-14 position, bits 15-19 span (parts an alias covers), bits 20-26 the group's
 * length in parts (how many words the name's core or that artist's name has). A title's tail counts
 * positions and length on its own, so bits 0-7 name a "group" of words: a core, a tail or an artist.
 */
import type { Expansion } from './expand.js';
import { type PackedStrings, packedEquals } from './packed.js';
import type { TypoIndex } from './typos.js';

export const NO_DAY = -2147483648;
/** How many first words of a name or an artist's name are keyed for typeahead: 1, 2 and 3. */
export const START_WORDS = 3;

export const metaField = (meta: number) => meta & 3;
export const metaTail = (meta: number) => (meta >>> 2) & 1;
export const metaGroup = (meta: number) => (meta >>> 3) & 31;
export const metaPos = (meta: number) => (meta >>> 8) & 127;
export const metaSpan = (meta: number) => (meta >>> 15) & 31;
export const metaGroupLength = (meta: number) => (meta >>> 20) & 127;

/** Whether a word (by its meta) is the first of the name's core or of an artist's name. */
export function beginsGroup(meta: number): boolean {
  return ((meta >>> 8) & 127) === 0 && ((meta & 7) === 0 || (meta & 3) === 1);
}

export function packMeta(field: number, tail: number, group: number, pos: number, span: number, length: number) {
  return (
    field |
    (tail << 2) |
    (Math.min(group, 31) << 3) |
    (Math.min(pos, 127) << 8) |
    (Math.min(span, 31) << 15) |
    (Math.min(length, 127) << 20)
  );
}

/** Prefixes whose words are too many to merge at query time, with each type's most popular documents. */
export interface BigPrefixes {
  /** prefix → node number. */
  nodes: Map<string, number>;
  /** [node × TYPES + type]: documents of that type having a word with the prefix. */
  counts: Int32Array;
  /** [node × TYPES + type] → start in `docs` of its most popular documents, ascending (by popularity). */
  offsets: Int32Array;
  docs: Int32Array;
}

export interface Segment {
  serial: number;
  size: number;
  /** Documents of SEARCH_TYPES[t] are typeStart[t] ≤ doc < typeStart[t + 1]. */
  typeStart: Int32Array;
  ids: PackedStrings;
  /** Open addressing by the id's hash (`hashString`): doc + 1, 0 for empty; size a power of two. */
  idTable: Int32Array;
  popularity: Uint8Array;
  /** Release year, 0 when unknown. */
  year: Uint16Array;
  /** Release date in days since 1970-01-01, NO_DAY when unknown (year or month only: its first day). */
  day: Int32Array;
  /** Index into the index-wide table of market sets (0: everywhere). */
  market: Int32Array;
  genreOffsets: Int32Array;
  /** Index-wide genre numbers. */
  genres: Int32Array;
  forwardOffsets: Int32Array;
  forwardWords: Int32Array;
  forwardMeta: Int32Array;
  /** Sorted words: a prefix is a contiguous range of ids. */
  dict: string[];
  /** The same words packed (what a merge worker reads). */
  dictPacked: PackedStrings;
  postingOffsets: Int32Array;
  postings: Int32Array;
  /** The same, only where the word begins the name's core or an artist's name (typeahead starts). */
  beginOffsets: Int32Array;
  beginPostings: Int32Array;
  typos: TypoIndex;
  big: BigPrefixes;
  /** Per document, the hash of its name's core words (for exact-name lookups). */
  nameHash: Uint32Array;
  /** nameHash sorted, and the document of each. */
  nameKeys: Uint32Array;
  nameDocs: Int32Array;
  /**
   * Keys of the first 1, 2 and 3 words of each name's core and artist's name, their documents, and the
   * word following those words in that name (−1: none); sorted by key, then document (build.ts).
   */
  startKeys: Uint32Array;
  startDocs: Int32Array;
  startNext: Int32Array;
  /** Documents replaced or removed since the segment was built (null until the first). */
  deleted: Uint8Array | null;
  deletedCount: number;
  /** Word expansions kept for later queries (expand.ts); never sent to another thread. */
  expansions?: Map<string, Expansion>;
  /** Bits over the dictionary: the version words it has (versions.ts); built on first need, per thread. */
  versions?: Uint32Array;
}

/** The document of this type and id that is not deleted, or −1; `hash` is `hashString(id)`. */
export function findLive(segment: Segment, type: number, id: string, hash: number): number {
  const { idTable, deleted } = segment;
  const from = segment.typeStart[type]!;
  const to = segment.typeStart[type + 1]!;
  if (from === to) return -1;
  const mask = idTable.length - 1;
  for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
    const entry = idTable[slot]!;
    if (entry === 0) return -1;
    const d = entry - 1;
    if (d >= from && d < to && (deleted === null || deleted[d] !== 1) && packedEquals(segment.ids, d, id)) return d;
  }
}

export function typeOf(segment: Segment, doc: number): number {
  const starts = segment.typeStart;
  let t = 0;
  while (starts[t + 1]! <= doc) t++;
  return t;
}

/**
 * Batch → segment: numbers documents by (type, popularity desc), sorts the dictionary, then fills the
 * forward index, the postings (CSR, in document order), the typo index, the big prefixes and the
 * exact-name table.
 */

import { ALBUM } from '../../core/search/ranking.js';
import { SEARCH_TYPES } from '../../ports/search-index.js';
import { hashString, IntList, radixSort } from './arrays.js';
import type { DocBatch } from './batch.js';
import {
  onSharedMemory,
  type PackedStrings,
  packedCompare,
  packedHash,
  packStrings,
  sharedInt32,
  sharedUint8,
  sharedUint16,
  sharedUint32,
} from './packed.js';
import { buildBigPrefixes } from './prefixes.js';
import { beginsGroup, type Segment, START_WORDS } from './segment.js';
import { buildTypoIndex } from './typos.js';

const TYPES = SEARCH_TYPES.length;

/**
 * What a load wants to know besides the segment: each document's row in the batch (segment order →
 * batch order) and the pairs of documents with the same type and id (flat: first, second, …).
 */
export interface BuildReport {
  order: Int32Array | null;
  duplicates: Int32Array | null;
}

/**
 * Every column is on shared memory: a merge worker reads them in place, and search workers share them.
 */
export function buildSegment(batch: DocBatch, serial: number, report?: BuildReport): Segment {
  const n = batch.size;
  const order = documentOrder(batch);
  if (report) report.order = order;
  const typeStart = sharedInt32(TYPES + 1);
  for (let i = 0; i < n; i++) typeStart[batch.types.data[i]! + 1]!++;
  for (let t = 0; t < TYPES; t++) typeStart[t + 1]! += typeStart[t]!;

  const dict = batch.words.slice().sort();
  const remap = new Int32Array(batch.words.length);
  for (let w = 0; w < dict.length; w++) remap[batch.wordId(dict[w]!)] = w;

  const ids = batch.ids.finish(order);
  const popularity = sharedUint8(n);
  const year = sharedUint16(n);
  const day = sharedInt32(n);
  const market = sharedInt32(n);
  const nameHash = sharedUint32(n);
  const genreOffsets = sharedInt32(n + 1);
  const genres = sharedInt32(batch.genres.length);
  const forwardOffsets = sharedInt32(n + 1);
  const forwardWords = sharedInt32(batch.forwardWords.length);
  const forwardMeta = sharedInt32(batch.forwardWords.length);
  const src = {
    gOff: batch.genreOffsets.data,
    g: batch.genres.data,
    fOff: batch.forwardOffsets.data,
    fw: batch.forwardWords.data,
    fm: batch.forwardMeta.data,
  };
  let g = 0;
  let f = 0;
  for (let d = 0; d < n; d++) {
    const s = order[d]!;
    popularity[d] = batch.popularity.data[s]!;
    year[d] = batch.year.data[s]!;
    day[d] = batch.day.data[s]!;
    market[d] = batch.market.data[s]!;
    nameHash[d] = batch.nameHash.data[s]! >>> 0;
    for (let k = src.gOff[s]!; k < src.gOff[s + 1]!; k++) genres[g++] = src.g[k]!;
    genreOffsets[d + 1] = g;
    for (let k = src.fOff[s]!; k < src.fOff[s + 1]!; k++) {
      forwardWords[f] = remap[src.fw[k]!]!;
      forwardMeta[f++] = src.fm[k]!;
    }
    forwardOffsets[d + 1] = f;
  }

  const { postingOffsets, postings } = buildPostings(dict.length, n, forwardOffsets, forwardWords, forwardMeta, false);
  const begins = buildPostings(dict.length, n, forwardOffsets, forwardWords, forwardMeta, true);
  const nameKeys = nameHash.slice();
  const nameDocs = new Int32Array(n);
  for (let d = 0; d < n; d++) nameDocs[d] = d;
  radixSort(nameKeys, nameDocs);
  const starts = buildStartKeys(dict, n, forwardOffsets, forwardWords, forwardMeta);
  const duplicates = new IntList(16);
  const idTable = buildIdTable(ids, typeStart, duplicates);
  if (report) report.duplicates = duplicates.toArray();

  const typos = buildTypoIndex(dict);
  const big = buildBigPrefixes(dict, postingOffsets, { typeStart, forwardOffsets, forwardWords, forwardMeta });
  // The rest of the columns go on shared memory too, so search workers share a loaded index (pool.ts).
  const share = onSharedMemory;
  return {
    serial,
    size: n,
    typeStart,
    ids,
    idTable: share(idTable),
    popularity,
    year,
    day,
    market,
    genreOffsets,
    genres,
    forwardOffsets,
    forwardWords,
    forwardMeta,
    dict,
    dictPacked: packStrings(dict),
    postingOffsets: share(postingOffsets),
    postings: share(postings),
    beginOffsets: share(begins.postingOffsets),
    beginPostings: share(begins.postings),
    typos: { keys: share(typos.keys), words: share(typos.words) },
    big: { nodes: big.nodes, counts: share(big.counts), offsets: share(big.offsets), docs: share(big.docs) },
    nameHash,
    nameKeys: share(nameKeys),
    nameDocs: share(nameDocs),
    startKeys: share(starts.keys),
    startDocs: share(starts.docs),
    startNext: share(starts.next),
    deleted: null,
    deletedCount: 0,
  };
}

/** The table of `findLive` (segment.ts); a type and id met twice is reported as a pair of documents. */
function buildIdTable(ids: PackedStrings, typeStart: Int32Array, duplicates: IntList): Int32Array {
  const n = ids.offsets.length - 1;
  let size = 16;
  while (size < n * 2) size *= 2;
  const table = new Int32Array(size);
  const mask = size - 1;
  for (let t = 0; t < TYPES; t++) {
    const from = typeStart[t]!;
    for (let d = from; d < typeStart[t + 1]!; d++) {
      let slot = packedHash(ids, d) & mask;
      for (; table[slot] !== 0; slot = (slot + 1) & mask) {
        const other = table[slot]! - 1;
        if (other >= from && packedCompare(ids, other, ids, d) === 0) {
          duplicates.push(other);
          duplicates.push(d);
        }
      }
      table[slot] = d + 1;
    }
  }
  return table;
}

/** Batch rows in segment order: by type, then popularity descending, then as given (counting sort). */
function documentOrder(batch: DocBatch): Int32Array {
  const n = batch.size;
  const buckets = TYPES * 101;
  const start = new Int32Array(buckets + 1);
  const key = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    key[i] = batch.types.data[i]! * 101 + (100 - batch.popularity.data[i]!);
    start[key[i]! + 1]!++;
  }
  for (let b = 0; b < buckets; b++) start[b + 1]! += start[b]!;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[start[key[i]!]!++] = i;
  return order;
}

/**
 * Per word, the documents having it, ascending (each document once); with `beginning`, only where it is
 * the first word of the name's core or of an artist's name.
 */
function buildPostings(
  words: number,
  n: number,
  forwardOffsets: Int32Array,
  forwardWords: Int32Array,
  forwardMeta: Int32Array,
  beginning: boolean,
) {
  const postingOffsets = new Int32Array(words + 1);
  const last = new Int32Array(words).fill(-1);
  for (let d = 0; d < n; d++) {
    for (let k = forwardOffsets[d]!; k < forwardOffsets[d + 1]!; k++) {
      const w = forwardWords[k]!;
      if (last[w] !== d && (!beginning || beginsGroup(forwardMeta[k]!))) {
        last[w] = d;
        postingOffsets[w + 1]!++;
      }
    }
  }
  for (let w = 0; w < words; w++) postingOffsets[w + 1]! += postingOffsets[w]!;
  const postings = new Int32Array(postingOffsets[words]!);
  const fill = postingOffsets.slice(0, words);
  last.fill(-1);
  for (let d = 0; d < n; d++) {
    for (let k = forwardOffsets[d]!; k < forwardOffsets[d + 1]!; k++) {
      const w = forwardWords[k]!;
      if (last[w] !== d && (!beginning || beginsGroup(forwardMeta[k]!))) {
        last[w] = d;
        postings[fill[w]!++] = d;
      }
    }
  }
  return { postingOffsets, postings };
}

/**
 * Per document, the keys (prepare.ts `nameKey`) of the first 1, 2 and 3 words of its name's core and of
 * each artist's name, each with the word that follows them there (−1 where the name ends with them);
 * sorted by key, then document.
 */
function buildStartKeys(
  dict: readonly string[],
  n: number,
  forwardOffsets: Int32Array,
  forwardWords: Int32Array,
  forwardMeta: Int32Array,
) {
  const wordHash = new Int32Array(dict.length);
  for (let w = 0; w < dict.length; w++) wordHash[w] = hashString(dict[w]!) | 0;
  // Two passes, counting then filling, so the arrays are allocated once at their size.
  const out = new StartEntries();
  for (let pass = 0; pass < 2; pass++) {
    if (pass === 1) out.allocate();
    for (let d = 0; d < n; d++) {
      let group = -1;
      let words = 0;
      let h = 0;
      // Whether the key of the first `words` words still waits for the word after them.
      let pending = false;
      for (let k = forwardOffsets[d]!; k < forwardOffsets[d + 1]!; k++) {
        const meta = forwardMeta[k]!;
        // Parts of the name's core or of an artist's name, in order.
        if ((meta & 4) !== 0 || (meta & 3) === ALBUM || ((meta >>> 15) & 31) !== 1) continue;
        if ((meta & 0xff) !== group) {
          if (pending) out.add(h, d, -1);
          group = meta & 0xff;
          words = 0;
          h = 0x811c9dc5;
          pending = false;
        }
        if (((meta >>> 8) & 127) !== words || (words === START_WORDS && !pending)) continue;
        const w = forwardWords[k]!;
        if (pending) out.add(h, d, w);
        pending = words < START_WORDS;
        if (!pending) continue;
        h = Math.imul(h ^ wordHash[w]!, 0x01000193);
        h ^= h >>> 15;
        words++;
      }
      if (pending) out.add(h, d, -1);
    }
  }
  const { keys, docs, next } = out;
  // Stable: each key's documents stay ascending.
  radixSort(keys, docs, next);
  return { keys, docs, next };
}

/** Start keys with their documents and next words: counted first, then filled. */
class StartEntries {
  keys = new Uint32Array(0);
  docs = new Int32Array(0);
  next = new Int32Array(0);
  count = 0;
  private filling = false;

  allocate(): void {
    this.keys = new Uint32Array(this.count);
    this.docs = new Int32Array(this.count);
    this.next = new Int32Array(this.count);
    this.count = 0;
    this.filling = true;
  }

  add(key: number, doc: number, next: number): void {
    if (this.filling) {
      this.keys[this.count] = key;
      this.docs[this.count] = doc;
      this.next[this.count] = next;
    }
    this.count++;
  }
}

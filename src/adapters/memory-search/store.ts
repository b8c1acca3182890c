/**
 * The index's segments and where each document lives. `load` builds one main segment. An upsert builds
 * a small segment of just its documents (well under a millisecond for a few) and marks the replaced
 * ones deleted wherever they were, so searches see the change at once. Small segments are merged like a
 * binary counter (the newest two while the older is not larger, and whenever there are more than
 * MAX_SMALL), so each document is rewritten about log2(n) times and there are about log2(n) small
 * segments; all of them go into the main segment once they hold more than max(50 000, main/8) live
 * documents (with the main segment's deleted ones). That last merge rebuilds the main segment
 * synchronously: it takes about as long as a load of the same size.
 */
import { SEARCH_TYPES, type SearchDoc, type SearchType } from '../../ports/search-index.js';
import { DocBatch, TYPE_NUMBER } from './batch.js';
import { buildSegment } from './build.js';
import { Preparer } from './prepare.js';
import type { Segment } from './segment.js';
import { Tables } from './tables.js';

const TYPES = SEARCH_TYPES.length;
/** Locations are serial × SLOT + document. */
const SLOT = 2 ** 26;
const MAX_SMALL = 16;
const MAIN_MERGE_FLOOR = 50_000;

export class SegmentStore {
  tables = new Tables();
  main: Segment | null = null;
  /** Oldest first. */
  small: Segment[] = [];
  private readonly bySerial = new Map<number, Segment>();
  private where: Map<string, number>[] = SEARCH_TYPES.map(() => new Map());
  private readonly live = new Int32Array(TYPES);
  private serial = 0;

  get segments(): Segment[] {
    return this.main === null ? this.small : [this.main, ...this.small];
  }

  count(type: SearchType): number {
    const t = TYPE_NUMBER.get(type);
    return t === undefined ? 0 : this.live[t]!;
  }

  load(docs: readonly SearchDoc[]): void {
    this.tables = new Tables();
    this.bySerial.clear();
    this.small = [];
    this.live.fill(0);
    this.where = SEARCH_TYPES.map(() => new Map());
    const batch = new DocBatch(docs.length);
    const preparer = new Preparer(batch, this.tables);
    for (let i = 0; i < docs.length; i++) preparer.add(docs[i]!);
    const rows = { order: null as Int32Array | null };
    this.main = this.register(buildSegment(batch, ++this.serial, rows), rows.order);
  }

  upsert(docs: readonly SearchDoc[]): void {
    const latest = new Map<string, SearchDoc>();
    for (const doc of docs) latest.set(`${typeNumber(doc.type)}:${doc.id}`, doc);
    if (latest.size === 0) return;
    const batch = new DocBatch(latest.size);
    const preparer = new Preparer(batch, this.tables);
    for (const doc of latest.values()) {
      this.forget(typeNumber(doc.type), doc.id);
      preparer.add(doc);
    }
    this.small.push(this.register(buildSegment(batch, ++this.serial)));
    this.compact();
  }

  remove(type: SearchType, ids: readonly string[]): void {
    const t = typeNumber(type);
    for (const id of ids) this.forget(t, id);
  }

  /** Marks the document deleted where it lives and forgets its location. */
  private forget(type: number, id: string): void {
    const location = this.where[type]!.get(id);
    if (location === undefined) return;
    this.where[type]!.delete(id);
    const segment = this.bySerial.get(Math.floor(location / SLOT))!;
    this.markDeleted(segment, location % SLOT, type);
  }

  private markDeleted(segment: Segment, doc: number, type: number): void {
    segment.deleted ??= new Uint8Array(segment.size);
    if (segment.deleted[doc] === 1) return;
    segment.deleted[doc] = 1;
    segment.deletedCount++;
    this.live[type]!--;
    if (segment.deletedCount === segment.size && segment !== this.main) {
      this.small = this.small.filter((s) => s !== segment);
      this.bySerial.delete(segment.serial);
    }
  }

  /**
   * Records where the segment's documents live. After a load (`rows` given: the input row of each
   * document), a type and id seen twice keeps the later row and the other is marked deleted.
   */
  private register(segment: Segment, rows: Int32Array | null = null): Segment {
    this.bySerial.set(segment.serial, segment);
    const base = segment.serial * SLOT;
    for (let t = 0; t < TYPES; t++) {
      const where = this.where[t]!;
      this.live[t]! += segment.typeStart[t + 1]! - segment.typeStart[t]!;
      for (let d = segment.typeStart[t]!; d < segment.typeStart[t + 1]!; d++) {
        const id = segment.ids[d]!;
        if (rows !== null) {
          const before = where.get(id);
          if (before !== undefined) {
            const other = before - base;
            const later = rows[d]! > rows[other]! ? d : other;
            this.markDeleted(segment, later === d ? other : d, t);
            where.set(id, base + later);
            continue;
          }
        }
        where.set(id, base + d);
      }
    }
    return segment;
  }

  private compact(): void {
    const liveSize = (s: Segment) => s.size - s.deletedCount;
    while (this.small.length >= 2) {
      const older = this.small[this.small.length - 2]!;
      const newer = this.small[this.small.length - 1]!;
      if (liveSize(older) > liveSize(newer) && this.small.length <= MAX_SMALL) break;
      this.small.splice(this.small.length - 2, 2, this.merge([older, newer]));
    }
    const main = this.main;
    const pending = this.small.reduce((n, s) => n + liveSize(s), 0) + (main?.deletedCount ?? 0);
    if (pending > Math.max(MAIN_MERGE_FLOOR, (main?.size ?? 0) / 8)) {
      this.main = this.merge(main === null ? this.small : [main, ...this.small]);
      this.small = [];
    }
  }

  /** One segment holding the live documents of `segments`. */
  private merge(segments: Segment[]): Segment {
    const batch = new DocBatch(segments.reduce((n, s) => n + s.size - s.deletedCount, 0));
    for (const segment of segments) {
      copyLive(segment, batch);
      this.bySerial.delete(segment.serial);
    }
    for (let t = 0; t < TYPES; t++) {
      for (const segment of segments) this.live[t]! -= liveOfType(segment, t);
    }
    return this.register(buildSegment(batch, ++this.serial));
  }
}

function typeNumber(type: SearchType): number {
  const t = TYPE_NUMBER.get(type);
  if (t === undefined) throw new Error(`unknown search type ${type}`);
  return t;
}

function liveOfType(segment: Segment, type: number): number {
  let n = 0;
  for (let d = segment.typeStart[type]!; d < segment.typeStart[type + 1]!; d++) {
    if (segment.deleted === null || segment.deleted[d] !== 1) n++;
  }
  return n;
}

/** Appends a segment's live documents to a batch, words re-interned once per distinct word. */
function copyLive(segment: Segment, batch: DocBatch): void {
  const words = new Int32Array(segment.dict.length).fill(-1);
  let type = 0;
  for (let d = 0; d < segment.size; d++) {
    while (segment.typeStart[type + 1]! <= d) type++;
    if (segment.deleted !== null && segment.deleted[d] === 1) continue;
    batch.begin(
      type,
      segment.ids[d]!,
      segment.popularity[d]!,
      segment.year[d]!,
      segment.day[d]!,
      segment.market[d]!,
      segment.nameHash[d]!,
    );
    for (let k = segment.forwardOffsets[d]!; k < segment.forwardOffsets[d + 1]!; k++) {
      const w = segment.forwardWords[k]!;
      if (words[w] === -1) words[w] = batch.word(segment.dict[w]!);
      batch.addWord(words[w]!, segment.forwardMeta[k]!);
    }
    for (let k = segment.genreOffsets[d]!; k < segment.genreOffsets[d + 1]!; k++) batch.addGenre(segment.genres[k]!);
    batch.end();
  }
}

/**
 * The index's segments and where each document lives. `load` builds one main segment. An upsert builds
 * a small segment of just its documents (well under a millisecond for a few) and marks the replaced
 * ones deleted wherever they were (each segment finds a document by id in its own table), so searches
 * see the change at once. Small segments are merged like a binary counter (the newest with the one
 * before while that one is not larger than them together, and while there are more than MAX_SMALL),
 * so each document is rewritten about log2(n) times and there are about log2(n) small segments; all of
 * them go into the main segment once they hold more than max(50 000, main/8) live documents (with the
 * main segment's deleted ones).
 *
 * A merge of more than `syncMergeMax` documents runs on a worker thread (merger.ts): the segments stay
 * searchable meanwhile, deletions made in them are logged and replayed on the merged segment, which
 * then takes their place. One such merge runs at a time; small merges of newer segments go on beside it.
 */
import { SEARCH_TYPES, type SearchDoc, type SearchType } from '../../ports/search-index.js';
import { hashString } from './arrays.js';
import { DocBatch, TYPE_NUMBER } from './batch.js';
import { type BuildReport, buildSegment } from './build.js';
import { fromMessage, mergeSegments, mergeSource, type SegmentMessage, toMessage } from './merge.js';
import { BackgroundMerger } from './merger.js';
import { Preparer } from './prepare.js';
import { findLive, type Segment, typeOf } from './segment.js';
import { Tables, type TablesData } from './tables.js';

const TYPES = SEARCH_TYPES.length;
const MAX_SMALL = 16;

export interface StoreOptions {
  /** Merges of more documents than this go to a worker thread (Infinity: every merge on this thread). */
  syncMergeMax?: number;
  /** Small segments go into the main one past max(this, main/8) pending documents. */
  mainMergeFloor?: number;
}

/** What `exportLoaded` gives and `adopt` takes. */
export interface LoadedStore {
  main: SegmentMessage;
  tables: TablesData;
}

interface Merging {
  inputs: Segment[];
  intoMain: boolean;
  /** Deletions made in the inputs since the merge began: type, then id. */
  log: (number | string)[];
  generation: number;
}

export class SegmentStore {
  tables = new Tables();
  main: Segment | null = null;
  /** Oldest first. */
  small: Segment[] = [];
  private readonly live = new Int32Array(TYPES);
  private serial = 0;
  /** Bumped by `load`: a merge begun before it is dropped. */
  private generation = 0;
  private merging: Merging | null = null;
  private merger: BackgroundMerger | null;
  private readonly syncMergeMax: number;
  private readonly mainMergeFloor: number;
  private idle: (() => void)[] = [];

  constructor(options: StoreOptions = {}) {
    this.syncMergeMax = options.syncMergeMax ?? 1_000;
    this.mainMergeFloor = options.mainMergeFloor ?? 50_000;
    this.merger = Number.isFinite(this.syncMergeMax) ? new BackgroundMerger() : null;
  }

  get segments(): Segment[] {
    return this.main === null ? this.small : [this.main, ...this.small];
  }

  /** Whether a merge is running on the worker. */
  get mergingInBackground(): boolean {
    return this.merging !== null;
  }

  count(type: SearchType): number {
    const t = TYPE_NUMBER.get(type);
    return t === undefined ? 0 : this.live[t]!;
  }

  load(docs: readonly SearchDoc[]): void {
    this.generation++;
    this.merging = null;
    this.tables = new Tables();
    this.small = [];
    this.live.fill(0);
    const batch = new DocBatch(docs.length);
    const preparer = new Preparer(batch, this.tables);
    for (let i = 0; i < docs.length; i++) preparer.add(docs[i]!);
    const report: BuildReport = { order: null, duplicates: null };
    const main = buildSegment(batch, ++this.serial, report);
    this.main = main;
    this.addCounts(main, 1);
    // A type and id given twice: the later row stays.
    const { order, duplicates } = report;
    for (let i = 0; i + 1 < duplicates!.length; i += 2) {
      const [a, b] = [duplicates![i]!, duplicates![i + 1]!];
      this.markDeleted(main, order![a]! > order![b]! ? b : a);
    }
    this.settle();
  }

  /**
   * A freshly loaded store as a message another store adopts instead of loading (a search worker): the
   * main segment, whose columns on shared memory are shared rather than copied, and the tables.
   */
  exportLoaded(): LoadedStore {
    if (this.main === null || this.small.length > 0 || this.merging !== null) {
      throw new Error('only a freshly loaded index can be exported');
    }
    return { main: toMessage(this.main).message, tables: this.tables.export() };
  }

  /** Takes over what another store loaded; `dict` is the main segment's dictionary, unpacked. */
  adopt(loaded: LoadedStore, dict: string[]): void {
    this.generation++;
    this.merging = null;
    this.tables = Tables.from(loaded.tables);
    this.small = [];
    const main = fromMessage(loaded.main, dict);
    this.main = main;
    this.serial = Math.max(this.serial, main.serial);
    this.live.fill(0);
    this.addCounts(main, 1);
    if (main.deleted !== null)
      for (let d = 0; d < main.size; d++) if (main.deleted[d] === 1) this.live[typeOf(main, d)]!--;
    this.settle();
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
    const segment = buildSegment(batch, ++this.serial);
    this.addCounts(segment, 1);
    this.small.push(segment);
    this.compact();
  }

  remove(type: SearchType, ids: readonly string[]): void {
    const t = typeNumber(type);
    for (const id of ids) this.forget(t, id);
  }

  /** Resolves once no merge is running or due (tests, benchmarks). */
  settled(): Promise<void> {
    if (this.merging === null) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  async close(): Promise<void> {
    await this.merger?.close();
  }

  /** Marks the live document of this type and id deleted, wherever it is. */
  private forget(type: number, id: string): void {
    const hash = hashString(id);
    for (const segment of this.segments) {
      const d = findLive(segment, type, id, hash);
      if (d < 0) continue;
      this.markDeleted(segment, d);
      if (this.merging?.inputs.includes(segment)) this.merging.log.push(type, id);
      return;
    }
  }

  private markDeleted(segment: Segment, doc: number): void {
    segment.deleted ??= new Uint8Array(segment.size);
    if (segment.deleted[doc] === 1) return;
    segment.deleted[doc] = 1;
    segment.deletedCount++;
    this.live[typeOf(segment, doc)]!--;
    if (segment.deletedCount === segment.size && segment !== this.main && !this.merging?.inputs.includes(segment)) {
      this.small = this.small.filter((s) => s !== segment);
    }
  }

  /** Adds (sign 1) or takes off (−1) a segment's live documents from the counts. */
  private addCounts(segment: Segment, sign: number): void {
    for (let t = 0; t < TYPES; t++) this.live[t]! += sign * (segment.typeStart[t + 1]! - segment.typeStart[t]!);
  }

  private compact(): void {
    const main = this.main;
    const pending = this.small.reduce((n, s) => n + liveSize(s), 0) + (main?.deletedCount ?? 0);
    if (this.merging === null && pending > Math.max(this.mainMergeFloor, (main?.size ?? 0) / 8)) {
      this.merge(main === null ? [...this.small] : [main, ...this.small], true);
    }
    // Small segments merge among those newer than any being merged in the background: the newest
    // ones, as many in a row as the counter says (several at once when the worker was busy).
    for (;;) {
      const locked = this.merging?.inputs ?? [];
      let first = 0;
      for (let i = 0; i < this.small.length; i++) if (locked.includes(this.small[i]!)) first = i + 1;
      let from = this.small.length - 1;
      let sum = from >= first ? liveSize(this.small[from]!) : 0;
      while (from > first && (liveSize(this.small[from - 1]!) <= sum || from >= MAX_SMALL)) {
        // While the worker is busy, only what this thread merges at once.
        if (this.merging !== null && sum + liveSize(this.small[from - 1]!) > this.syncMergeMax) break;
        from--;
        sum += liveSize(this.small[from]!);
      }
      if (this.small.length - from < 2 || !this.merge(this.small.slice(from), false)) break;
    }
  }

  /**
   * Merges `inputs` into one segment: at once when small, else on the worker (false when one is
   * already running there). A merge into main takes every small segment that exists when it begins.
   */
  private merge(inputs: Segment[], intoMain: boolean): boolean {
    const live = inputs.reduce((n, s) => n + s.size - s.deletedCount, 0);
    if (this.merger === null || live <= this.syncMergeMax) {
      this.install(inputs, intoMain, mergeSegments(inputs.map(mergeSource), ++this.serial));
      return true;
    }
    if (this.merging !== null) return false;
    const merging: Merging = { inputs, intoMain, log: [], generation: this.generation };
    this.merging = merging;
    this.merger
      .merge(inputs.map(mergeSource), ++this.serial)
      .catch(() => {
        // The worker failed: merge here instead, the slow way, and keep doing so.
        this.merger = null;
        return mergeSegments(inputs.map(mergeSource), this.serial);
      })
      .then((segment) => {
        if (this.merging !== merging) return; // a load came in between
        this.merging = null;
        // Deletions made while the worker ran, replayed; the counts had them already.
        const { log } = merging;
        for (let i = 0; i < log.length; i += 2) {
          const d = findLive(segment, log[i] as number, log[i + 1] as string, hashString(log[i + 1] as string));
          if (d >= 0) {
            segment.deleted ??= new Uint8Array(segment.size);
            segment.deleted[d] = 1;
            segment.deletedCount++;
          }
        }
        this.install(inputs, intoMain, segment);
        this.compact();
        this.settle();
      });
    return true;
  }

  /** Puts `merged` where `inputs` were. */
  private install(inputs: Segment[], intoMain: boolean, merged: Segment): void {
    if (intoMain) {
      this.main = merged;
      this.small = this.small.filter((s) => !inputs.includes(s));
    } else {
      const at = this.small.indexOf(inputs[0]!);
      this.small = this.small.filter((s) => !inputs.includes(s));
      this.small.splice(at, 0, merged);
    }
  }

  private settle(): void {
    if (this.merging !== null) return;
    for (const resolve of this.idle.splice(0)) resolve();
  }
}

function liveSize(segment: Segment): number {
  return segment.size - segment.deletedCount;
}

function typeNumber(type: SearchType): number {
  const t = TYPE_NUMBER.get(type);
  if (t === undefined) throw new Error(`unknown search type ${type}`);
  return t;
}

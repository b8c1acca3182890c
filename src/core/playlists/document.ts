import { Conflict, Invalid } from '../errors.js';
import { evenKeys, keysBetween, MAX_KEY_LENGTH } from './order-keys.js';
import { type AppliedOp, applyOp, mapGap, mapItem, removedCount, toRanges } from './positions.js';
import { type ItemEdit, MAX_PLAYLIST_TRACKS, MAX_TRACKS_PER_REQUEST } from './types.js';

export interface PlaylistItem {
  itemId: string;
  trackId: string;
  sortKey: string;
  addedBy: string | null;
  addedAt: number;
}

/** One entry of the edit log: the op that made `version` from `version - 1`. */
export interface LoggedOp {
  version: number;
  op: AppliedOp;
  clientOpId: string | null;
}

export interface EditContext {
  userId: string;
  now: number;
  newItemId(): string;
  clientOpId?: string;
}

export type Outcome =
  /** The edit changed the list: a new version with this op and these new items (the block, in order). */
  | { kind: 'applied'; entry: LoggedOp; block: PlaylistItem[] }
  /** Nothing to change (a move onto itself, a removal of tracks already gone). */
  | { kind: 'unchanged' }
  /** The same client op was applied before (re-sent after a reconnect). */
  | { kind: 'duplicate'; version: number };

/**
 * A playlist's items at `version` and the log since some earlier version. `apply` carries an edit made
 * against any logged version to the current list (see positions.ts), so concurrent editors never lose
 * an edit and all end on the same list. Plain data in, plain data out: the editor persists the result.
 */
export class PlaylistDocument {
  constructor(
    public items: PlaylistItem[],
    public version: number,
    /** Ops after `logFrom`, ascending. */
    private log: LoggedOp[],
    private logFrom: number,
  ) {}

  /** Replaces the log with the ops after `from` (the editor loads just what an edit needs). */
  replaceLog(log: LoggedOp[], from: number): void {
    this.byClientOp = undefined;
    this.log = log;
    this.logFrom = from;
  }

  /** Whether the log in memory reaches back to `base` (no need to read it from storage). */
  covers(base: number): boolean {
    return base >= this.logFrom && base <= this.version;
  }

  /** Keeps the last `keep` log entries in memory, trimming only once twice that many have piled up. */
  trimLog(keep: number): void {
    if (this.log.length <= keep * 2) return;
    this.log = this.log.slice(-keep);
    this.byClientOp = undefined;
    this.logFrom = (this.log[0]?.version ?? this.version + 1) - 1;
  }

  private since(base: number): LoggedOp[] {
    if (base < this.logFrom || base > this.version) {
      throw new Conflict(
        'snapshot_id does not name a version of this playlist that edits can be rebased from',
        'snapshot_id',
      );
    }
    // The log holds consecutive versions logFrom+1 … version.
    return this.log.slice(base - this.logFrom);
  }

  private lengthAt(ops: LoggedOp[]): number {
    let length = this.items.length;
    for (const { op } of ops) length -= op.inserted - removedCount(op);
    return length;
  }

  /** Versions made by client op ids in the log, for answering a re-sent edit without a scan. */
  private clientOps(): Map<string, number> {
    if (!this.byClientOp) {
      this.byClientOp = new Map();
      for (const e of this.log) if (e.clientOpId) this.byClientOp.set(e.clientOpId, e.version);
    }
    return this.byClientOp;
  }
  private byClientOp: Map<string, number> | undefined;

  apply(edit: ItemEdit, base: number, context: EditContext): Outcome {
    if (context.clientOpId) {
      // Whatever version a re-send names (the editor checks the rest of the stored log before this).
      const earlier = this.clientOps().get(context.clientOpId);
      if (earlier !== undefined) return { kind: 'duplicate', version: earlier };
    }
    const ops = this.since(base);
    const plan = this.plan(edit, ops, base === this.version, context);
    if (!plan) return { kind: 'unchanged' };
    return this.commit(plan.op, plan.block, context.clientOpId ?? null);
  }

  private plan(edit: ItemEdit, ops: LoggedOp[], current: boolean, context: EditContext) {
    let known: number | undefined;
    const baseLength = () => {
      known ??= this.lengthAt(ops);
      return known;
    };
    const gap = (p: number) => ops.reduce((g, e) => mapGap(g, e.op), p);
    const item = (p: number) => ops.reduce((q, e) => (q < 0 ? q : mapItem(q, e.op)), p);
    const fresh = (trackIds: string[]) =>
      trackIds.map((trackId) => ({
        itemId: context.newItemId(),
        trackId,
        sortKey: '',
        addedBy: context.userId,
        addedAt: context.now,
      }));
    switch (edit.type) {
      case 'add': {
        checkTrackCount(edit.trackIds, this.items.length);
        // Without a position the tracks go at the end of the list as it is now: nothing to transform.
        let at = this.items.length;
        if (edit.index !== undefined) {
          checkPosition('position', edit.index, baseLength());
          at = gap(edit.index);
        }
        return {
          op: { removed: [], insertAt: at, inserted: edit.trackIds.length, moved: false },
          block: fresh(edit.trackIds),
        };
      }
      case 'replace': {
        // The items of the named version give way to the new ones; items added since stay.
        checkTrackCount(edit.trackIds, this.items.length - baseLength());
        const doomed: number[] = [];
        for (let p = 0; p < baseLength(); p++) {
          const now = item(p);
          if (now >= 0) doomed.push(now);
        }
        if (doomed.length === 0 && edit.trackIds.length === 0) return undefined;
        doomed.sort((a, b) => a - b);
        const start = gap(0);
        const insertAt = start - doomed.filter((p) => p < start).length;
        const op = { removed: toRanges(doomed), insertAt, inserted: edit.trackIds.length, moved: false };
        return { op, block: fresh(edit.trackIds) };
      }
      case 'remove':
        return this.planRemove(edit.tracks, baseLength, item, current);
      case 'move':
        return this.planMove(edit, baseLength(), gap, item);
    }
  }

  private planRemove(
    tracks: { trackId: string; positions?: number[] }[],
    baseLength: () => number,
    item: (p: number) => number,
    current: boolean,
  ) {
    if (tracks.length === 0 || tracks.length > MAX_TRACKS_PER_REQUEST) {
      throw new Invalid(`tracks must name 1 to ${MAX_TRACKS_PER_REQUEST} tracks`, 'tracks');
    }
    const doomed = new Set<number>();
    tracks.forEach(({ trackId, positions }, i) => {
      if (!positions) {
        for (let p = 0; p < this.items.length; p++) if (this.items[p]?.trackId === trackId) doomed.add(p);
        return;
      }
      for (const position of positions) {
        checkPosition(`tracks[${i}].positions`, position, baseLength() - 1);
        const now = item(position);
        if (now < 0) continue; // removed since: the intent already holds
        if (this.items[now]?.trackId !== trackId) {
          const message = `tracks[${i}].positions: position ${position} does not hold that track`;
          throw current
            ? new Invalid(message, 'tracks')
            : new Conflict(`${message} in the named snapshot`, 'snapshot_id');
        }
        doomed.add(now);
      }
    });
    if (doomed.size === 0) return undefined;
    const op: AppliedOp = {
      removed: toRanges([...doomed].sort((a, b) => a - b)),
      insertAt: 0,
      inserted: 0,
      moved: false,
    };
    return { op, block: [] as PlaylistItem[] };
  }

  private planMove(
    edit: Extract<ItemEdit, { type: 'move' }>,
    baseLength: number,
    gap: (p: number) => number,
    item: (p: number) => number,
  ) {
    const { rangeStart, rangeLength, insertBefore } = edit;
    checkPosition('range_start', rangeStart, baseLength - 1);
    if (!Number.isInteger(rangeLength) || rangeLength < 1 || rangeStart + rangeLength > baseLength) {
      throw new Invalid(
        `range_length must be 1 to ${baseLength - rangeStart} from range_start ${rangeStart}`,
        'range_length',
      );
    }
    checkPosition('insert_before', insertBefore, baseLength);
    if (insertBefore >= rangeStart && insertBefore <= rangeStart + rangeLength) return undefined;
    const moving: number[] = [];
    for (let p = rangeStart; p < rangeStart + rangeLength; p++) {
      const now = item(p);
      if (now >= 0) moving.push(now);
    }
    if (moving.length === 0) {
      throw new Conflict('range_start: the tracks to move were removed since the named snapshot', 'snapshot_id');
    }
    moving.sort((a, b) => a - b);
    const target = gap(insertBefore);
    const insertAt = target - moving.filter((p) => p < target).length;
    const first = moving[0] as number;
    if (insertAt === first && moving.at(-1) === first + moving.length - 1) return undefined;
    const op: AppliedOp = { removed: toRanges(moving), insertAt, inserted: moving.length, moved: true };
    return { op, block: moving.map((p) => ({ ...(this.items[p] as PlaylistItem) })) };
  }

  /** Applies a planned op: new order keys for the block, the new list, the log entry. */
  private commit(op: AppliedOp, block: PlaylistItem[], clientOpId: string | null): Outcome {
    const without = applyOp(this.items, { ...op, inserted: 0, insertAt: 0, moved: false });
    const low = without[op.insertAt - 1]?.sortKey ?? '';
    const high = without[op.insertAt]?.sortKey ?? null;
    const keys = keysBetween(low, high, block.length);
    block.forEach((it, i) => {
      it.sortKey = keys[i] as string;
    });
    this.items = applyOp(this.items, op, block);
    if (keys.some((k) => k.length > MAX_KEY_LENGTH)) {
      const even = evenKeys(this.items.length);
      this.items.forEach((it, i) => {
        it.sortKey = even[i] as string;
      });
    }
    this.version += 1;
    const entry = { version: this.version, op, clientOpId };
    this.log.push(entry);
    if (clientOpId) this.byClientOp?.set(clientOpId, this.version);
    return { kind: 'applied', entry, block };
  }
}

function checkPosition(field: string, position: number, max: number): void {
  if (!Number.isInteger(position) || position < 0 || position > max) {
    throw new Invalid(`${field} must be an integer from 0 to ${Math.max(max, 0)}, got ${position}`, field);
  }
}

function checkTrackCount(trackIds: string[], existing: number): void {
  if (trackIds.length > MAX_TRACKS_PER_REQUEST) {
    throw new Invalid(`uris may name at most ${MAX_TRACKS_PER_REQUEST} tracks per request`, 'uris');
  }
  if (existing + trackIds.length > MAX_PLAYLIST_TRACKS) {
    throw new Invalid(`a playlist holds at most ${MAX_PLAYLIST_TRACKS} tracks`, 'uris');
  }
}

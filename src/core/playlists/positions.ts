/**
 * Every applied edit, normalised: remove some positions, then insert a block at one position of the
 * shortened list. A move re-inserts the removed items themselves; an add removes nothing; a remove
 * inserts nothing. An edit made against an older version is carried to the current list by mapping
 * its positions through each of these in server order, which is the whole of the transform.
 */
export type Ranges = [start: number, end: number][];

export interface AppliedOp {
  /** Half-open, ascending, disjoint ranges of positions in the list before the edit. */
  removed: Ranges;
  /** Where the block goes, as a position in the list after the removal. */
  insertAt: number;
  inserted: number;
  /** The inserted block is the removed items, in their order: a move. */
  moved: boolean;
}

export function removedCount(op: AppliedOp): number {
  let n = 0;
  for (const [start, end] of op.removed) n += end - start;
  return n;
}

/** How many removed positions lie before `position`. */
function removedBefore(position: number, removed: Ranges): number {
  let n = 0;
  for (const [start, end] of removed) {
    if (start >= position) break;
    n += Math.min(end, position) - start;
  }
  return n;
}

function isRemoved(position: number, removed: Ranges): boolean {
  for (const [start, end] of removed) {
    if (position < start) return false;
    if (position < end) return true;
  }
  return false;
}

/** Where the item at `position` is after `op`, or -1 when `op` removed it. */
export function mapItem(position: number, op: AppliedOp): number {
  if (isRemoved(position, op.removed)) return op.moved ? op.insertAt + removedBefore(position, op.removed) : -1;
  const shifted = position - removedBefore(position, op.removed);
  return shifted >= op.insertAt ? shifted + op.inserted : shifted;
}

/**
 * Where the gap before `position` is after `op`. At a tie with the op's own insertion the gap moves
 * past the inserted block: the edit applied first keeps the earlier place.
 */
export function mapGap(position: number, op: AppliedOp): number {
  const shifted = position - removedBefore(position, op.removed);
  return shifted >= op.insertAt ? shifted + op.inserted : shifted;
}

/** Ascending distinct positions as ranges. */
export function toRanges(sorted: number[]): Ranges {
  const ranges: Ranges = [];
  for (const p of sorted) {
    const last = ranges.at(-1);
    if (last && last[1] === p) last[1] = p + 1;
    else ranges.push([p, p + 1]);
  }
  return ranges;
}

/**
 * The list after `op`. `inserted` is the new block for an add; for a move it may be omitted (the
 * removed items are re-inserted) or given to carry their new order keys.
 */
export function applyOp<T>(list: readonly T[], op: AppliedOp, inserted: readonly T[] = []): T[] {
  const kept: T[] = [];
  const taken: T[] = [];
  let r = 0;
  for (let i = 0; i < list.length; i++) {
    while (r < op.removed.length && i >= (op.removed[r] as [number, number])[1]) r++;
    const range = op.removed[r];
    if (range && i >= range[0]) taken.push(list[i] as T);
    else kept.push(list[i] as T);
  }
  const block = op.moved && inserted.length === 0 ? taken : inserted;
  kept.splice(op.insertAt, 0, ...block);
  return kept;
}

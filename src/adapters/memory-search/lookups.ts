/**
 * Candidates found by key rather than by scanning, added to the pool before the scan so that good
 * matches of little popularity are not cut off by more popular partial matches:
 * - exact names: documents whose name's core is exactly the query's words ("hello" → "Hello - Live");
 * - starts, in typeahead: documents whose name or an artist's name begins with the query's complete
 *   words (up to three), then checked for the rest ("i love you, i" → "I Love You, I Do").
 */
import { findWord, lowerBound } from './arrays.js';
import { Checks } from './checks.js';
import type { Expansion } from './expand.js';
import type { Matcher } from './match.js';
import type { Plan } from './plan.js';
import { type Pool, passes } from './scan.js';
import type { Segment } from './segment.js';

const EXACT_NAMES = 200;
const STARTS = 100;
const STARTS_BUDGET = 5000;

export function addExactNames(
  segment: Segment,
  type: number,
  plan: Plan,
  matcher: Matcher,
  pool: Pool,
  found: Set<number>,
) {
  if (plan.nameKey === null) return;
  const ids: number[] = [];
  for (const word of plan.textWords) {
    const id = findWord(segment.dict, word);
    if (id < 0) return;
    ids.push(id);
  }
  const keys = segment.nameKeys;
  const from = segment.typeStart[type]!;
  const to = segment.typeStart[type + 1]!;
  let added = 0;
  for (let i = lowerBound(keys, 0, keys.length, plan.nameKey); i < keys.length && keys[i] === plan.nameKey; i++) {
    const d = segment.nameDocs[i]!;
    if (d < from || d >= to || found.has(d) || (segment.deleted !== null && segment.deleted[d] === 1)) continue;
    if (!sameCore(segment, d, ids) || !passes(segment, d, plan)) continue;
    const text = matcher.evaluate(segment, d);
    if (text < 0) continue;
    found.add(d);
    pool.add(segment, d, text);
    if (++added >= EXACT_NAMES) break;
  }
}

export function addStarts(
  segment: Segment,
  type: number,
  plan: Plan,
  expansions: Expansion[],
  matcher: Matcher,
  pool: Pool,
  found: Set<number>,
) {
  if (plan.startKey === null) return;
  // The first words are there (the key says so); the others are checked cheaply before the Matcher.
  const checks = new Checks(segment, expansions, plan.startWords, true);
  const keys = segment.startKeys;
  const from = segment.typeStart[type]!;
  const to = segment.typeStart[type + 1]!;
  let added = 0;
  let read = 0;
  let i = lowerBound(keys, 0, keys.length, plan.startKey);
  // Documents of this type only: they are sorted by key, then document.
  const end = lowerBound(keys, i, keys.length, plan.startKey + 1);
  i = lowerBound(segment.startDocs, i, end, from);
  for (let previous = -1; i < end && read < STARTS_BUDGET; i++) {
    const d = segment.startDocs[i]!;
    if (d >= to) break;
    if (d === previous) continue;
    previous = d;
    read++;
    if (found.has(d) || (segment.deleted !== null && segment.deleted[d] === 1)) continue;
    if (!checks.all(d) || !passes(segment, d, plan)) continue;
    const text = matcher.evaluate(segment, d);
    if (text < 0) continue;
    found.add(d);
    pool.add(segment, d, text);
    if (++added >= STARTS) break;
  }
}

/** Whether the core of document d's name is exactly these words. */
function sameCore(segment: Segment, d: number, ids: number[]): boolean {
  let i = 0;
  for (let k = segment.forwardOffsets[d]!; k < segment.forwardOffsets[d + 1]!; k++) {
    const meta = segment.forwardMeta[k]!;
    if ((meta & 7) !== 0 || ((meta >>> 3) & 31) !== 0 || ((meta >>> 15) & 31) !== 1) continue;
    if (i >= ids.length || segment.forwardWords[k] !== ids[i]) return false;
    i++;
  }
  return i === ids.length;
}

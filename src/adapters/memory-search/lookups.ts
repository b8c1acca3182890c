/**
 * Candidates found by key rather than by scanning, added to the pool before the scan so that good
 * matches of little popularity are not cut off by more popular partial matches:
 * - exact names: documents whose name's core is exactly the query's words ("hello" → "Hello - Live");
 * - starts, in typeahead: documents whose name or an artist's name begins with the query's complete
 *   words (up to three), then checked for the rest ("i love you, i" → "I Love You, I Do"); for a query
 *   of one word being typed, those whose name or an artist's name begins with it ("edi" → Ediahaziel,
 *   among many "Radio Edit"s); a big prefix has its own list of those (prefixes.ts).
 */
import { ALBUM } from '../../core/search/ranking.js';
import { IntList, lowerBound } from './arrays.js';
import { Checks } from './checks.js';
import type { Expansion, Ranges } from './expand.js';
import type { Matcher } from './match.js';
import { type Plan, TYPEAHEAD } from './plan.js';
import { type Pool, passes } from './scan.js';
import type { Segment } from './segment.js';

const EXACT_NAMES = 200;
/** Documents the whole query begins (one name or artist), and documents it begins across fields. */
const STARTS = 100;
const STARTS_ACROSS = 300;
const STARTS_BUDGET = 5000;

export function addExactNames(
  segment: Segment,
  type: number,
  plan: Plan,
  expansions: Expansion[],
  matcher: Matcher,
  pool: Pool,
  found: Set<number>,
) {
  if (plan.nameKey === null) return;
  // The free-text words are the plan's first terms, so their expansions hold their ids: no dictionary
  // lookup per type.
  const ids: number[] = [];
  for (let t = 0; t < plan.textWords.length; t++) {
    const id = expansions[t]!.exact;
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
  const at = plan.startWords.length;
  const next = expansions[at]!.tier1;
  if (next.lo.length === 0) return;
  // The first words are there (the key says so) and so is the next one (checked below); the others are
  // checked cheaply before the Matcher.
  const checks = new Checks(segment, expansions, [...plan.startWords, at], true);
  const { startKeys: keys, startDocs: docs, startNext } = segment;
  const from = segment.typeStart[type]!;
  const to = segment.typeStart[type + 1]!;
  let i = lowerBound(keys, 0, keys.length, plan.startKey);
  // Documents of this type only: they are sorted by key, then document.
  const end = lowerBound(keys, i, keys.length, plan.startKey + 1);
  i = lowerBound(docs, i, end, from);
  let added = 0;
  let across = 0;
  for (let previous = -1, read = 0; i < end && read < STARTS_BUDGET; i++, read++) {
    const d = docs[i]!;
    if (d >= to) break;
    if (d === previous) continue;
    // The next query word goes on this name, or, where the name ends with the first words, begins
    // another name or artist's name of the document ("adele hel" → Adele's "Hello").
    const w = startNext[i]!;
    if (w >= 0 ? !inRanges(w, next) : !beginsGroupWith(segment, d, next)) continue;
    previous = d;
    if (found.has(d) || (segment.deleted !== null && segment.deleted[d] === 1)) continue;
    if (!checks.all(d) || !passes(segment, d, plan)) continue;
    // Only documents the query begins: the others ("on top of …" for "on o") the scan finds.
    const text = matcher.evaluate(segment, d);
    if (text < 0 || !matcher.started) continue;
    if (!matcher.startedOneGroup && across >= STARTS_ACROSS) continue;
    found.add(d);
    pool.add(segment, d, text);
    if (!matcher.startedOneGroup) across++;
    else if (++added >= STARTS) break;
  }
}

function inRanges(w: number, ranges: Ranges): boolean {
  for (let r = 0; r < ranges.lo.length; r++) if (w >= ranges.lo[r]! && w < ranges.hi[r]!) return true;
  return false;
}

export function addPrefixStarts(
  segment: Segment,
  type: number,
  plan: Plan,
  expansions: Expansion[],
  matcher: Matcher,
  pool: Pool,
  found: Set<number>,
) {
  if (plan.terms.length !== 1 || plan.terms[0]!.prefix !== TYPEAHEAD) return;
  const drive = expansions[0]!.drive1;
  if (drive.truncated) return;
  const from = segment.typeStart[type]!;
  const to = segment.typeStart[type + 1]!;
  const { beginPostings, beginOffsets } = segment;
  const docs = new IntList(256);
  for (let r = 0; r < drive.lo.length; r++) {
    for (let w = drive.lo[r]!; w < drive.hi[r]!; w++) {
      const end = lowerBound(beginPostings, beginOffsets[w]!, beginOffsets[w + 1]!, to);
      for (let k = lowerBound(beginPostings, beginOffsets[w]!, end, from); k < end; k++) docs.push(beginPostings[k]!);
    }
  }
  const sorted = docs.data.subarray(0, docs.length).sort();
  let added = 0;
  for (let i = 0; i < sorted.length && added < STARTS; i++) {
    const d = sorted[i]!;
    if ((i > 0 && sorted[i - 1] === d) || found.has(d)) continue;
    if ((segment.deleted !== null && segment.deleted[d] === 1) || !passes(segment, d, plan)) continue;
    const text = matcher.evaluate(segment, d);
    if (text < 0) continue;
    found.add(d);
    pool.add(segment, d, text);
    added++;
  }
}

/** Whether a word of `ranges` begins one of document d's names (its core or an artist's name). */
function beginsGroupWith(segment: Segment, d: number, ranges: Ranges): boolean {
  const { forwardWords, forwardMeta } = segment;
  for (let k = segment.forwardOffsets[d]!; k < segment.forwardOffsets[d + 1]!; k++) {
    const meta = forwardMeta[k]!;
    if (((meta >>> 8) & 127) === 0 && (meta & 3) !== ALBUM && inRanges(forwardWords[k]!, ranges)) return true;
  }
  return false;
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

/**
 * Short prefixes ("a", "be") cover thousands of words; merging their posting lists per keystroke would
 * cost too much. A prefix whose words have more than BIG_PREFIX postings becomes a node with, per type,
 * its number of documents and its TOP_DOCS most popular ones, found in one pass over the forward index.
 * Big prefixes are closed under shortening, so they form a trie; every word points at its deepest node.
 */
import { SEARCH_TYPES } from '../../ports/search-index.js';
import { lowerBoundString, prefixEnd } from './arrays.js';
import type { BigPrefixes } from './segment.js';

export const BIG_PREFIX = 20_000;
export const TOP_DOCS = 1000;
const TYPES = SEARCH_TYPES.length;

interface Trie {
  prefixes: string[];
  parent: number[];
  lo: number[];
  hi: number[];
}

export function buildBigPrefixes(
  dict: readonly string[],
  postingOffsets: Int32Array,
  typeStart: Int32Array,
  forwardOffsets: Int32Array,
  forwardWords: Int32Array,
): BigPrefixes {
  const trie: Trie = { prefixes: [], parent: [], lo: [], hi: [] };
  visitChildren(trie, dict, postingOffsets, '', 0, dict.length, -1);
  const nodes = trie.prefixes.length;
  const deepest = new Int32Array(dict.length).fill(-1);
  for (let node = 0; node < nodes; node++) deepest.fill(node, trie.lo[node]!, trie.hi[node]!);

  const counts = new Int32Array(nodes * TYPES);
  const offsets = new Int32Array(nodes * TYPES + 1);
  if (nodes === 0) return { nodes: new Map(), counts, offsets, docs: new Int32Array(0) };
  const parent = Int32Array.from(trie.parent);
  const seen = new Int32Array(nodes).fill(-1);
  // First pass: counts. Second: the first TOP_DOCS documents of each (node, type), in document order.
  for (let pass = 0; pass < 2; pass++) {
    const fill = pass === 1 ? new Int32Array(nodes * TYPES) : null;
    const docs = pass === 1 ? new Int32Array(offsets[nodes * TYPES]!) : null;
    seen.fill(-1);
    for (let type = 0; type < TYPES; type++) {
      for (let d = typeStart[type]!; d < typeStart[type + 1]!; d++) {
        for (let k = forwardOffsets[d]!; k < forwardOffsets[d + 1]!; k++) {
          for (let node = deepest[forwardWords[k]!]!; node >= 0 && seen[node] !== d; node = parent[node]!) {
            seen[node] = d;
            const slot = node * TYPES + type;
            if (fill === null) counts[slot]!++;
            else if (fill[slot]! < TOP_DOCS) docs![offsets[slot]! + fill[slot]!++] = d;
          }
        }
      }
    }
    if (pass === 0) {
      for (let s = 0; s < nodes * TYPES; s++) offsets[s + 1] = offsets[s]! + Math.min(counts[s]!, TOP_DOCS);
    } else {
      const map = new Map<string, number>();
      for (let i = 0; i < nodes; i++) map.set(trie.prefixes[i]!, i);
      return { nodes: map, counts, offsets, docs: docs! };
    }
  }
  throw new Error('unreachable');
}

/** Adds the big children of `prefix` (its words are dict[lo..hi)), depth first. */
function visitChildren(
  trie: Trie,
  dict: readonly string[],
  postingOffsets: Int32Array,
  prefix: string,
  lo: number,
  hi: number,
  parent: number,
): void {
  const depth = prefix.length;
  let i = lo;
  if (i < hi && dict[i]!.length === depth) i++;
  while (i < hi) {
    const child = prefix + dict[i]![depth]!;
    const end = lowerBoundString(dict, i, hi, prefixEnd(child));
    if (postingOffsets[end]! - postingOffsets[i]! > BIG_PREFIX) {
      const node = trie.prefixes.length;
      trie.prefixes.push(child);
      trie.parent.push(parent);
      trie.lo.push(i);
      trie.hi.push(end);
      visitChildren(trie, dict, postingOffsets, child, i, end, node);
    }
    i = end;
  }
}

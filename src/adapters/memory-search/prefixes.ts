/**
 * Short prefixes ("a", "be") cover thousands of words; merging their posting lists per keystroke would
 * cost too much. A prefix whose words have more than BIG_PREFIX postings becomes a node with, per type,
 * its number of documents and TOP_DOCS of them, found in passes over the forward index: the most popular
 * of those whose name or an artist's name the prefix begins (what typeahead ranks first), then the most
 * popular of the others.
 * Big prefixes are closed under shortening, so they form a trie; every word points at its deepest node.
 */
import { SEARCH_TYPES } from '../../ports/search-index.js';
import { lowerBoundString, prefixEnd } from './arrays.js';
import { type BigPrefixes, beginsGroup } from './segment.js';

export const BIG_PREFIX = 20_000;
export const TOP_DOCS = 500;
const TYPES = SEARCH_TYPES.length;

interface Trie {
  prefixes: string[];
  parent: number[];
  lo: number[];
  hi: number[];
}

export interface ForwardIndex {
  typeStart: Int32Array;
  forwardOffsets: Int32Array;
  forwardWords: Int32Array;
  forwardMeta: Int32Array;
}

export function buildBigPrefixes(dict: readonly string[], postingOffsets: Int32Array, f: ForwardIndex): BigPrefixes {
  const trie: Trie = { prefixes: [], parent: [], lo: [], hi: [] };
  visitChildren(trie, dict, postingOffsets, '', 0, dict.length, -1);
  const nodes = trie.prefixes.length;
  const deepest = new Int32Array(dict.length).fill(-1);
  for (let node = 0; node < nodes; node++) deepest.fill(node, trie.lo[node]!, trie.hi[node]!);
  const counts = new Int32Array(nodes * TYPES);
  const offsets = new Int32Array(nodes * TYPES + 1);
  if (nodes === 0) return { nodes: new Map(), counts, offsets, docs: new Int32Array(0) };

  const lists = new TopLists(nodes, Int32Array.from(trie.parent), deepest, f);
  lists.walk(counts, null, false);
  for (let s = 0; s < nodes * TYPES; s++) offsets[s + 1] = offsets[s]! + Math.min(counts[s]!, TOP_DOCS);
  const docs = new Int32Array(offsets[nodes * TYPES]!);
  const fill = new Int32Array(nodes * TYPES);
  // The documents a prefix begins (their name or an artist's name) come first, then the others.
  lists.walk(null, { docs, offsets, fill }, true);
  lists.walk(null, { docs, offsets, fill }, false);
  for (let s = 0; s < nodes * TYPES; s++) docs.subarray(offsets[s]!, offsets[s]! + fill[s]!).sort();
  const map = new Map<string, number>();
  for (let i = 0; i < nodes; i++) map.set(trie.prefixes[i]!, i);
  return { nodes: map, counts, offsets, docs };
}

/** Passes over the forward index, each word's document counted once per node of its prefixes. */
class TopLists {
  private readonly seen: Int32Array;
  private readonly started: Int32Array;

  constructor(
    nodes: number,
    private readonly parent: Int32Array,
    private readonly deepest: Int32Array,
    private readonly f: ForwardIndex,
  ) {
    this.seen = new Int32Array(nodes);
    this.started = new Int32Array(nodes);
  }

  /**
   * Counts documents per (node, type), or fills lists: with `starting`, the documents where a word of
   * the node begins the name or an artist's name; without, the others.
   */
  walk(
    counts: Int32Array | null,
    out: { docs: Int32Array; offsets: Int32Array; fill: Int32Array } | null,
    starting: boolean,
  ): void {
    const { seen, started, parent, deepest } = this;
    const { typeStart, forwardOffsets, forwardWords, forwardMeta } = this.f;
    seen.fill(-1);
    started.fill(-1);
    for (let type = 0; type < TYPES; type++) {
      for (let d = typeStart[type]!; d < typeStart[type + 1]!; d++) {
        const from = forwardOffsets[d]!;
        const to = forwardOffsets[d + 1]!;
        if (out !== null) {
          // Nodes this document starts.
          for (let k = from; k < to; k++) {
            if (!beginsGroup(forwardMeta[k]!)) continue;
            for (let node = deepest[forwardWords[k]!]!; node >= 0 && started[node] !== d; node = parent[node]!) {
              started[node] = d;
            }
          }
        }
        for (let k = from; k < to; k++) {
          for (let node = deepest[forwardWords[k]!]!; node >= 0 && seen[node] !== d; node = parent[node]!) {
            seen[node] = d;
            const slot = node * TYPES + type;
            if (counts !== null) counts[slot]!++;
            else if ((started[node] === d) === starting && out!.fill[slot]! < TOP_DOCS) {
              out!.docs[out!.offsets[slot]! + out!.fill[slot]!++] = d;
            }
          }
        }
      }
    }
  }
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

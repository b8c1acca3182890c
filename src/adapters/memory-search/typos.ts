/**
 * Typo tolerance by symmetric deletion (SymSpell): every dictionary word is filed under the hashes of
 * itself and of its variants with one character deleted (two for words of 8+ characters); a query word
 * looks up its own deletion variants, and the candidates found are checked with a real
 * Damerau-Levenshtein distance. Two deletions are only needed on the dictionary side for words at least
 * as long as the query word (8+), since a shorter word within 2 edits differs by at most one substitution.
 * Hashes and word ids sit in two parallel typed arrays sorted by hash.
 */
import { isCjkToken } from '../../core/search/normalize.js';
import { radixSort } from './arrays.js';

export interface TypoIndex {
  keys: Uint32Array;
  words: Int32Array;
}

const MIN_LENGTH = 3;
const TWO_DELETES_FROM = 8;
const MAX_LENGTH = 24;

const LETTERS = /^\p{L}+$/u;

/**
 * Edits allowed in a query word: 1 from 4 characters, 2 from 8. A word of three letters gets one only when
 * `short` says the query allows it (plan.ts: another word beside it, and the word not a common one).
 */
export function maxTypos(word: string, short = false): number {
  if (isCjkToken(word)) return 0;
  if (word.length === 3) return short && LETTERS.test(word) ? 1 : 0;
  return word.length >= 8 ? 2 : word.length >= 4 ? 1 : 0;
}

export function buildTypoIndex(dict: readonly string[]): TypoIndex {
  let keys = new Uint32Array(Math.max(64, dict.length * 8));
  let words = new Int32Array(keys.length);
  let n = 0;
  const scratch = new Uint32Array(1 + MAX_LENGTH + (MAX_LENGTH * (MAX_LENGTH - 1)) / 2);
  for (let w = 0; w < dict.length; w++) {
    const word = dict[w]!;
    if (word.length < MIN_LENGTH || word.length > MAX_LENGTH || isCjkToken(word)) continue;
    let count = deletionHashes(word, word.length >= TWO_DELETES_FROM ? 2 : 1, scratch);
    const own = scratch.subarray(0, count).sort();
    let unique = 0;
    for (let i = 0; i < count; i++) if (i === 0 || own[i] !== own[i - 1]) own[unique++] = own[i]!;
    count = unique;
    if (n + count > keys.length) {
      const size = Math.max(keys.length * 2, n + count);
      const k = new Uint32Array(size);
      k.set(keys.subarray(0, n));
      keys = k;
      const v = new Int32Array(size);
      v.set(words.subarray(0, n));
      words = v;
    }
    keys.set(own.subarray(0, count), n);
    words.fill(w, n, n + count);
    n += count;
  }
  const index = { keys: keys.slice(0, n), words: words.slice(0, n) };
  radixSort(index.keys, index.words);
  return index;
}

/** Writes the hashes of `word` and its variants with up to `deletes` characters removed; returns the count. */
function deletionHashes(word: string, deletes: number, out: Uint32Array): number {
  const len = word.length;
  let n = 0;
  out[n++] = hashSkipping(word, -1, -1);
  for (let i = 0; i < len; i++) {
    out[n++] = hashSkipping(word, i, -1);
    if (deletes > 1) for (let j = i + 1; j < len; j++) out[n++] = hashSkipping(word, i, j);
  }
  return n;
}

function hashSkipping(word: string, skipA: number, skipB: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < word.length; i++) {
    if (i === skipA || i === skipB) continue;
    h = Math.imul(h ^ word.charCodeAt(i), 0x01000193);
  }
  return h >>> 0;
}

/**
 * Dictionary words within `max` edits of `word` (not `word` itself): calls `found(wordId, distance)`.
 * Returns how many were found.
 */
export function typoMatches(
  index: TypoIndex,
  dict: readonly string[],
  word: string,
  max: number,
  found: (id: number, distance: number) => void,
): number {
  if (max <= 0 || word.length > MAX_LENGTH + 2) return 0;
  const scratch = new Uint32Array(1 + word.length + (word.length * (word.length - 1)) / 2);
  const count = deletionHashes(word, max, scratch);
  const seen = new Set<number>();
  const { keys, words } = index;
  let hits = 0;
  for (let q = 0; q < count; q++) {
    const key = scratch[q]!;
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < keys.length && keys[i] === key; i++) {
      const id = words[i]!;
      if (seen.has(id)) continue;
      seen.add(id);
      const candidate = dict[id]!;
      if (Math.abs(candidate.length - word.length) > max || candidate === word) continue;
      const d = editDistance(word, candidate, max);
      if (d <= max) {
        found(id, d);
        hits++;
      }
    }
  }
  return hits;
}

const rows = [new Int32Array(64), new Int32Array(64), new Int32Array(64)];

/**
 * Optimal-string-alignment distance (an adjacent transposition is one edit), or max + 1 once it is
 * certain to exceed `max`.
 */
export function editDistance(a: string, b: string, max: number): number {
  const n = a.length;
  const m = b.length;
  if (Math.abs(n - m) > max) return max + 1;
  if (m + 1 > rows[0]!.length) for (let r = 0; r < 3; r++) rows[r] = new Int32Array(m + 1);
  let before = rows[0]!;
  let previous = rows[1]!;
  let current = rows[2]!;
  for (let j = 0; j <= m; j++) previous[j] = j;
  for (let i = 1; i <= n; i++) {
    current[0] = i;
    let rowMin = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= m; j++) {
      const cb = b.charCodeAt(j - 1);
      let v = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (ca === cb ? 0 : 1));
      if (i > 1 && j > 1 && ca === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === cb) {
        v = Math.min(v, before[j - 2]! + 1);
      }
      current[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    [before, previous, current] = [previous, current, before];
  }
  return Math.min(previous[m]!, max + 1);
}

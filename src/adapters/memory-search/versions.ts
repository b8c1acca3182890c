/**
 * Versions of a recording: a title whose tail (normalize.ts `splitTitle`: " - …", "(…)", "[…]") holds a
 * version word or a year — "Jingle Bells - 1999 - Remaster", "Song (Live at X)", "Song - Radio Edit",
 * "Song [Remix]" — is a version of the title's core. When the query names no version, an original is
 * put right above its versions of the same first artist when it scores a little below them (ranking.ts
 * `versionMargin`, `liftOriginals` here); nothing else moves, so versions do not sink below other
 * songs. A query that says "live" or "2011" finds the version it names first, as before.
 *
 * Each segment gets, on first need, a bit set over its dictionary of the version words it has (not sent
 * to other threads: each builds its own, a few hundred dictionary look-ups). A document is a version
 * when a word of its name's tail is set there; only documents on the page, and originals that share a
 * core title with a version there, are looked at, when the page is ranked.
 */
import { ARTISTS } from '../../core/search/ranking.js';
import { findWord, hashString } from './arrays.js';
import type { Pool } from './scan.js';
import type { Segment } from './segment.js';

/** Words that make a title's tail a version, folded as the index folds them (English and a few more). */
const VERSION_WORDS = [
  'acoustic',
  'acustico',
  'demo',
  'directo',
  'edit',
  'extended',
  'instrumental',
  'karaoke',
  'live',
  'mix',
  'mono',
  'remaster',
  'remastered',
  'remasterizado',
  'remastering',
  'remix',
  'remixed',
  'rehearsal',
  'rmx',
  'session',
  'sessions',
  'stereo',
  'take',
  'unplugged',
  'version',
  'vivo',
];
const WORDS = new Set(VERSION_WORDS);
const FIRST_YEAR = 1900;
const LAST_YEAR = 2099;
const YEAR = /^(19|20)\d\d$/;

/**
 * Whether the query names a version: one of its words is a version word or a year, or, in typeahead, the
 * word being typed (two letters or more) begins a version word ("jingle bells li" may become "live").
 */
export function namesVersion(words: readonly string[], typeahead: boolean): boolean {
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (WORDS.has(word) || YEAR.test(word)) return true;
    if (typeahead && i === words.length - 1 && word.length >= 2) {
      for (const v of VERSION_WORDS) if (v.startsWith(word)) return true;
    }
  }
  return false;
}

/** The segment's version words as bits over its dictionary's word ids. */
export function versionWords(segment: Segment): Uint32Array {
  let bits = segment.versions;
  if (bits !== undefined) return bits;
  const { dict } = segment;
  bits = new Uint32Array((dict.length + 31) >>> 5);
  const set = (word: string) => {
    const w = findWord(dict, word);
    if (w >= 0) bits![w >>> 5]! |= 1 << (w & 31);
  };
  for (const word of VERSION_WORDS) set(word);
  for (let year = FIRST_YEAR; year <= LAST_YEAR; year++) set(String(year));
  segment.versions = bits;
  return bits;
}

/**
 * Puts each pooled original right above its best version on the page (same core title, same first
 * artist) when its score is at most `margin` below that version's. `scores` are the pool's final scores,
 * `threshold` the lowest on the page: a version below it shows nowhere, so neither does lifting above it.
 * Versions are recognised here, for the few documents that can matter, rather than for every candidate.
 */
export function liftOriginals(pool: Pool, scores: Float64Array, margin: number, threshold: number): void {
  const { segments, docs } = pool;
  const title = (i: number) => segments[i]!.nameHash[docs[i]!]!;
  const version = (i: number) => isVersion(segments[i]!, docs[i]!);
  // Per core title, the best score of its versions on the page.
  let top: Map<number, number> | null = null;
  let lowest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < docs.length; i++) {
    if (scores[i]! < threshold || !version(i)) continue;
    top ??= new Map();
    const t = title(i);
    top.set(t, Math.max(top.get(t) ?? Number.NEGATIVE_INFINITY, scores[i]!));
    lowest = Math.min(lowest, scores[i]!);
  }
  if (top === null) return;
  const near: number[] = [];
  const pageVersions: number[] = [];
  for (let i = 0; i < docs.length; i++) {
    if (scores[i]! < lowest - margin) continue;
    const above = top.get(title(i));
    if (above === undefined || scores[i]! - above > margin) continue;
    if (!version(i)) {
      if (scores[i]! <= above && above - scores[i]! <= margin) near.push(i);
    } else if (scores[i]! >= threshold) pageVersions.push(i);
  }
  if (near.length === 0) return;
  // The same by core title and first artist, for the originals near enough and the versions on the page.
  const key = (i: number) => title(i) * 0x200000 + (firstArtist(segments[i]!, docs[i]!) & 0x1fffff);
  const versions = new Map<number, number>();
  for (const i of pageVersions) {
    const k = key(i);
    versions.set(k, Math.max(versions.get(k) ?? Number.NEGATIVE_INFINITY, scores[i]!));
  }
  const lifted = new Map<number, number>();
  for (const i of near) {
    const k = key(i);
    const above = versions.get(k);
    if (above === undefined || scores[i]! > above || above - scores[i]! > margin) continue;
    const other = lifted.get(k);
    if (other === undefined || scores[i]! > scores[other]!) lifted.set(k, i);
  }
  for (const [k, i] of lifted) scores[i] = versions.get(k)! + 1e-9;
}

/** Whether a word of the document's name's tail (field NAME, tail bit) is a version word. */
function isVersion(segment: Segment, d: number): boolean {
  const bits = versionWords(segment);
  const { forwardWords, forwardMeta } = segment;
  for (let k = segment.forwardOffsets[d]!; k < segment.forwardOffsets[d + 1]!; k++) {
    if ((forwardMeta[k]! & 7) !== 4) continue;
    const w = forwardWords[k]!;
    if ((bits[w >>> 5]! & (1 << (w & 31))) !== 0) return true;
  }
  return false;
}

/** A document's first artist, as a hash of its words (dictionaries differ between segments). */
function firstArtist(segment: Segment, d: number): number {
  const { forwardWords, forwardMeta, dict } = segment;
  let h = 0x811c9dc5;
  for (let k = segment.forwardOffsets[d]!; k < segment.forwardOffsets[d + 1]!; k++) {
    const meta = forwardMeta[k]!;
    // Field ARTISTS, group 0 (the first artist), single parts (aliases left out).
    if ((meta & 3) === ARTISTS && ((meta >>> 3) & 31) === 0 && ((meta >>> 15) & 31) === 1) {
      h = hashString(dict[forwardWords[k]!]!, Math.imul(h ^ 32, 0x01000193));
    }
  }
  return h;
}

/**
 * Other readings of a query's free-text words, for what people really type.
 *
 * Space slips (`respellings`), each reading mending one slip, its new words checked against the
 * segments' dictionaries (the word being typed in typeahead only has to begin one):
 * - a space moved by one letter between two words ("waterr uns" → water runs, "up alln ight" → all
 *   night, "nights int he" → in the), then by two;
 * - one word read as two ("bythe river" → by the, "countryroads" → country roads), whose halves must then
 *   sit side by side in the document, or end one name and begin the next (Term.glued, match.ts);
 * - two words read as one ("sum mertime" → summertime).
 * Parts shorter than two letters are not tried (a lone letter is a word of nearly every dictionary).
 * As a word splitter would, each candidate is weighed by the likelihood of its words, the product of
 * their shares of documents (a unigram model over the index), against that of the words typed: it is
 * kept only when it is likelier than them ("hippie" is not read as "hip pie", nor "take" as "ta ke";
 * "bythe", in no document, is read as "by the"), and the MAX_RESPELLINGS likeliest are tried, each
 * costing a search of its own. The words a slip made count SPACE_SLIP of their match and get no typo;
 * the other words keep theirs, so a slip and a typo elsewhere can still be found ("quiet mils bythe
 * river"). index.ts tries these readings only when the words as typed found nothing whole in any type;
 * they rank after every exact match of the words as typed and before any typo (ranking.ts SLIP_WORDS).
 *
 * Partial readings (`partials`): the query with one word left out, for a query that found nothing at
 * all (index.ts). A word that matches nothing in the index, even with typos, is the one left out; when
 * every word matches something, each is left out in turn (queries of up to MAX_PARTIAL_WORDS words;
 * in longer ones, each of the few words that match nowhere as typed). When two or more words match
 * nothing, no reading keeps all words but one, and there is no answer.
 */
import { isCjkToken } from '../../core/search/normalize.js';
import { SPACE_SLIP } from '../../core/search/ranking.js';
import { prefixRange } from './arrays.js';
import { expansionOf } from './expand.js';
import { documentsWith, NO_PREFIX, type Plan, type Term, TYPEAHEAD, textTerm, textTerms, withText } from './plan.js';
import type { Segment } from './segment.js';

const MAX_RESPELLINGS = 4;
/** Longer queries are not respelt (each word and pair offers candidates). */
const MAX_RESPELT_WORDS = 12;
const MIN_PART = 2;
/** Each word is left out in turn up to this many words; beyond, only words matching nowhere as typed… */
const MAX_PARTIAL_WORDS = 8;
/** …when there are this many at most. */
const MAX_INEXACT = 3;

interface Candidate {
  /** Typed words [at, at + count) are replaced by `words`. */
  at: number;
  count: number;
  words: Term[];
  /** Log-likelihood of the new words, and how much likelier they are than the words typed. */
  likelihood: number;
  gain: number;
  /** Order of discovery, for ties: moves by one letter, splits, joins, moves by two. */
  order: number;
}

export function respellings(plan: Plan, segments: readonly Segment[]): Plan[] {
  const typed = textTerms(plan);
  const n = typed.length;
  if (n === 0 || n > MAX_RESPELT_WORDS || typed.some((t) => isCjkToken(t.text))) return [];
  const being = plan.typeahead ? n - 1 : -1;
  const candidates: Candidate[] = [];
  const logSize = Math.log(
    Math.max(
      1,
      segments.reduce((sum, s) => sum + s.size, 0),
    ),
  );
  // Each candidate weighs the words typed again, and parts recur across candidates: each share is
  // looked up in the dictionaries once.
  const shares = [new Map<string, number>(), new Map<string, number>()];
  /** Log of the share of documents having `word` (beginning with it when being typed); −∞ for none. */
  const share = (word: string, prefix: boolean) => {
    const known = shares[prefix ? 1 : 0]!;
    let log = known.get(word);
    if (log === undefined) {
      const n = prefix ? documentsBegun(segments, word) : documentsWith(segments, word);
      log = n === 0 ? Number.NEGATIVE_INFINITY : Math.log(n) - logSize;
      known.set(word, log);
    }
    return log;
  };
  const slip = (text: string, prefix: boolean, glued: boolean) =>
    textTerm(text, prefix ? TYPEAHEAD : NO_PREFIX, SPACE_SLIP, glued);
  const offer = (at: number, count: number, parts: [string, string] | [string], glued: boolean) => {
    const lastTyped = at + count - 1 === being;
    let likelihood = 0;
    for (let i = 0; i < parts.length && likelihood > Number.NEGATIVE_INFINITY; i++) {
      const part = parts[i]!;
      likelihood +=
        part.length < MIN_PART ? Number.NEGATIVE_INFINITY : share(part, lastTyped && i === parts.length - 1);
    }
    if (likelihood === Number.NEGATIVE_INFINITY) return;
    let typedLikelihood = 0;
    for (let t = at; t < at + count; t++) typedLikelihood += share(typed[t]!.text, t === being);
    const gain = likelihood - typedLikelihood;
    if (!(gain > 0)) return;
    const words = parts.map((p, i) => slip(p, lastTyped && i === parts.length - 1, glued && i === 0));
    candidates.push({ at, count, words, likelihood, gain, order: candidates.length });
  };
  const moves = (shift: number) => {
    for (let i = 0; i + 1 < n; i++) {
      const a = typed[i]!.text;
      const joined = a + typed[i + 1]!.text;
      for (const cut of [a.length - shift, a.length + shift]) {
        if (cut < MIN_PART || joined.length - cut < MIN_PART) continue;
        offer(i, 2, [joined.slice(0, cut), joined.slice(cut)], false);
      }
    }
  };
  moves(1);
  for (let i = 0; i < n; i++) {
    const word = typed[i]!.text;
    for (let cut = MIN_PART; cut <= word.length - MIN_PART; cut++) {
      offer(i, 1, [word.slice(0, cut), word.slice(cut)], true);
    }
  }
  for (let i = 0; i + 1 < n; i++) offer(i, 2, [typed[i]!.text + typed[i + 1]!.text], false);
  moves(2);

  // The likeliest against what was typed first; where the typed words are in no document (every gain
  // is infinite), the likeliest.
  candidates.sort((a, b) => b.gain - a.gain || b.likelihood - a.likelihood || a.order - b.order);
  const out: Plan[] = [];
  const seen = new Set<string>();
  for (const c of candidates) {
    if (out.length >= MAX_RESPELLINGS) break;
    const text = [...typed.slice(0, c.at), ...c.words, ...typed.slice(c.at + c.count)];
    const key = text.map((t) => t.text).join(' ');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(withText(plan, text, true));
  }
  return out;
}

export function partials(plan: Plan, segments: readonly Segment[]): Plan[] {
  const typed = textTerms(plan);
  const n = typed.length;
  if (n < 2) return [];
  const matchesNothing = typed.map((t) => segments.every((s) => expansionOf(s, t).all.lo.length === 0));
  const lost = matchesNothing.filter(Boolean).length;
  const without = (i: number) => withText(plan, [...typed.slice(0, i), ...typed.slice(i + 1)], false);
  if (lost === 1) return [without(matchesNothing.indexOf(true))];
  if (lost > 1) return [];
  if (n <= MAX_PARTIAL_WORDS) return typed.map((_, i) => without(i));
  // A long query: only its words that match nowhere as typed (a typo, a garbled word) are left out.
  const inexact: number[] = [];
  typed.forEach((t, i) => {
    if (segments.every((s) => expansionOf(s, t).tier1.lo.length === 0)) inexact.push(i);
  });
  return inexact.length <= MAX_INEXACT ? inexact.map(without) : [];
}

/** Postings of the words `prefix` begins (a document with two of them counts twice: a likelihood only). */
function documentsBegun(segments: readonly Segment[], prefix: string): number {
  let n = 0;
  for (const segment of segments) {
    const [a, b] = prefixRange(segment.dict, prefix);
    n += segment.postingOffsets[b]! - segment.postingOffsets[a]!;
  }
  return n;
}

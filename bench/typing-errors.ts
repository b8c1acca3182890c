/**
 * A model of how people mistype a search query, for the relevance evaluation (bench/eval-search.ts).
 * Each function takes the query as meant and a seeded PRNG, makes one mistake of its kind and says what
 * it did; it returns undefined when the query offers nothing of that kind (no 3-letter word, one word
 * only). Nothing here knows the catalogue or the search engine: a query stays labelled with the row it
 * was made from, whatever the mistake turns it into.
 *
 * Words are the query's space-separated tokens; letter mistakes touch only tokens made of letters. The
 * first letter of a word is mistyped less often than the others (a quarter as often), as in studies of
 * typing errors.
 */
import { editDistance, type Rng } from './search-catalogue.js';

export interface Typed {
  text: string;
  /** What was done, for reading the misses: "water runs → waterr uns (space moved)". */
  note: string;
}

const KEY_ROWS = ['qwertyuiop', 'asdfghjkl', 'zxcvbnm'];
/** How far each row is shifted right on a QWERTY keyboard, in keys. */
const ROW_SHIFT = [0, 0.25, 0.75];

/** The keys next to a letter on a QWERTY keyboard (same row and the rows above and below). */
export function neighbourKeys(letter: string): string[] {
  const c = letter.toLowerCase();
  const row = KEY_ROWS.findIndex((r) => r.includes(c));
  if (row < 0) return [];
  const x = KEY_ROWS[row]!.indexOf(c) + ROW_SHIFT[row]!;
  const out: string[] = [];
  KEY_ROWS.forEach((keys, r) => {
    if (Math.abs(r - row) > 1) return;
    [...keys].forEach((key, i) => {
      const dx = Math.abs(i + ROW_SHIFT[r]! - x);
      if (key !== c && (r === row ? dx === 1 : dx < 1)) out.push(key);
    });
  });
  return out;
}

/** How the query is cased: lower case mostly, as written (the catalogue's casing) or sentence case. */
export function realisticCase(text: string, rng: Rng): string {
  const r = rng.next();
  if (r < 0.55) return text.toLowerCase();
  if (r < 0.9) return text;
  const lower = text.toLowerCase();
  return lower.charAt(0).toUpperCase() + lower.slice(1);
}

const isWord = (token: string) => /^\p{L}+$/u.test(token);
const withCase = (letter: string, like: string) => (like === like.toUpperCase() ? letter.toUpperCase() : letter);

/** One of these letter positions, the word's first letter (0) a quarter as likely as each other one. */
function position(positions: number[], rng: Rng): number {
  const weight = (i: number) => (i === 0 ? 0.25 : 1);
  let r = rng.next() * positions.reduce((sum, i) => sum + weight(i), 0);
  for (const i of positions) {
    r -= weight(i);
    if (r < 0) return i;
  }
  return positions.at(-1)!;
}

const everyLetter = (word: string) => Array.from({ length: word.length }, (_, i) => i);

/**
 * Applies `edit` to one word (drawn at random) among those of `minLetters`..`maxLetters` letters that
 * it accepts; undefined if there is none.
 */
function inOneWord(
  text: string,
  rng: Rng,
  minLetters: number,
  maxLetters: number,
  edit: (word: string, rng: Rng) => string | undefined,
  what: string,
): Typed | undefined {
  const tokens = text.split(' ');
  const candidates = rng.shuffle(
    tokens.flatMap((t, i) => (isWord(t) && t.length >= minLetters && t.length <= maxLetters ? [i] : [])),
  );
  for (const i of candidates) {
    const wrong = edit(tokens[i]!, rng);
    if (wrong === undefined || wrong === tokens[i]) continue;
    const note = `${tokens[i]} → ${wrong} (${what})`;
    tokens[i] = wrong;
    return { text: tokens.join(' '), note };
  }
  return undefined;
}

// ---- letter mistakes within a word ----

/** A neighbouring key instead of the intended one. */
export function substitute(word: string, rng: Rng): string | undefined {
  const typeable = [...word].flatMap((c, i) => (neighbourKeys(c).length ? [i] : []));
  if (typeable.length === 0) return undefined;
  const i = position(typeable, rng);
  return word.slice(0, i) + withCase(rng.pick(neighbourKeys(word[i]!)), word[i]!) + word.slice(i + 1);
}

/** Two adjacent letters swapped ("teh"); each position keeps its case ("The" → "Hte"). */
export function transpose(word: string, rng: Rng): string | undefined {
  const pairs = Array.from({ length: word.length - 1 }, (_, i) => i).filter(
    (i) => word[i]!.toLowerCase() !== word[i + 1]!.toLowerCase(),
  );
  if (pairs.length === 0) return undefined;
  const i = position(pairs, rng);
  const [a, b] = [word[i]!, word[i + 1]!];
  return word.slice(0, i) + withCase(b.toLowerCase(), a) + withCase(a.toLowerCase(), b) + word.slice(i + 2);
}

/** One letter left out. */
export function dropLetter(word: string, rng: Rng): string | undefined {
  if (word.length < 2) return undefined;
  const i = position(everyLetter(word), rng);
  return word.slice(0, i) + word.slice(i + 1);
}

/** One letter typed twice. */
export function doubleLetter(word: string, rng: Rng): string | undefined {
  const i = position(everyLetter(word), rng);
  const again = word === word.toUpperCase() ? word[i]! : word[i]!.toLowerCase();
  return word.slice(0, i + 1) + again + word.slice(i + 1);
}

/** A neighbouring key instead of one letter of a word of 4 letters or more. */
export const neighbourTypo = (text: string, rng: Rng) => inOneWord(text, rng, 4, 99, substitute, 'neighbouring key');

/** Two adjacent letters swapped in a word of 4 letters or more. */
export const transposition = (text: string, rng: Rng) => inOneWord(text, rng, 4, 99, transpose, 'letters swapped');

/** A letter dropped or doubled in a word of 4 letters or more. */
export function droppedOrDoubled(text: string, rng: Rng): Typed | undefined {
  return rng.chance(0.5)
    ? inOneWord(text, rng, 4, 99, dropLetter, 'letter dropped')
    : inOneWord(text, rng, 4, 99, doubleLetter, 'letter doubled');
}

/** One mistake of any kind above in a word of exactly three letters ("the" → "teh", "thw", "te", "thee"). */
export function shortWordTypo(text: string, rng: Rng): Typed | undefined {
  const kinds: [(w: string, r: Rng) => string | undefined, string][] = [
    [substitute, 'neighbouring key'],
    [transpose, 'letters swapped'],
    [dropLetter, 'letter dropped'],
    [doubleLetter, 'letter doubled'],
  ];
  const [edit, what] = rng.pick(kinds);
  return inOneWord(text, rng, 3, 3, edit, `${what}, 3-letter word`);
}

// ---- the space bar ----

export type SpaceSlip = 'moved' | 'dropped' | 'inserted';

/**
 * One slip of the space bar: a space moved by one letter ("waterr uns", "nights int he"), left out
 * ("countryroads") or typed inside a word ("sha pe"). The letters stay as they were, in order.
 */
export function spaceSlip(text: string, rng: Rng, kind?: SpaceSlip): Typed | undefined {
  const tokens = text.split(' ');
  const slip = kind ?? (rng.chance(0.45) ? 'moved' : rng.chance(0.65) ? 'dropped' : 'inserted');
  let out: string | undefined;
  if (slip === 'inserted') {
    const long = tokens.flatMap((t, i) => (t.length >= 4 ? [i] : []));
    if (long.length === 0) return undefined;
    const i = rng.pick(long);
    const word = tokens[i]!;
    const at = 2 + rng.int(word.length - 3);
    tokens[i] = `${word.slice(0, at)} ${word.slice(at)}`;
    out = tokens.join(' ');
  } else {
    if (tokens.length < 2) return undefined;
    const gap = rng.int(tokens.length - 1);
    const [left, right] = [tokens[gap]!, tokens[gap + 1]!];
    if (slip === 'dropped') {
      tokens.splice(gap, 2, left + right);
    } else {
      // The space one letter later (the next word's first letter typed before it) or one letter early.
      const later = right.length >= 2 && (left.length < 2 || rng.chance(0.6));
      if (!later && left.length < 2) return undefined;
      tokens.splice(
        gap,
        2,
        ...(later ? [left + right[0], right.slice(1)] : [left.slice(0, -1), left.slice(-1) + right]),
      );
    }
    out = tokens.join(' ');
  }
  return { text: out, note: `space ${slip}` };
}

// ---- typeahead, extra and garbled words ----

/**
 * Typeahead: the query cut inside its last word, which has 3 letters or more: at least 2 of its letters
 * typed, at least one not yet. Needs a whole word before it.
 */
export function cutInLastWord(text: string, rng: Rng): Typed | undefined {
  const tokens = text.split(' ');
  const last = tokens.at(-1)!;
  if (tokens.length < 2 || [...last].length < 3) return undefined;
  const letters = [...last];
  const keep = 2 + rng.int(letters.length - 2);
  tokens[tokens.length - 1] = letters.slice(0, keep).join('');
  return { text: tokens.join(' '), note: `cut after ${keep} of ${letters.length} letters` };
}

/** One word added: at the end half the time, else at the start or between two words. */
export function addWord(text: string, word: string, rng: Rng): Typed {
  const tokens = text.split(' ');
  const r = rng.next();
  const at = r < 0.5 ? tokens.length : r < 0.7 || tokens.length < 2 ? 0 : 1 + rng.int(tokens.length - 1);
  tokens.splice(at, 0, word);
  return { text: tokens.join(' '), note: `"${word}" added` };
}

/**
 * One word of 4 letters or more misspelt beyond repair: random letters replaced, dropped or added until
 * it is at least 3 edits and 40 % of its length away from the word meant. Needs three words or more.
 */
export function garbleWord(text: string, rng: Rng): Typed | undefined {
  if (text.split(' ').length < 3) return undefined;
  const garble = (word: string, r: Rng) => {
    const target = Math.max(3, Math.ceil(word.length * 0.4));
    let w = word.toLowerCase();
    for (let tries = 0; tries < 50 && editDistance(w, word.toLowerCase()) < target; tries++) {
      const i = r.int(w.length);
      const letter = String.fromCharCode(97 + r.int(26));
      const kind = r.int(3);
      if (kind === 0) w = w.slice(0, i) + letter + w.slice(i + 1);
      else if (kind === 1 && w.length > 3) w = w.slice(0, i) + w.slice(i + 1);
      else w = w.slice(0, i) + letter + w.slice(i);
    }
    return editDistance(w, word.toLowerCase()) >= target ? w : undefined;
  };
  return inOneWord(text, rng, 4, 99, garble, 'garbled');
}

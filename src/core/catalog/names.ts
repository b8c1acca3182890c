/**
 * The key under which names are merged: "Beyoncé", "BEYONCE " and "beyonce" are one artist. Case,
 * diacritics and runs of white space are folded; punctuation is kept ("AC/DC" is not "ACDC" here).
 */
export function nameKey(name: string): string {
  return name.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

export function datePrecision(date: string | null): 'year' | 'month' | 'day' | null {
  if (!date) return null;
  return date.length >= 10 ? 'day' : date.length >= 7 ? 'month' : 'year';
}

/** The album artist of compilations, and the ways tags spell it. */
export const VARIOUS_ARTISTS = 'Various Artists';
const VARIOUS = /^(various(\s+artists?)?|va|v\.\s?a\.?|v\/a)$/i;

export function isVariousArtists(name: string): boolean {
  return VARIOUS.test(name.trim());
}

/** Separators of a joint credit ("A & B", "A, B", "A x B"): split only when the tags show it is one. */
const JOINT = /\s*(?:&|,|;)\s*|\s+x\s+|\s+and\s+/i;
/** Separators of a featured list ("feat. B, C & D"), which always names several artists. */
const LISTED = /\s*(?:&|,|;)\s*/;
/**
 * A featuring clause: the word (feat., ft., featuring) after white space or an opening bracket, never
 * inside a word ("Defeat", "Soft Cell"), up to a closing bracket, " - " or the end.
 */
const FEATURING = /(?:\s+|\s*[([]\s*)(?:featuring|feat\.?|ft\.?)\s+([^)\]]+?)\s*(?:[)\]]|\s-\s|$)/i;

function split(text: string, separator: RegExp): string[] {
  return text
    .split(separator)
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}

/** "A feat. B & C" → { main: "A", featured: ["B", "C"] }; a credit without a featuring clause is all main. */
export function splitFeaturing(credit: string): { main: string; featured: string[] } {
  const m = FEATURING.exec(credit);
  if (!m || m.index === 0) return { main: credit.trim(), featured: [] };
  const rest = (credit.slice(0, m.index) + credit.slice(m.index + m[0].length)).trim();
  return { main: rest, featured: split(m[1]!, LISTED) };
}

/** Artists a title credits ("Song (feat. B)"); the title itself stays as tagged. */
export function featuredInTitle(title: string): string[] {
  return splitFeaturing(title).featured;
}

/**
 * The track's artists, main artist first, without repeats (compared by `nameKey`). `credits` are the
 * artist tag's values: several when the tag holds several (a multi-valued ARTISTS tag), usually one.
 * Featured artists are always split off; a joint credit ("A & B") is split only when one of its parts
 * is the album artist, so "Simon & Garfunkel" and "Earth, Wind & Fire" stay one artist.
 */
export function creditedArtists(
  credits: string[],
  albumArtist: string | undefined,
  title: string | undefined,
): string[] {
  const names: string[] = [];
  const albumKey = albumArtist ? nameKey(albumArtist) : undefined;
  for (const credit of credits) {
    const { main, featured } = splitFeaturing(credit);
    const parts = split(main, JOINT);
    const joint =
      parts.length > 1 &&
      albumKey !== undefined &&
      nameKey(main) !== albumKey &&
      parts.some((p) => nameKey(p) === albumKey);
    names.push(...(joint ? parts : [main]), ...featured);
  }
  if (title) names.push(...featuredInTitle(title));
  // A multi-valued tag may list the joint credit besides its parts ("A & B", "A", "B"): keep the parts.
  const keys = new Set(names.map(nameKey));
  const kept = names.filter((n) => {
    const parts = split(n, JOINT);
    return parts.length < 2 || !parts.every((p) => keys.has(nameKey(p)));
  });
  const seen = new Set<string>();
  return kept.filter((n) => {
    const key = nameKey(n);
    if (!key || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The relevance evaluation's labelled queries (bench/eval-search.ts). Each query is made from one real
 * catalogue row and labelled with that row: the track the person typing it was looking for. The label
 * is never worked out by matching the query against the catalogue. Rows with exactly the same title and
 * artist after folding case, accents and punctuation (true duplicates) are the same recording listed
 * twice, and any of them counts.
 *
 * A row is a source when what a person would type for it names it alone:
 * - its title has no tail other than featured artists ("Closer", "Broccoli (feat. Lil Yachty)"; not
 *   "Closer - R3hab Remix", which is a version of "Closer");
 * - no other row of its artist has the same title without a tail, other than true duplicates (else
 *   "Trap Queen Fetty Wap" could mean either "Trap Queen" or "Trap Queen (feat. Quavo …)");
 * - for a query of the title alone, no other artist has a song of that title (else "Closer" could be
 *   anybody's). These are equalities of folded strings, not the engine's matching.
 * Rows in non-Latin scripts are left out: the typing-error model is a QWERTY keyboard's.
 *
 * Each query is "title", "title artist" or "artist title", cased as people type (bench/typing-errors.ts),
 * then given the mistake of its class:
 * - clean: none;
 * - space-slip: a space moved by one letter, left out or typed inside a word;
 * - typo-long: a neighbouring key instead of a letter, in a word of 4 letters or more;
 * - typo-short: one mistake of any kind in a 3-letter word;
 * - transposition, dropped/doubled: two letters swapped, a letter left out or typed twice (4+ letters);
 * - prefix: typeahead, cut inside the last word;
 * - extra-word: one word that is not in the row added (from another of the artist's titles, as an
 *   album's name might be, or a common word such as "lyrics");
 * - garbled-word: one word of three or more misspelt beyond repair;
 * - versions: made only from rows whose artist also has versions of the song ("- Remastered", "(Live)",
 *   "- Radio Edit" …), typed without mistakes and without naming a version: the label is the original.
 */
import type { SearchDoc } from '../src/ports/search-index.js';
import { coreTitle, fold, isNonLatin, type RealRow, type Rng, sampleRows } from './search-catalogue.js';
import {
  addWord,
  cutInLastWord,
  droppedOrDoubled,
  garbleWord,
  neighbourTypo,
  realisticCase,
  shortWordTypo,
  spaceSlip,
  type Typed,
  transposition,
} from './typing-errors.js';

export const CLASSES = [
  'clean',
  'space-slip',
  'typo-long',
  'typo-short',
  'transposition',
  'dropped/doubled',
  'prefix',
  'extra-word',
  'garbled-word',
  'versions',
] as const;
export type QueryClass = (typeof CLASSES)[number];

export interface LabelledQuery {
  cls: QueryClass;
  q: string;
  /** Typeahead: the last word is still being typed. */
  prefix: boolean;
  /** The source row's id and those of its true duplicates. */
  expect: string[];
  source: SearchDoc;
  /** The mistake made ("the → teh (letters swapped)"), and for versions whether one is more popular. */
  note: string;
}

/** Words that ask for a version: an added word never is one of them. */
const VERSION_WORDS =
  /^(remix|mix|live|remaster(ed)?|acoustic|edit|version|demo|mono|stereo|instrumental|radio|extended|original|cover|karaoke|session|reprise|feat|ft|featuring|with|vivo|unplugged)$/;
/** Words people add to a song's name when searching, unrelated to any one song. */
const COMMON_WORDS = (
  'song lyrics music official audio video best new hit album full love baby night girl good old summer dance ' +
  'party heart life time world'
).split(' ');

/** A title without its featured artists: "Broccoli (feat. Lil Yachty)" → "Broccoli". */
export function withoutFeatured(title: string): string {
  return title
    .replace(/\s*[([](?:feat\.?|ft\.?|featuring|with)\s[^()[\]]*[)\]]/gi, '')
    .replace(/\s+-\s+(?:feat\.?|ft\.?|featuring)\s.*$/i, '')
    .replace(/\s+/g, ' ')
    .trim();
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** What the labelling needs to know of the documents searched: duplicates, songs and their versions. */
class Rows {
  readonly duplicates = new Map<string, string[]>();
  /** Documents by folded core title and artist: a song and its versions. */
  readonly songs = new Map<string, number[]>();
  /** Artists by folded core title (two are enough to know a title is not one artist's). */
  readonly titleArtists = new Map<string, Set<string>>();
  /** Words of each artist's titles (the real rows'): where an added "album-ish" word comes from. */
  readonly artistWords = new Map<string, string[]>();
  readonly fullKey: string[] = [];
  readonly songKey: string[] = [];
  readonly coreTitle: string[] = [];
  readonly tailed: boolean[] = [];

  constructor(
    readonly docs: SearchDoc[],
    realCount: number,
  ) {
    docs.forEach((d, i) => {
      const artist = fold(d.artists[0] ?? '');
      const core = coreTitle(d.name);
      const title = fold(core);
      const full = fold(d.name);
      this.fullKey.push(`${full}\t${artist}`);
      this.songKey.push(`${title}\t${artist}`);
      this.coreTitle.push(title);
      // A tail beyond featured artists: " - Live", " (Remastered 2009)".
      this.tailed.push(core !== d.name && fold(withoutFeatured(d.name)) !== title);
      push(this.duplicates, this.fullKey[i]!, d.id);
      push(this.songs, this.songKey[i]!, i);
      const artists = this.titleArtists.get(title) ?? new Set();
      if (artists.size < 2) this.titleArtists.set(title, artists.add(artist));
      if (i < realCount) for (const w of title.split(' ')) push(this.artistWords, artist, w);
    });
  }

  /** Whether the row at `i` names one song alone (see the file's comment), and whether it has versions. */
  source(i: number): { ok: boolean; versions: number[]; titleAlone: boolean } {
    const d = this.docs[i]!;
    const siblings = this.songs.get(this.songKey[i]!)!;
    const versions = siblings.filter((j) => this.tailed[j]);
    const ok =
      !isNonLatin(d.name + d.artists[0]) &&
      /\p{L}/u.test(d.name) &&
      !this.tailed[i] &&
      siblings.every((j) => this.tailed[j] || this.fullKey[j] === this.fullKey[i]);
    const titleAlone = this.titleArtists.get(this.coreTitle[i]!)!.size === 1;
    return { ok, versions, titleAlone };
  }
}

/** How each class turns a query as meant into a query as typed. */
const MISTAKES: Record<QueryClass, ((text: string, rng: Rng) => Typed | undefined) | null> = {
  clean: (text) => ({ text, note: '' }),
  'space-slip': (text, rng) => spaceSlip(text, rng),
  'typo-long': neighbourTypo,
  'typo-short': shortWordTypo,
  transposition,
  'dropped/doubled': droppedOrDoubled,
  prefix: cutInLastWord,
  'extra-word': null,
  'garbled-word': garbleWord,
  versions: (text) => ({ text, note: '' }),
};

/**
 * `perClass` queries per class, from rows drawn half by playlist count (what people look for) and half
 * uniformly (the long tail); the same seed gives the same set.
 */
export function buildQueries(docs: SearchDoc[], real: RealRow[], perClass: number, rng: Rng): LabelledQuery[] {
  const rows = new Rows(docs, real.length);
  const index = new Map(real.map((r, i) => [r, i]));
  const facts = real.map((_, i) => rows.source(i));
  const out: LabelledQuery[] = [];
  for (const cls of CLASSES) {
    const accept = (r: RealRow) => {
      const f = facts[index.get(r)!]!;
      return f.ok && (cls !== 'versions' || f.versions.length > 0);
    };
    let made = 0;
    for (const row of sampleRows(real, perClass * 3, rng, accept)) {
      if (made === perClass) break;
      const i = index.get(row)!;
      const query = makeQuery(cls, rows, i, facts[i]!, rng);
      if (!query) continue;
      out.push(query);
      made++;
    }
  }
  return out;
}

function makeQuery(
  cls: QueryClass,
  rows: Rows,
  i: number,
  facts: { versions: number[]; titleAlone: boolean },
  rng: Rng,
): LabelledQuery | undefined {
  const doc = rows.docs[i]!;
  const title = withoutFeatured(doc.name);
  const artist = doc.artists[0]!;
  const forms = [`${title} ${artist}`, `${artist} ${title}`];
  if (facts.titleAlone) forms.push(title);
  // Title and artist 60 %, artist and title 40 %; when the title names one song only, the title alone
  // 25 %, title and artist 35 %, artist and title 40 %.
  const r = rng.next();
  const first = facts.titleAlone && r < 0.25 ? 2 : r < 0.6 ? 0 : 1;
  const order = [first, ...rng.shuffle(forms.map((_, k) => k).filter((k) => k !== first))];
  for (const k of order) {
    const meant = realisticCase(forms[k]!.replace(/\s+/g, ' ').trim(), rng);
    const typed = cls === 'extra-word' ? extraWord(meant, rows, i, rng) : MISTAKES[cls]!(meant, rng);
    if (!typed) continue;
    let note = typed.note;
    if (cls === 'versions') {
      const morePopular = facts.versions.some((j) => rows.docs[j]!.popularity > doc.popularity);
      note = `${facts.versions.length} version(s)${morePopular ? ', one more popular' : ''}`;
    }
    const expect = rows.duplicates.get(rows.fullKey[i]!)!;
    return { cls, q: typed.text, prefix: cls === 'prefix', expect, source: doc, note };
  }
  return undefined;
}

/** A word not in the row: from another of the artist's titles (as an album's name would be) or a common one. */
function extraWord(text: string, rows: Rows, i: number, rng: Rng): Typed | undefined {
  const doc = rows.docs[i]!;
  const present = new Set(fold(`${doc.name} ${doc.artists.join(' ')} ${doc.album ?? ''}`).split(' '));
  const usable = (w: string) => w.length >= 3 && /^\p{L}+$/u.test(w) && !present.has(w) && !VERSION_WORDS.test(w);
  const own = (rows.artistWords.get(fold(doc.artists[0]!)) ?? []).filter(usable);
  const word = own.length > 0 && rng.chance(0.5) ? rng.pick(own) : rng.pick(COMMON_WORDS.filter(usable));
  return word ? addWord(text, word, rng) : undefined;
}

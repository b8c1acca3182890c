/**
 * The search benchmarks' catalogue: the 169,802 real tracks of the shared Million Playlist Dataset sample
 * (`../shared/data/catalog/mpd-tracks.tsv`), which are the rows queries are made from, plus a synthetic
 * expansion to 1,000,000 tracks, about 200,000 artists and 300,000 albums, so the index is searched at
 * the size of a large personal or small commercial catalogue.
 *
 * The expansion is built from the real data so it competes with it the way a real catalogue would:
 * titles come from a word-bigram chain over the real titles, artist names recombine real name parts
 * (some accented, some in the non-Latin scripts the data has), some tracks feature a second artist.
 * Everything is drawn from one seeded PRNG: the same seed and `now` give the same catalogue, so a child
 * process can rebuild exactly what its parent built.
 *
 * The text helpers here (fold, core title, typos) and the labelling rule (`Labeller`) are shared by
 * bench/search.ts and bench/search-engine-smoke.ts. The relevance evaluation (bench/eval-search.ts)
 * uses the rows, the expansion and the text helpers, not `Labeller`: its labels are the rows themselves.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SearchDoc } from '../src/ports/search-index.js';

export const DATA_DIR = fileURLToPath(new URL('../../shared/data/', import.meta.url));
const TRACKS_TSV = `${DATA_DIR}catalog/mpd-tracks.tsv`;
const DAY = 86_400_000;

// ---- seeded randomness ----

export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** mulberry32: small, fast, good enough for test data. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const newId = (rng: Rng) => Array.from({ length: 22 }, () => BASE62[rng.int(62)]).join('');

// ---- text ----

const SPECIAL: Record<string, string> = { ø: 'o', Ø: 'O', æ: 'ae', Æ: 'AE', œ: 'oe', Œ: 'OE', ß: 'ss' };
Object.assign(SPECIAL, { ł: 'l', Ł: 'L', đ: 'd', Đ: 'D', ð: 'd', Ð: 'D', þ: 'th', Þ: 'Th', ı: 'i' });
const LATIN_EXTENDED = /[\u00C0-\u024F\u1E00-\u1EFF]/g;

/** Latin letters without their accents (Beyoncé → Beyonce, Møme → Mome); other scripts untouched. */
export function dropAccents(text: string): string {
  return text.replace(LATIN_EXTENDED, (c) => SPECIAL[c] ?? c.normalize('NFD').replace(/\p{M}/gu, ''));
}

/** The benchmark's own comparison form (independent of the engine's): no case, accents or punctuation. */
export function fold(text: string): string {
  return dropAccents(text.normalize('NFKC'))
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}]+/gu, ' ')
    .trim();
}

export const hasLatinAccent = (text: string) => dropAccents(text) !== text;
export const isNonLatin = (text: string) => /(?!\p{Script=Latin})\p{L}/u.test(text);

/** What a listener calls the song: the title without " - Remastered 2011" or "(feat. …)" tails. */
export function coreTitle(title: string): string {
  let t = title.trim();
  for (;;) {
    const next = t
      .replace(/\s+-\s+[^-]*$/, '')
      .replace(/\s*[([][^()[\]]*[)\]]\s*$/, '')
      .trim();
    if (next === t || !fold(next)) break;
    t = next;
  }
  return t;
}

// ---- the real rows ----

export interface RealRow {
  /** The Spotify track id, used as the catalogue id. */
  id: string;
  name: string;
  artist: string;
  playlistCount: number;
  /** 0..100 from the playlist count on a log scale: 1 playlist → 12, the most → 100. */
  popularity: number;
}

export function readRealRows(): RealRow[] {
  if (!existsSync(TRACKS_TSV)) {
    throw new Error(
      `The search benchmark needs ${TRACKS_TSV} (the shared data folder, ../shared/data relative to the project root; see its README.md).`,
    );
  }
  const lines = readFileSync(TRACKS_TSV, 'utf8').split('\n').slice(1);
  const rows: RealRow[] = [];
  for (const line of lines) {
    const [uri, name, artist, count] = line.split('\t');
    if (!uri || !name || !artist) continue;
    rows.push({ id: uri.slice('spotify:track:'.length), name, artist, playlistCount: Number(count), popularity: 0 });
  }
  const max = Math.log1p(rows.reduce((m, r) => Math.max(m, r.playlistCount), 0));
  for (const row of rows) row.popularity = Math.round((100 * Math.log1p(row.playlistCount)) / max);
  return rows;
}

// ---- names ----

export const GENRES = (
  'pop,dance pop,electropop,indie pop,synthpop,k-pop,j-pop,c-pop,mandopop,cantopop,russian pop,latin pop,' +
  'rock,indie rock,alternative rock,classic rock,hard rock,punk,pop punk,post-punk,emo,grunge,shoegaze,' +
  'psychedelic rock,progressive rock,metal,heavy metal,metalcore,death metal,hip hop,rap,trap,southern hip hop,' +
  'conscious hip hop,drill,grime,r&b,contemporary r&b,neo soul,soul,funk,disco,house,deep house,tech house,' +
  'techno,trance,drum and bass,dubstep,edm,electro house,uk garage,ambient,downtempo,lo-fi,jazz,smooth jazz,' +
  'bebop,swing,big band,blues,country,contemporary country,folk,indie folk,singer-songwriter,americana,' +
  'bluegrass,reggae,dancehall,reggaeton,salsa,bachata,cumbia,bossa nova,mpb,samba,flamenco,afrobeats,' +
  'amapiano,gospel,christian,classical,baroque,opera,soundtrack,show tunes,children’s music,christmas,' +
  'new age,chanson,schlager,bollywood,mizrahi,luk thung,ska'
).split(',');
// Earlier genres are more common: a listener's catalogue is mostly pop, rock and hip hop.
const pickGenre = (rng: Rng) => GENRES[Math.floor(GENRES.length * rng.next() ** 2)]!;

const MARKETS = (
  'US,CA,MX,BR,AR,CL,CO,PE,GB,IE,FR,DE,AT,CH,BE,NL,LU,ES,PT,IT,SE,NO,DK,FI,IS,PL,CZ,SK,HU,RO,BG,GR,TR,' +
  'EE,LV,LT,JP,KR,TW,HK,SG,MY,ID,PH,TH,VN,IN,AU,NZ,ZA,NG,KE,EG,MA,IL,AE,SA'
).split(',');

const ACCENTED_WORDS = (
  'José,Zoë,Chloé,Renée,André,Björn,Søren,Åsa,Łukasz,Dvořák,Müller,Peña,Núñez,Gonçalves,Françoise,Hélène,' +
  'Corazón,Canción,Mañana,Señorita,Niño,Café,Déjà,Été,Rêve,Cœur,Lumière,Noël,Fiancée,Naïve,Sueño,Años,' +
  'Mélodie,Żółw,Ångström,Ærø,Göteborg,Málaga,Brás,São,Ibáñez'
).split(',');

/** Title words, artist name parts and album patterns learnt from the real rows. */
class NameModel {
  private readonly next = new Map<string, string[]>();
  private readonly firsts: string[] = [];
  private readonly lasts: string[] = [];
  private readonly singles: string[] = [];
  private readonly accented: string[] = [...ACCENTED_WORDS];
  /** Words of the real non-Latin artist names and titles, by script. */
  private readonly nonLatinArtists = new Map<string, string[]>();
  private readonly nonLatinTitles = new Map<string, string[]>();

  constructor(rows: RealRow[]) {
    for (const row of rows) {
      const words = coreTitle(row.name).split(/\s+/).filter(Boolean);
      let previous = '';
      for (const word of [...words, '']) {
        push(this.next, previous, word);
        previous = word;
        if (word && hasLatinAccent(word)) this.accented.push(word);
      }
    }
    for (const artist of new Set(rows.map((r) => r.artist))) {
      const parts = artist.split(/\s+/);
      for (const part of parts) {
        const script = isNonLatin(part) ? scriptOf(part) : undefined;
        if (script) push(this.nonLatinArtists, script, part);
        else if (hasLatinAccent(part)) this.accented.push(part);
      }
      if (isNonLatin(artist)) continue;
      if (parts.length === 1) this.singles.push(artist);
      else if (parts[0] !== 'The') {
        this.firsts.push(parts[0]!);
        this.lasts.push(parts.at(-1)!);
      }
    }
    for (const row of rows) {
      for (const word of row.name.split(/[\s()\-–,.!?]+/)) {
        const script = word && isNonLatin(word) ? scriptOf(word) : undefined;
        if (script) push(this.nonLatinTitles, script, word);
      }
    }
  }

  title(rng: Rng): string {
    for (;;) {
      const words: string[] = [];
      let word = rng.pick(this.next.get('')!);
      while (word && words.length < 7) {
        words.push(word);
        word = rng.pick(this.next.get(word) ?? ['']);
      }
      if (words.length) return words.join(' ');
    }
  }

  artist(rng: Rng): string {
    const r = rng.next();
    if (r < 0.35) return `${rng.pick(this.firsts)} ${rng.pick(this.lasts)}`;
    if (r < 0.55) return this.blend(rng);
    if (r < 0.67) return `The ${this.titleWord(rng)}s`;
    if (r < 0.75) return `${rng.pick(['DJ', 'Lil', 'MC', 'Young', 'Big', 'Los', 'Die'])} ${this.blend(rng)}`;
    if (r < 0.8) return `${rng.pick(this.firsts)} & The ${this.titleWord(rng)}s`;
    if (r < 0.9) return `${this.titleWord(rng)} ${this.titleWord(rng)}`;
    if (r < 0.95)
      return `${rng.pick(this.accented)} ${rng.chance(0.5) ? rng.pick(this.lasts) : rng.pick(this.accented)}`;
    // Scripts with enough real artist-name words to recombine (Cyrillic, Hangul, Han, Hebrew in this data).
    const scripts = [...this.nonLatinArtists].filter(([, words]) => words.length >= 20);
    const words = rng.pick(scripts)[1];
    return Array.from({ length: 1 + rng.int(2) }, () => rng.pick(words)).join(' ');
  }

  /** A made-up word from two real one-word artist names: Drake + Migos → Dragos. */
  private blend(rng: Rng): string {
    const a = rng.pick(this.singles);
    const b = rng.pick(this.singles);
    const head = a.slice(0, 2 + rng.int(3));
    return head + b.slice(Math.min(b.length - 1, 1 + rng.int(3))).toLowerCase();
  }

  private titleWord(rng: Rng): string {
    for (;;) {
      const word = rng.pick(this.next.get('')!);
      if (/^\p{Lu}\p{Ll}{2,}$/u.test(word)) return word;
    }
  }

  /** A title of 2–4 words of the real non-Latin titles in one script; undefined if the data has none. */
  nonLatinTitle(rng: Rng, script: string): string | undefined {
    const words = this.nonLatinTitles.get(script);
    return words && Array.from({ length: 2 + rng.int(3) }, () => rng.pick(words)).join(' ');
  }

  album(rng: Rng, artist: string, trackTitles: string[]): string {
    const r = rng.next();
    if (r < 0.35 && trackTitles.length) return coreTitle(rng.pick(trackTitles));
    if (r < 0.4) return artist;
    if (r < 0.45) return `${rng.pick(['Greatest Hits', 'The Best Of', 'Essentials', 'Anthology', 'Gold'])}`;
    if (r < 0.5) return `Live at the ${this.titleWord(rng)} ${rng.pick(['Hall', 'Theatre', 'Club', 'Arena'])}`;
    if (r < 0.55) return `${this.title(rng)} (Deluxe Edition)`;
    if (r < 0.58) return `Vol. ${1 + rng.int(5)}`;
    return this.title(rng);
  }
}

function scriptOf(word: string): string | undefined {
  for (const script of ['Cyrillic', 'Hangul', 'Han', 'Hiragana', 'Katakana', 'Thai', 'Hebrew', 'Arabic', 'Greek']) {
    if (new RegExp(`\\p{Script=${script}}`, 'u').test(word)) return script;
  }
  return undefined;
}

// ---- the catalogue ----

export interface CatalogueOptions {
  tracks?: number;
  artists?: number;
  albums?: number;
  seed?: number;
  /** UTC ms; "the last two weeks" of release dates are counted back from it. */
  now?: number;
}

export interface Catalogue {
  /** Real rows first, in file order (`tracks[i]` is `real[i]` for i < real.length), then synthetic. */
  tracks: SearchDoc[];
  albums: SearchDoc[];
  artists: SearchDoc[];
  real: RealRow[];
  now: number;
}

export const allDocs = (c: Catalogue): SearchDoc[] => [...c.artists, ...c.albums, ...c.tracks];
export const today = () => Math.floor(Date.now() / DAY) * DAY;

interface ArtistPlan {
  doc: SearchDoc;
  realTracks: number[];
  extra: number;
  /** Centre of its tracks' popularity. */
  base: number;
}

export function buildCatalogue(options: CatalogueOptions = {}): Catalogue {
  const { tracks: trackTarget = 1_000_000, artists: artistTarget = 200_000, albums: albumTarget = 300_000 } = options;
  const now = options.now ?? today();
  const rng = new Rng(options.seed ?? 20_240_601);
  const real = readRealRows();
  const names = new NameModel(real);

  const plans: ArtistPlan[] = [];
  const byName = new Map<string, ArtistPlan>();
  const addArtist = (name: string, base: number): ArtistPlan => {
    const nonLatin = isNonLatin(name);
    const genres = nonLatin ? [scriptGenre(name)] : Array.from({ length: 1 + rng.int(3) }, () => pickGenre(rng));
    const doc: SearchDoc = {
      type: 'artist',
      id: newId(rng),
      name,
      artists: [],
      album: null,
      genres: [...new Set(genres)],
      releaseDate: null,
      popularity: 0,
      markets: null,
    };
    const plan = { doc, realTracks: [], extra: 0, base };
    plans.push(plan);
    byName.set(name.toLowerCase(), plan);
    return plan;
  };
  real.forEach((row, i) => {
    const plan = byName.get(row.artist.toLowerCase()) ?? addArtist(row.artist, 0);
    plan.realTracks.push(i);
    plan.base = Math.max(plan.base, row.popularity);
  });
  for (const plan of plans) {
    // The real rows are the tracks people put in playlists; the rest of an artist's catalogue is less popular.
    plan.base = Math.max(0, plan.base - 8);
    plan.extra = Math.floor(plan.realTracks.length * rng.next() * 1.2);
  }
  while (plans.length < artistTarget) {
    let name = names.artist(rng);
    while (byName.has(name.toLowerCase())) name = names.artist(rng);
    addArtist(name, rng.pick(real).popularity);
  }

  // The remaining tracks go to the synthetic artists on a heavy tail (most have a few, some hundreds).
  const synthetic = plans.filter((p) => p.realTracks.length === 0);
  let remaining = trackTarget - real.length - plans.reduce((n, p) => n + p.extra, 0);
  const weights = synthetic.map(() => Math.min(300, rng.next() ** (-1 / 1.3)));
  const sum = weights.reduce((a, b) => a + b, 0);
  const spare = remaining - synthetic.length;
  synthetic.forEach((plan, i) => {
    plan.extra = 1 + Math.floor((spare * weights[i]!) / sum);
    remaining -= plan.extra;
  });
  while (remaining-- > 0) rng.pick(synthetic).extra++;

  // Albums per artist ∝ its tracks, scaled so the total comes out near the target.
  const size = (p: ArtistPlan) => p.realTracks.length + p.extra;
  let [lo, hi] = [0.5, 100];
  for (let i = 0; i < 40; i++) {
    const scale = (lo + hi) / 2;
    const count = plans.reduce((n, p) => n + Math.max(1, Math.round(size(p) / scale)), 0);
    if (count > albumTarget) lo = scale;
    else hi = scale;
  }
  const scale = (lo + hi) / 2;

  const realDocs: SearchDoc[] = new Array(real.length);
  const syntheticDocs: SearchDoc[] = [];
  const albums: SearchDoc[] = [];
  const realArtists = plans.filter((p) => p.realTracks.length > 0);
  for (const plan of plans) {
    const script = scriptOf(plan.doc.name);
    // Two words at least: the pool of real non-Latin words is small, and single ones would mostly repeat real titles.
    const newTitle = () => (script && rng.chance(0.6) && names.nonLatinTitle(rng, script)) || names.title(rng);
    const syntheticTrack = (title: string, album: SearchDoc): SearchDoc => {
      let name = title;
      let credits = [plan.doc.name];
      const r = rng.next();
      if (r < 0.13) {
        const guest = (rng.chance(0.6) ? rng.pick(realArtists) : rng.pick(plans)).doc.name;
        if (guest !== plan.doc.name) {
          name = `${title} (${r < 0.1 ? 'feat.' : 'with'} ${guest})`;
          credits = [plan.doc.name, guest];
        }
      } else if (r < 0.2) {
        name = `${title} - ${rng.pick(VERSIONS)}`;
      }
      const spread = plan.realTracks.length ? -20 * rng.next() : (rng.next() - 0.5) * 16;
      return trackDoc(newId(rng), name, credits, album, clamp(plan.base + spread));
    };
    const slots = rng.shuffle([...plan.realTracks, ...Array<number>(plan.extra).fill(-1)]);
    const albumCount = Math.min(slots.length, Math.max(1, Math.round(slots.length / scale)));
    const cuts = rng
      .shuffle(Array.from({ length: slots.length - 1 }, (_, i) => i + 1))
      .slice(0, albumCount - 1)
      .sort((a, b) => a - b);
    const bounds = [0, ...cuts, slots.length];
    for (let a = 0; a + 1 < bounds.length; a++) {
      const members = slots.slice(bounds[a], bounds[a + 1]);
      const titles = members.map((slot) => (slot >= 0 ? real[slot]!.name : newTitle()));
      const album: SearchDoc = {
        type: 'album',
        id: newId(rng),
        name: names.album(rng, plan.doc.name, titles),
        artists: [plan.doc.name],
        album: null,
        genres: plan.doc.genres,
        releaseDate: releaseDate(rng, now),
        popularity: 0,
        markets: markets(rng),
      };
      albums.push(album);
      members.forEach((slot, t) => {
        const doc = slot >= 0 ? realTrack(real[slot]!, plan, album) : syntheticTrack(titles[t]!, album);
        if (slot >= 0) realDocs[slot] = doc;
        else syntheticDocs.push(doc);
        album.popularity = Math.max(album.popularity, doc.popularity);
        plan.doc.popularity = Math.max(plan.doc.popularity, doc.popularity);
      });
    }
  }
  for (const plan of plans) plan.doc.popularity = Math.max(0, plan.doc.popularity - rng.int(5));
  return { tracks: [...realDocs, ...syntheticDocs], albums, artists: plans.map((p) => p.doc), real, now };
}

function realTrack(row: RealRow, plan: ArtistPlan, album: SearchDoc): SearchDoc {
  return trackDoc(row.id, row.name, [plan.doc.name], album, row.popularity);
}

function trackDoc(id: string, name: string, artists: string[], album: SearchDoc, popularity: number): SearchDoc {
  return {
    type: 'track',
    id,
    name,
    artists,
    album: album.name,
    genres: album.genres,
    releaseDate: album.releaseDate,
    popularity,
    markets: album.markets,
  };
}

const clamp = (n: number) => Math.max(0, Math.min(100, Math.round(n)));

function scriptGenre(name: string): string {
  const script = scriptOf(name);
  const genres: Record<string, string> = { Cyrillic: 'russian pop', Hangul: 'k-pop', Han: 'mandopop' };
  Object.assign(genres, { Hiragana: 'j-pop', Katakana: 'j-pop', Thai: 'luk thung', Hebrew: 'mizrahi' });
  return genres[script ?? ''] ?? 'world';
}

const VERSIONS = [
  'Remastered',
  'Remastered 2009',
  'Remastered 2011',
  'Live',
  'Radio Edit',
  'Acoustic',
  'Single Version',
  'Demo',
  'Mono',
];

const DECADES: [number, number][] = [
  [1950, 2],
  [1960, 5],
  [1970, 8],
  [1980, 10],
  [1990, 13],
  [2000, 20],
  [2010, 30],
  [2020, 12],
];

/** Spread over seven decades, weighted to recent ones; 0.5 % in the last two weeks (`tag:new`). */
function releaseDate(rng: Rng, now: number): string {
  if (rng.chance(0.005)) return new Date(now - rng.int(14 * DAY)).toISOString().slice(0, 10);
  let r = rng.next() * 100;
  let decade = 1950;
  for (const [start, weight] of DECADES) {
    decade = start;
    r -= weight;
    if (r < 0) break;
  }
  const start = Date.UTC(decade, 0, 1);
  const end = Math.min(Date.UTC(decade + 10, 0, 1), now - 14 * DAY);
  const date = new Date(start + rng.next() * (end - start)).toISOString();
  const precision = rng.next() + (decade < 1980 ? 0.2 : 0);
  return precision < 0.9 ? date.slice(0, 10) : precision < 0.95 ? date.slice(0, 7) : date.slice(0, 4);
}

/** Nearly everything plays everywhere; a few albums are licensed for one region or miss a country. */
function markets(rng: Rng): string[] | null {
  const r = rng.next();
  if (r < 0.015) return rng.pick([['US', 'CA'], ['JP'], ['KR'], ['BR', 'AR', 'MX', 'CL', 'CO'], ['GB', 'IE']]);
  if (r < 0.025) {
    const missing = rng.pick(MARKETS);
    return MARKETS.filter((m) => m !== missing);
  }
  return null;
}

// ---- queries and their intended results ----

/** Source rows for queries: half drawn by playlist count (what people look for), half uniformly (the long tail). */
export function sampleRows(all: RealRow[], n: number, rng: Rng, accept: (row: RealRow) => boolean = () => true) {
  const rows = all.filter(accept);
  const cumulative: number[] = [];
  let total = 0;
  for (const row of rows) {
    total += row.playlistCount;
    cumulative.push(total);
  }
  const picked = new Set<RealRow>();
  for (let tries = 0; picked.size < Math.min(n, rows.length) && tries < n * 100; tries++) {
    if (tries % 2) {
      picked.add(rng.pick(rows));
      continue;
    }
    const target = rng.next() * total;
    let [lo, hi] = [0, cumulative.length - 1];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! <= target) lo = mid + 1;
      else hi = mid;
    }
    picked.add(rows[lo]!);
  }
  return [...picked];
}

const KEYBOARD = ['qwertyuiop', 'asdfghjkl', 'zxcvbnm'];
function neighbourKey(c: string, rng: Rng): string {
  const lower = c.toLowerCase();
  const row = KEYBOARD.find((r) => r.includes(lower));
  if (!row) return rng.pick([...'etaoinsr']);
  const i = row.indexOf(lower);
  const options = [row[i - 1], row[i + 1]].filter((k): k is string => k !== undefined);
  const key = rng.pick(options);
  return c === lower ? key : key.toUpperCase();
}

/** Edit distance counting an adjacent transposition as one edit (what listeners' typos are). */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * `edits` keyboard typos (a neighbouring key instead, a missing letter, an extra neighbouring key, two
 * letters swapped) in a word, never in its first letter; undefined if that lands on another real word.
 */
export function typo(word: string, edits: number, rng: Rng, vocabulary: Set<string>): string | undefined {
  for (let attempt = 0; attempt < 20; attempt++) {
    let w = word;
    for (let e = 0; e < edits; e++) {
      const i = 1 + rng.int(w.length - 1);
      const kind = rng.int(4);
      if (kind === 0) w = w.slice(0, i) + neighbourKey(w[i]!, rng) + w.slice(i + 1);
      else if (kind === 1) w = w.slice(0, i) + w.slice(i + 1);
      else if (kind === 2) w = w.slice(0, i) + neighbourKey(w[i - 1]!, rng) + w.slice(i);
      else if (i + 1 < w.length) w = w.slice(0, i) + w[i + 1] + w[i] + w.slice(i + 2);
    }
    if (editDistance(w.toLowerCase(), word.toLowerCase()) === edits && !vocabulary.has(fold(w))) return w;
  }
  return undefined;
}

/** Edits a query allows in a word: 1 from 4 letters, 2 from 8. */
export const allowedEdits = (word: string) => (word.length >= 8 ? 2 : word.length >= 4 ? 1 : 0);

/**
 * The labelling rule. A query is made from one real row and names its title (whole or in part) and
 * possibly its artist; typos, dropped accents and word order are applied afterwards. The intended result
 * is the most popular track in the whole catalogue (real and synthetic) that matches what was meant:
 * - its core title (without " - Remastered" or "(feat. …)" tails) equals the meant title, after folding
 *   case, accents and punctuation — for a partial query, starts with what was typed;
 * - when the query names an artist, that artist is among the track's credited artists;
 * - for a non-Latin fragment of a title: its core title is the fragment, or if no track's is, its full
 *   title contains the fragment.
 * When several matching tracks share the top popularity (a song and its live version, say), the label
 * cannot tell them apart and any of them counts: each method returns that set, best candidates only.
 */
export class Labeller {
  readonly vocabulary = new Set<string>();
  private readonly titles: string[];
  private readonly names: string[];
  private readonly credits: string[][];
  private readonly byTitle = new Map<string, number[]>();
  private readonly byArtist = new Map<string, number[]>();
  private readonly sortedTitles: string[];
  private readonly sortedArtists: string[];
  private readonly memo = new Map<string, string[]>();

  constructor(private readonly tracks: SearchDoc[]) {
    this.titles = tracks.map((t) => fold(coreTitle(t.name)));
    this.names = tracks.map((t) => fold(t.name));
    this.credits = tracks.map((t) => t.artists.map(fold));
    tracks.forEach((_, i) => {
      push(this.byTitle, this.titles[i]!, i);
      for (const artist of this.credits[i]!) push(this.byArtist, artist, i);
      for (const word of `${this.names[i]} ${this.credits[i]!.join(' ')}`.split(' ')) this.vocabulary.add(word);
    });
    this.sortedTitles = [...this.byTitle.keys()].sort();
    this.sortedArtists = [...this.byArtist.keys()].sort();
  }

  /** Exact core title, optionally by an artist. */
  exact(title: string, artist: string | undefined): string[] {
    const key = fold(coreTitle(title));
    return this.best((this.byTitle.get(key) ?? []).filter((i) => this.credited(i, artist)));
  }

  /** A title still being typed, optionally by an artist. */
  titlePrefix(typed: string, artist: string | undefined): string[] {
    const prefix = fold(typed);
    const ids =
      artist === undefined
        ? this.range(this.sortedTitles, prefix).flatMap((t) => this.byTitle.get(t)!)
        : (this.byArtist.get(fold(artist)) ?? []).filter((i) => this.titles[i]!.startsWith(prefix));
    return this.best(ids);
  }

  /** Typeahead over titles and artist names: the most popular tracks whose title or an artist starts so. */
  typeahead(typed: string): string[] {
    const prefix = fold(typed);
    let best = this.memo.get(prefix);
    if (best === undefined) {
      const titled = this.range(this.sortedTitles, prefix).flatMap((t) => this.byTitle.get(t)!);
      const credited = this.range(this.sortedArtists, prefix).flatMap((a) => this.byArtist.get(a)!);
      best = this.best([...titled, ...credited]);
      this.memo.set(prefix, best);
    }
    return best;
  }

  /** A fragment (a non-Latin part of a title): tracks titled so, else tracks whose full title contains it. */
  containing(fragment: string): string[] {
    const f = fold(fragment);
    const exact = this.byTitle.get(f);
    if (exact) return this.best(exact);
    const ids: number[] = [];
    this.names.forEach((name, i) => {
      if (name.includes(f)) ids.push(i);
    });
    return this.best(ids);
  }

  private credited(i: number, artist: string | undefined): boolean {
    return artist === undefined || this.credits[i]!.includes(fold(artist));
  }

  private range(sorted: string[], prefix: string): string[] {
    let [lo, hi] = [0, sorted.length];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]! < prefix) lo = mid + 1;
      else hi = mid;
    }
    const out: string[] = [];
    for (let i = lo; i < sorted.length && sorted[i]!.startsWith(prefix); i++) out.push(sorted[i]!);
    return out;
  }

  /** The ids of the most popular of these tracks (several when they tie). */
  private best(ids: number[]): string[] {
    let top = -1;
    for (const i of ids) top = Math.max(top, this.tracks[i]!.popularity);
    return [...new Set(ids.filter((i) => this.tracks[i]!.popularity === top).map((i) => this.tracks[i]!.id))];
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

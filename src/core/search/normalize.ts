/**
 * Search text folding and tokenisation, shared by indexing and queries so both sides agree.
 *
 * Folding: case, compatibility forms (full-width, ligatures), Latin/Greek/Cyrillic diacritics
 * (Beyoncé → beyonce, Mötley Crüe → motley crue), special letters (ß → ss, æ → ae, ø → o, ł → l …) and
 * Greek final sigma. Kana voicing marks and Hangul syllables survive (NFC recomposes them).
 *
 * Tokens: space-separated words of alphabetic scripts (Latin, Cyrillic, Greek, Hangul …); inside a word,
 * punctuation splits it into parts and the parts joined form one more token, an alias spanning them
 * (AC/DC → ac, dc, acdc; t.A.T.u. → t, a, t, u, tatu). Apostrophes do the same, so the word without its
 * apostrophe is a token (don't → dont) and so are its parts (l'amour → amour, we're → we, re);
 * `!`, `$` and `@` before a letter stand for i, s and a (P!nk → pink, Ke$ha → kesha). Han, Hiragana and Katakana runs
 * become overlapping bigrams (米津玄師 → 米津, 津玄, 玄師; a run of one character stays one token), so a
 * query's bigrams match any part of a name. A change of script splits a word (Perfumeポリリズム).
 */

export interface Token {
  text: string;
  /** Position of the token's first part among the text's parts (aliases and bigrams included). */
  pos: number;
  /** How many parts the token covers: 1, or more for an alias (acdc spans ac and dc). */
  span: number;
}

const COMBINING = /[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]/g;
const SPECIAL: Record<string, string> = {
  ß: 'ss',
  æ: 'ae',
  ø: 'o',
  œ: 'oe',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ı: 'i',
  ς: 'σ',
  ħ: 'h',
  ŧ: 't',
  ſ: 's',
  ĸ: 'k',
};
const SPECIAL_RE = /[ßæøœłđðþıςħŧſĸ]/g;
const PLAIN_ASCII = /^[\x20-\x7e]*$/;

/** Case, accents, compatibility forms and special letters folded; runs of white space made one space. */
export function foldText(s: string): string {
  return fold(s).replace(/\s+/g, ' ').trim();
}

function special(c: string): string {
  return SPECIAL[c] ?? c;
}

const NEEDS_NFC = /[\u1100-\uffff]/;

function fold(s: string): string {
  if (PLAIN_ASCII.test(s)) return s.toLowerCase();
  const t = s.normalize('NFKD').toLowerCase().replace(COMBINING, '').replace(SPECIAL_RE, special);
  // Recomposes Hangul syllables and voiced kana; Latin, Greek and Cyrillic letters are bare already.
  return NEEDS_NFC.test(t) ? t.normalize('NFC') : t;
}

/** The search tokens of a text, in order (parts, then each alias right after its parts). */
export function tokenize(s: string): string[] {
  return analyze(s).map((t) => t.text);
}

// Character classes of folded text.
const SPACE = 0;
const SEPARATOR = 1; // punctuation and symbols: split a word into parts
const LEET = 3; // ! $ @: a letter when one follows
const DIGIT = 4;
const MARK = 5;
// Scripts of letters; a change of script ends a part. CJK letters become bigrams.
const LATIN = 10;
const GREEK = 11;
const CYRILLIC = 12;
const HANGUL = 13;
const CJK = 14;
const OTHER_LETTER = 15;

const LETTER = /\p{L}/u;
const NUMBER = /\p{N}/u;
const COMBINING_MARK = /\p{M}/u;
const WHITE = /\s/u;
const LEET_LETTER: Record<string, string> = { '!': 'i', $: 's', '@': 'a' };

function classOf(code: number): number {
  if (code < 0x80) {
    if ((code >= 97 && code <= 122) || (code >= 65 && code <= 90)) return LATIN;
    if (code >= 48 && code <= 57) return DIGIT;
    if (code <= 32) return SPACE;
    if (code === 33 || code === 36 || code === 64) return LEET;
    return SEPARATOR;
  }
  if (code === 0x30fc || code === 0x3005 || code === 0x3006 || code === 0x30f6) return CJK;
  if (code === 0x02bc) return SEPARATOR; // modifier letter apostrophe: an apostrophe, not a letter
  const c = String.fromCodePoint(code);
  if (LETTER.test(c)) {
    if (code < 0x0370 || (code >= 0x1e00 && code <= 0x1eff) || (code >= 0xff21 && code <= 0xff5a)) return LATIN;
    if (code < 0x0400 || (code >= 0x1f00 && code <= 0x1fff)) return GREEK;
    if (code < 0x0530 || (code >= 0x1c80 && code <= 0x1c8f) || (code >= 0x2de0 && code <= 0x2dff)) return CYRILLIC;
    if ((code >= 0xac00 && code <= 0xd7af) || (code >= 0x1100 && code <= 0x11ff) || (code >= 0x3130 && code <= 0x318f))
      return HANGUL;
    if (
      (code >= 0x3040 && code <= 0x30ff) ||
      (code >= 0x3400 && code <= 0x4dbf) ||
      (code >= 0x4e00 && code <= 0x9fff) ||
      (code >= 0xf900 && code <= 0xfaff) ||
      (code >= 0x31f0 && code <= 0x31ff) ||
      (code >= 0xff66 && code <= 0xff9f) ||
      code >= 0x20000
    )
      return CJK;
    return OTHER_LETTER;
  }
  if (NUMBER.test(c)) return DIGIT;
  if (COMBINING_MARK.test(c)) return MARK;
  if (WHITE.test(c)) return SPACE;
  return SEPARATOR;
}

/** Receives tokens as they are found (the allocation-free form of `analyze`). */
export interface TokenSink {
  token(text: string, pos: number, span: number): void;
}

class TokenList implements TokenSink {
  readonly out: Token[] = [];
  token(text: string, pos: number, span: number): void {
    this.out.push({ text, pos, span });
  }
}

/** Tokens with their positions: what the index stores and what queries are matched with. */
export function analyze(s: string): Token[] {
  const list = new TokenList();
  analyzeInto(s, list);
  return list.out;
}

/** Like `analyze`, handing each token to `sink`; returns how many tokens there were. */
export function analyzeInto(s: string, sink: TokenSink): number {
  return tokenizer.run(fold(s), sink);
}

/**
 * One pass over folded text (a reused object rather than closures: this runs for every name at load).
 * The part being read is `buf` (its rewritten beginning) plus the stretch of `text` from `from` not yet
 * sliced.
 */
class Tokenizer {
  private sink: TokenSink | null = null;
  private text = '';
  private count = 0;
  private pos = 0;
  private chain: string[] = [];
  private chainPos = 0;
  private chainClass = -1;
  private buf = '';
  private from = -1;
  private partClass = -1;
  private cjk: string[] = [];

  private emit(text: string, pos: number, span: number): void {
    this.count++;
    this.sink!.token(text, pos, span);
  }

  run(text: string, sink: TokenSink): number {
    this.sink = sink;
    this.text = text;
    this.count = 0;
    this.pos = 0;
    this.chain.length = 0;
    this.chainClass = -1;
    this.buf = '';
    this.from = -1;
    this.partClass = -1;
    this.cjk.length = 0;
    for (let i = 0; i < text.length; ) {
      const code = text.codePointAt(i)!;
      const width = code > 0xffff ? 2 : 1;
      let cls = classOf(code);
      if (cls === LEET) {
        const nextCode = text.codePointAt(i + 1);
        const next = nextCode === undefined ? SPACE : classOf(nextCode);
        if (next >= LATIN && next !== CJK) {
          this.cut(i);
          this.buf += LEET_LETTER[text[i]!];
          if (this.partClass < 0) this.partClass = LATIN;
          i += width;
          continue;
        }
        cls = SEPARATOR;
      }
      if (cls === CJK) {
        this.endChain(i);
        this.cjk.push(text.slice(i, i + width));
      } else if (cls === MARK) {
        if (this.cjk.length > 0) this.cjk[this.cjk.length - 1] += text.slice(i, i + width);
        else if (this.from < 0) this.from = i;
      } else {
        if (this.cjk.length > 0) this.flushCjk();
        if (cls === SPACE) this.endChain(i);
        else if (cls === SEPARATOR) this.endPart(i);
        else this.letterOrDigit(i, cls);
      }
      i += width;
    }
    this.flushCjk();
    this.endChain(text.length);
    if (this.count === 0) {
      // Names made of symbols only ("!!!") are still findable by themselves.
      for (const word of text.split(/\s+/)) if (word) this.emit(word, this.pos++, 1);
    }
    this.sink = null;
    return this.count;
  }

  private letterOrDigit(i: number, cls: number): void {
    if (cls !== DIGIT) {
      // A change of script ends the part and the chain (no alias across scripts).
      const current = this.partClass >= 0 ? this.partClass : this.chainClass;
      if (current >= LATIN && current !== cls) this.endChain(i);
      this.partClass = cls;
    } else if (this.partClass < 0) this.partClass = DIGIT;
    if (this.from < 0) this.from = i;
  }

  private flushCjk(): void {
    const cjk = this.cjk;
    if (cjk.length === 1) this.emit(cjk[0]!, this.pos++, 1);
    for (let i = 0; i + 1 < cjk.length; i++) this.emit(cjk[i]! + cjk[i + 1]!, this.pos++, 1);
    cjk.length = 0;
  }

  private cut(at: number): void {
    if (this.from >= 0) this.buf += this.text.slice(this.from, at);
    this.from = -1;
  }

  private endPart(at: number): void {
    this.cut(at);
    if (this.buf) {
      if (this.chain.length === 0) {
        this.chainPos = this.pos;
        this.chainClass = this.partClass;
      }
      this.chain.push(this.buf);
      this.emit(this.buf, this.pos++, 1);
    }
    this.buf = '';
    this.partClass = -1;
  }

  private endChain(at: number): void {
    this.endPart(at);
    if (this.chain.length > 1) this.emit(this.chain.join(''), this.chainPos, Math.min(this.chain.length, 31));
    if (this.chain.length > 0) this.chain.length = 0;
    this.chainClass = -1;
  }
}

const tokenizer = new Tokenizer();
const HAS_WORD = /[\p{L}\p{N}]/u;
const TAIL_START = /[-([]/;

/**
 * A title's core and its tail: "Hello - Remastered 2011" and "Hello (feat. X)" have the core "Hello".
 * Tails are peeled from the end one at a time (" - …", "(…)", "[…]") while something is left.
 */
export function splitTitle(title: string): { core: string; tail: string } {
  let core = title.trim();
  if (!TAIL_START.test(core)) return { core, tail: '' };
  for (;;) {
    const next = core
      .replace(/\s+-\s+[^-]*$/, '')
      .replace(/\s*[([][^()[\]]*[)\]]\s*$/, '')
      .trim();
    if (next === core || !HAS_WORD.test(next)) break;
    core = next;
  }
  return { core, tail: title.trim().slice(core.length) };
}

/** True for a token of a CJK run (a bigram or a single character), which is never typo-matched. */
export function isCjkToken(token: string): boolean {
  const code = token.codePointAt(0)!;
  return code >= 0x3000 && classOf(code) === CJK;
}

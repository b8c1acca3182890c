/**
 * The load path's word interning. Most names are plain ASCII; for those, AsciiTokenizer applies
 * normalize.ts's rules on character codes and looks each word up by its hash and characters, so a word
 * already seen costs no string at all. Anything else goes through `analyzeInto` and interns strings.
 * test/unit/search-index.test.ts checks that both give the same words.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

export class WordInterner {
  readonly words: string[] = [];
  private hashes = new Int32Array(64);
  private table = new Int32Array(128);
  private mask = 127;

  get size(): number {
    return this.words.length;
  }

  /** The word's FNV-1a hash (as `hashString` gives, as a signed int). */
  hashOf(id: number): number {
    return this.hashes[id]!;
  }

  /** The number of `word`, added if new. */
  intern(word: string): number {
    let h = FNV_OFFSET;
    for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), FNV_PRIME);
    h |= 0;
    const { table, hashes, words, mask } = this;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const entry = table[slot]!;
      if (entry === 0) return this.add(word, h, slot);
      if (hashes[entry - 1] === h && words[entry - 1] === word) return entry - 1;
    }
  }

  /** The number of `word`, or −1. */
  find(word: string): number {
    let h = FNV_OFFSET;
    for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), FNV_PRIME);
    h |= 0;
    const { table, hashes, words, mask } = this;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const entry = table[slot]!;
      if (entry === 0) return -1;
      if (hashes[entry - 1] === h && words[entry - 1] === word) return entry - 1;
    }
  }

  /** The number of the word spelt by chars[from, from + length), whose FNV-1a hash is `h`. */
  internChars(chars: Uint16Array, from: number, length: number, h: number): number {
    h |= 0;
    const { table, hashes, words, mask } = this;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const entry = table[slot]!;
      if (entry === 0) return this.add(String.fromCharCode(...chars.subarray(from, from + length)), h, slot);
      if (hashes[entry - 1] === h) {
        const word = words[entry - 1]!;
        if (word.length === length) {
          let same = true;
          for (let i = 0; i < length && same; i++) same = word.charCodeAt(i) === chars[from + i];
          if (same) return entry - 1;
        }
      }
    }
  }

  private add(word: string, h: number, slot: number): number {
    const id = this.words.length;
    this.words.push(word);
    if (id >= this.hashes.length) {
      const next = new Int32Array(this.hashes.length * 2);
      next.set(this.hashes);
      this.hashes = next;
    }
    this.hashes[id] = h;
    this.table[slot] = id + 1;
    if (this.words.length * 2 > this.table.length) this.rehash();
    return id;
  }

  private rehash(): void {
    const table = new Int32Array(this.table.length * 2);
    const mask = table.length - 1;
    for (let id = 0; id < this.words.length; id++) {
      let slot = this.hashes[id]! & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = id + 1;
    }
    this.table = table;
    this.mask = mask;
  }
}

/** Receives word numbers with their position and span (see normalize.ts's Token). */
export interface WordSink {
  word(id: number, pos: number, span: number): void;
}

/**
 * normalize.ts's `analyze` for printable ASCII, on character codes: letters lowered, `!` `$` `@` before
 * a letter read as i, s, a, other punctuation splitting a word into parts whose concatenation is an alias. `run` returns false (and does nothing) for other text.
 */
export class AsciiTokenizer {
  private chars = new Uint16Array(256);

  constructor(private readonly interner: WordInterner) {}

  run(text: string, sink: WordSink): boolean {
    const n = text.length;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c < 32 || c > 126) return false;
    }
    if (n > this.chars.length) this.chars = new Uint16Array(n * 2);
    const chars = this.chars;
    const interner = this.interner;
    let length = 0; // chars of the current chain
    let partStart = 0;
    let partHash = FNV_OFFSET;
    let chainHash = FNV_OFFSET;
    let parts = 0;
    let chainPos = 0;
    let pos = 0;
    let emitted = 0;
    for (let i = 0; i <= n; i++) {
      let c = i < n ? text.charCodeAt(i) : 32;
      if (c >= 65 && c <= 90) c += 32;
      let letter = (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
      if (!letter && (c === 33 || c === 36 || c === 64) && i + 1 < n) {
        const next = text.charCodeAt(i + 1) | 32;
        if (next >= 97 && next <= 122) {
          c = c === 33 ? 105 : c === 36 ? 115 : 97;
          letter = true;
        }
      }
      if (letter) {
        chars[length++] = c;
        partHash = Math.imul(partHash ^ c, FNV_PRIME);
        chainHash = Math.imul(chainHash ^ c, FNV_PRIME);
        continue;
      }
      // A separator ends the part; white space also ends the chain.
      if (length > partStart) {
        if (parts === 0) chainPos = pos;
        sink.word(interner.internChars(chars, partStart, length - partStart, partHash), pos++, 1);
        emitted++;
        parts++;
        partStart = length;
        partHash = FNV_OFFSET;
      }
      if (c === 32) {
        if (parts > 1) {
          sink.word(interner.internChars(chars, 0, length, chainHash), chainPos, Math.min(parts, 31));
          emitted++;
        }
        length = 0;
        partStart = 0;
        parts = 0;
        chainHash = FNV_OFFSET;
      }
    }
    if (emitted === 0) {
      // Names made of symbols only ("!!!") are still findable by themselves.
      for (const word of text.toLowerCase().split(/\s+/)) if (word) sink.word(interner.intern(word), pos++, 1);
    }
    return true;
  }
}

/**
 * Strings packed into one array of UTF-16 code units with their offsets: a segment's document ids and a
 * copy of its dictionary. Packed, they cost the collector nothing (no heap object per string) and a merge
 * worker reads them from shared memory instead of having a million strings copied to it. Arrays meant
 * for the worker are allocated on SharedArrayBuffers (`shared*`).
 */
import { IntList } from './arrays.js';

export interface PackedStrings {
  chars: Uint16Array;
  /** String i is chars[offsets[i], offsets[i + 1]). */
  offsets: Int32Array;
}

export const sharedInt32 = (n: number) => new Int32Array(new SharedArrayBuffer(n * 4));
export const sharedUint32 = (n: number) => new Uint32Array(new SharedArrayBuffer(n * 4));
export const sharedUint16 = (n: number) => new Uint16Array(new SharedArrayBuffer(n * 2));
export const sharedUint8 = (n: number) => new Uint8Array(new SharedArrayBuffer(n));

/** The same values on shared memory (a copy), so search workers read one array instead of a copy each. */
export function onSharedMemory<T extends Int32Array | Uint32Array>(a: T): T {
  const shared = (a instanceof Int32Array ? sharedInt32(a.length) : sharedUint32(a.length)) as T;
  shared.set(a);
  return shared;
}

export function packedString(p: PackedStrings, i: number): string {
  const from = p.offsets[i]!;
  const to = p.offsets[i + 1]!;
  let s = '';
  // Chunks keep the argument count of fromCharCode bounded for long strings.
  for (let k = from; k < to; k += 4096) s += String.fromCharCode(...p.chars.subarray(k, Math.min(to, k + 4096)));
  return s;
}

/** Whether string i is `s`. */
export function packedEquals(p: PackedStrings, i: number, s: string): boolean {
  const from = p.offsets[i]!;
  if (p.offsets[i + 1]! - from !== s.length) return false;
  const chars = p.chars;
  for (let k = 0; k < s.length; k++) if (chars[from + k] !== s.charCodeAt(k)) return false;
  return true;
}

/** String a of p against string b of q by code units, as `<` on strings: negative, 0 or positive. */
export function packedCompare(p: PackedStrings, a: number, q: PackedStrings, b: number): number {
  const fa = p.offsets[a]!;
  const fb = q.offsets[b]!;
  const la = p.offsets[a + 1]! - fa;
  const lb = q.offsets[b + 1]! - fb;
  const n = Math.min(la, lb);
  for (let k = 0; k < n; k++) {
    const d = p.chars[fa + k]! - q.chars[fb + k]!;
    if (d !== 0) return d;
  }
  return la - lb;
}

/** FNV-1a of string i's code units (as arrays.ts `hashString` gives for the same string). */
export function packedHash(p: PackedStrings, i: number): number {
  let h = 0x811c9dc5;
  for (let k = p.offsets[i]!; k < p.offsets[i + 1]!; k++) h = Math.imul(h ^ p.chars[k]!, 0x01000193);
  return h >>> 0;
}

/** Collects strings, then packs them (in a given order) onto shared memory. */
export class PackedBuilder {
  private chars = new Uint16Array(1024);
  private used = 0;
  readonly offsets = new IntList();

  constructor() {
    this.offsets.push(0);
  }

  get size(): number {
    return this.offsets.length - 1;
  }

  push(s: string): void {
    this.room(s.length);
    for (let k = 0; k < s.length; k++) this.chars[this.used++] = s.charCodeAt(k);
    this.offsets.push(this.used);
  }

  /** Appends string i of p. */
  pushFrom(p: PackedStrings, i: number): void {
    const from = p.offsets[i]!;
    const to = p.offsets[i + 1]!;
    this.room(to - from);
    this.chars.set(p.chars.subarray(from, to), this.used);
    this.used += to - from;
    this.offsets.push(this.used);
  }

  /** The strings in `order` (order[k] is the string put at k), or as pushed. */
  finish(order: Int32Array | null = null): PackedStrings {
    const n = this.size;
    const src = this.offsets.data;
    const chars = sharedUint16(this.used);
    const offsets = sharedInt32(n + 1);
    let at = 0;
    for (let k = 0; k < n; k++) {
      const i = order === null ? k : order[k]!;
      chars.set(this.chars.subarray(src[i]!, src[i + 1]!), at);
      at += src[i + 1]! - src[i]!;
      offsets[k + 1] = at;
    }
    return { chars, offsets };
  }

  private room(extra: number): void {
    if (this.used + extra <= this.chars.length) return;
    let size = this.chars.length * 2;
    while (size < this.used + extra) size *= 2;
    const next = new Uint16Array(size);
    next.set(this.chars.subarray(0, this.used));
    this.chars = next;
  }
}

/** Packs an array of strings. */
export function packStrings(strings: readonly string[]): PackedStrings {
  const builder = new PackedBuilder();
  for (const s of strings) builder.push(s);
  return builder.finish();
}

/** Every string of p, as an array. */
export function unpackStrings(p: PackedStrings, from = 0, to = p.offsets.length - 1, out: string[] = []): string[] {
  for (let i = from; i < to; i++) out.push(packedString(p, i));
  return out;
}

/**
 * A list of ids as one buffer of UTF-8 bytes with offsets, made once per list: a run writes each id
 * millions of times (digest, COPY), and copying a few bytes beats encoding a string each time.
 */
export class EncodedIds {
  private readonly bytes: Buffer;
  private readonly start: Int32Array;
  constructor(ids: readonly string[]) {
    this.start = new Int32Array(ids.length + 1);
    let total = 0;
    for (let i = 0; i < ids.length; i++) {
      total += Buffer.byteLength(ids[i]!, 'utf8');
      this.start[i + 1] = total;
    }
    this.bytes = Buffer.allocUnsafe(total);
    for (let i = 0; i < ids.length; i++) this.bytes.write(ids[i]!, this.start[i]!, 'utf8');
  }
  length(i: number): number {
    return this.start[i + 1]! - this.start[i]!;
  }
  /** Copies id i to out[at …] byte by byte (ids are short: cheaper than a native copy call). */
  copy(i: number, out: Buffer, at: number): number {
    const end = this.start[i + 1]!;
    for (let b = this.start[i]!; b < end; b++) out[at++] = this.bytes[b]!;
    return at;
  }
}

const encodings = new WeakMap<readonly string[], EncodedIds>();
export function encoded(ids: readonly string[]): EncodedIds {
  let e = encodings.get(ids);
  if (!e) {
    e = new EncodedIds(ids);
    encodings.set(ids, e);
  }
  return e;
}

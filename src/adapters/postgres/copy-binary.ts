/**
 * Rows in PostgreSQL's binary COPY format, built into Buffers of about `chunkBytes`: numbers and
 * arrays go as fixed-width binary, which the server stores without parsing text (several times less
 * of its time than text COPY for a run's arrays of millions of numbers).
 */

import type { EncodedIds } from '../../core/royalties/encoded-ids.js';

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
export const OID = { int4: 23, int8: 20, text: 25 } as const;
const TWO_32 = 4_294_967_296;

export class BinaryCopy {
  private buffer: Buffer;
  // Big-endian writes through a DataView compile to a few instructions; Buffer's write methods check
  // their arguments on every call, which was most of the time of a run's tens of millions of elements.
  private view: DataView;
  private at = 0;

  constructor(private readonly chunkBytes = 1 << 20) {
    this.buffer = Buffer.allocUnsafe(chunkBytes);
    this.view = viewOf(this.buffer);
    this.reserve(SIGNATURE.length + 8);
    SIGNATURE.copy(this.buffer, 0);
    this.at = SIGNATURE.length;
    this.int32(0); // flags
    this.int32(0); // header extension length
  }

  /** Bytes written and not yet taken. */
  get size(): number {
    return this.at;
  }

  /** The bytes so far, leaving the writer empty. */
  take(): Buffer {
    const out = this.buffer.subarray(0, this.at);
    this.buffer = Buffer.allocUnsafe(this.chunkBytes);
    this.view = viewOf(this.buffer);
    this.at = 0;
    return out;
  }

  /** The end-of-data marker; take() after it for the last chunk. */
  end(): void {
    this.reserve(2);
    this.view.setInt16(this.at, -1);
    this.at += 2;
  }

  /** Makes room for `bytes` more, moving what is written to a larger buffer if needed. */
  reserve(bytes: number): void {
    if (this.at + bytes <= this.buffer.length) return;
    const larger = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.at + bytes));
    this.buffer.copy(larger, 0, 0, this.at);
    this.buffer = larger;
    this.view = viewOf(larger);
  }

  row(fields: number): void {
    this.reserve(2);
    this.view.setInt16(this.at, fields);
    this.at += 2;
  }

  text(value: string | null): void {
    if (value === null) {
      this.int32(-1);
      return;
    }
    const length = Buffer.byteLength(value, 'utf8');
    this.int32(length);
    this.reserve(length);
    this.at += this.buffer.write(value, this.at, 'utf8');
  }

  int4(value: number): void {
    this.int32(4);
    this.int32(value);
  }

  /** A one-dimensional array header of `count` elements; the elements follow (element()/int8Element()). */
  array(count: number, oid: number, elementBytes: number): void {
    this.arrayHeader(count, oid, count * (4 + elementBytes));
  }

  /** An array field's length and header, with room reserved for `payload` bytes of elements. */
  private arrayHeader(count: number, oid: number, payload: number): void {
    const body = count === 0 ? 12 : 20;
    this.reserve(4 + body + payload);
    this.int32(body + payload);
    this.int32(count === 0 ? 0 : 1); // dimensions
    this.int32(0); // no nulls
    this.int32(oid);
    if (count > 0) {
      this.int32(count);
      this.int32(1); // lower bound
    }
  }

  /** An int4 array element; room was reserved by array(). */
  int4Element(value: number): void {
    this.view.setInt32(this.at, 4);
    this.view.setInt32(this.at + 4, value);
    this.at += 8;
  }

  /** An int8 array element from an exact non-negative integer below 2^53; room was reserved by array(). */
  int8Element(value: number): void {
    this.view.setInt32(this.at, 8);
    // Exact for integers below 2^53: the division is by a power of two, >>> 0 takes the low 32 bits.
    this.view.setUint32(this.at + 4, (value / TWO_32) >>> 0);
    this.view.setUint32(this.at + 8, value >>> 0);
    this.at += 12;
  }

  bigint8Element(value: bigint): void {
    this.buffer.writeInt32BE(8, this.at);
    this.buffer.writeBigInt64BE(value, this.at + 4);
    this.at += 12;
  }

  /** Id i of a pre-encoded list as a text field. */
  id(ids: EncodedIds, i: number): void {
    const length = ids.length(i);
    this.reserve(4 + length);
    this.view.setInt32(this.at, length);
    this.at = ids.copy(i, this.buffer, this.at + 4);
  }

  /** A text[] field of the ids numbered which[from … to − 1] in a pre-encoded list. */
  idArray(ids: EncodedIds, which: Int32Array, from: number, to: number): void {
    let bytes = 0;
    for (let k = from; k < to; k++) bytes += 4 + ids.length(which[k]!);
    this.arrayHeader(to - from, OID.text, bytes);
    for (let k = from; k < to; k++) this.id(ids, which[k]!);
  }

  private int32(value: number): void {
    this.reserve(4);
    this.view.setInt32(this.at, value);
    this.at += 4;
  }
}

function viewOf(buffer: Buffer): DataView {
  return new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

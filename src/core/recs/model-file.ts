/**
 * The model file: the line "cadenza-recs 1", a line with the JSON header's length in bytes, the JSON
 * header (the model with each typed array replaced by {"$array": n, "type": …, "length": …}), then the
 * arrays' bytes one after another, each starting at a multiple of 8 from the start of the data part.
 */
import type { RecsModel } from './model.js';

const MAGIC = 'cadenza-recs 1\n';
type TypedArray = Int32Array | Float32Array | Float64Array;
const TYPES = { Int32Array, Float32Array, Float64Array } as const;
type TypeName = keyof typeof TYPES;

export function encodeModel(model: RecsModel): Buffer {
  const arrays: TypedArray[] = [];
  const header = JSON.stringify(model, (_key, value: unknown) => {
    if (value instanceof Int32Array || value instanceof Float32Array || value instanceof Float64Array) {
      arrays.push(value);
      return { $array: arrays.length - 1, type: value.constructor.name, length: value.length };
    }
    return value;
  });
  const headerBytes = Buffer.from(header, 'utf8');
  const chunks: Buffer[] = [Buffer.from(`${MAGIC}${headerBytes.length}\n`), headerBytes];
  for (const a of arrays) {
    const bytes = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    chunks.push(bytes, Buffer.alloc((8 - (bytes.length % 8)) % 8));
  }
  return Buffer.concat(chunks);
}

/** Reads a model file's bytes; throws an Error naming what is wrong when it is not one. */
export function decodeModel(bytes: Buffer): RecsModel {
  if (bytes.subarray(0, MAGIC.length).toString('latin1') !== MAGIC) throw new Error('not a cadenza recs model file');
  const lengthEnd = bytes.indexOf(10, MAGIC.length);
  const headerLength = Number(bytes.subarray(MAGIC.length, lengthEnd).toString('latin1'));
  if (lengthEnd < 0 || !Number.isInteger(headerLength)) throw new Error('model file header is damaged');
  const headerStart = lengthEnd + 1;
  const header = bytes.subarray(headerStart, headerStart + headerLength).toString('utf8');
  // First pass: the arrays' sizes, in the order they were written.
  const sizes: { type: TypeName; length: number }[] = [];
  JSON.parse(header, (_key, value: unknown) => {
    if (isArrayRef(value)) sizes[value.$array] = { type: value.type, length: value.length };
    return value;
  });
  const arrays: TypedArray[] = [];
  let at = headerStart + headerLength;
  for (const { type, length } of sizes) {
    const Type = TYPES[type];
    const byteLength = length * Type.BYTES_PER_ELEMENT;
    if (at + byteLength > bytes.length) throw new Error('model file is truncated');
    const copy = new Uint8Array(byteLength);
    copy.set(bytes.subarray(at, at + byteLength));
    arrays.push(new Type(copy.buffer));
    at += byteLength + ((8 - (byteLength % 8)) % 8);
  }
  return JSON.parse(header, (_key, value: unknown) => (isArrayRef(value) ? arrays[value.$array] : value)) as RecsModel;
}

function isArrayRef(value: unknown): value is { $array: number; type: TypeName; length: number } {
  if (typeof value !== 'object' || value === null || !('$array' in value)) return false;
  const type = (value as { type?: unknown }).type;
  return typeof type === 'string' && type in TYPES;
}

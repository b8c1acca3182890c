import type pg from 'pg';
import { CopySubmittable } from './copy-submittable.js';

/**
 * `COPY … TO STDOUT (FORMAT binary)` through pg's Submittable interface, the counterpart of
 * copy-from.ts: the server sends each row as a CopyData message, handed over as its fields, so a large
 * result is read without a row object or a cursor round trip each.
 */

class CopyToStdout extends CopySubmittable {
  constructor(
    text: string,
    private readonly onRow: (message: Buffer) => void,
  ) {
    super(text);
  }

  handleCopyData(message: { chunk: Buffer }): void {
    if (this.error) return;
    try {
      this.onRow(message.chunk);
    } catch (err) {
      this.error = err as Error;
    }
  }

  handleCopyInResponse(connection: { sendCopyFail(message: string): void }): void {
    connection.sendCopyFail('not a COPY FROM');
  }
}

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/**
 * Runs `copy (query) to stdout with (format binary)` and calls onRow with each row's fields as
 * Buffers (null for SQL null). The header and the end marker are skipped wherever they arrive.
 */
export async function copyToBinary(
  client: pg.PoolClient,
  query: string,
  onRow: (fields: (Buffer | null)[]) => void,
): Promise<void> {
  const copy = new CopyToStdout(`copy (${query}) to stdout with (format binary)`, (message) => {
    let at = 0;
    if (message.length >= SIGNATURE.length && message.subarray(0, SIGNATURE.length).equals(SIGNATURE)) {
      at = SIGNATURE.length + 4;
      at += 4 + message.readInt32BE(at);
    }
    while (at < message.length) {
      const fields = message.readInt16BE(at);
      at += 2;
      if (fields === -1) return;
      const row: (Buffer | null)[] = [];
      for (let f = 0; f < fields; f++) {
        const length = message.readInt32BE(at);
        at += 4;
        row.push(length < 0 ? null : message.subarray(at, at + length));
        if (length > 0) at += length;
      }
      onRow(row);
    }
  });
  (client as unknown as { query(submittable: unknown): unknown }).query(copy);
  await copy.done;
}

/** The elements of a one-dimensional binary text array (no nulls). */
export function binaryTextArray(field: Buffer): string[] {
  if (field.readInt32BE(0) === 0) return [];
  const count = field.readInt32BE(12);
  const out = new Array<string>(count);
  let at = 20;
  for (let i = 0; i < count; i++) {
    const length = field.readInt32BE(at);
    out[i] = field.toString('utf8', at + 4, at + 4 + length);
    at += 4 + length;
  }
  return out;
}

/** The elements of a one-dimensional binary int4 or non-negative int8 array (no nulls), as numbers. */
export function binaryIntArray(field: Buffer): Float64Array {
  const dimensions = field.readInt32BE(0);
  if (dimensions === 0) return new Float64Array(0);
  const count = field.readInt32BE(12);
  const out = new Float64Array(count);
  let at = 20;
  for (let i = 0; i < count; i++) {
    const length = field.readInt32BE(at);
    if (length === 4) out[i] = field.readInt32BE(at + 4);
    else if (length === 8) out[i] = field.readUInt32BE(at + 4) * 4_294_967_296 + field.readUInt32BE(at + 8);
    else throw new Error(`binary array element of ${length} bytes`);
    at += 4 + length;
  }
  return out;
}

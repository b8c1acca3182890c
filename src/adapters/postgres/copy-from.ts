import type pg from 'pg';
import { CopySubmittable } from './copy-submittable.js';

/**
 * `COPY … FROM STDIN` through pg's Submittable interface (the one pg-cursor uses): rows go as text
 * chunks, several times faster than multi-row inserts for the millions of lines a royalty run writes.
 * The chunks come from a generator, each written when the socket has drained the one before, so
 * memory stays at one chunk.
 */

interface PgConnection {
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
  sendCopyFail(message: string): void;
  stream: NodeJS.WritableStream & { writableNeedDrain?: boolean };
}

class CopyFromStdin extends CopySubmittable {
  constructor(
    text: string,
    private readonly chunks: Iterable<string | Buffer>,
  ) {
    super(text);
  }

  handleCopyInResponse(connection: PgConnection): void {
    const send = async () => {
      for (const chunk of this.chunks) {
        connection.sendCopyFromChunk(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
        if (connection.stream.writableNeedDrain) await new Promise((r) => connection.stream.once('drain', r));
      }
      connection.endCopyFrom();
    };
    send().catch((err: Error) => connection.sendCopyFail(err.message));
  }

  handleCopyData(): void {}
}

/** Runs `copyStatement` (… FROM STDIN) with the rows the chunks hold: text, or Buffers of any format. */
export async function copyFrom(
  client: pg.PoolClient,
  copyStatement: string,
  chunks: Iterable<string | Buffer>,
): Promise<void> {
  const copy = new CopyFromStdin(copyStatement, chunks);
  (client as unknown as { query(submittable: unknown): unknown }).query(copy);
  await copy.done;
}

/** A text-format COPY field: \N for null, backslash escapes for the characters the format reserves. */
export function copyField(value: string | null): string {
  if (value === null) return '\\N';
  return /[\\\t\n\r]/.test(value)
    ? value.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
    : value;
}

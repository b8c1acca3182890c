/**
 * The durable, ordered log of listening events between intake and its consumers. Embedded: a
 * PostgreSQL table with consumer offsets; at scale: a NATS JetStream stream with durable consumers.
 *
 * Offsets are opaque strings that sort bytewise in log order (fixed-width digits), so any holder can
 * compare two offsets from the same log with `<`. `LOG_START` sorts before every entry.
 */
export type Offset = string;
export const LOG_START: Offset = '';

export interface LogRecord {
  /** Unique id: a record whose id is already in the log is not appended again. */
  id: string;
  body: string;
}

export interface LogEntry extends LogRecord {
  offset: Offset;
}

export interface EventLog {
  /** Durable once this resolves. Answers how many records were new (the rest were already there). */
  append(records: LogRecord[]): Promise<number>;
  /** Up to `max` entries after `after`, oldest first; waits up to `waitMs` for the first one. */
  read(after: Offset, max: number, waitMs: number): Promise<LogEntry[]>;
  /** The next entries of a durable consumer: after the offset it committed last (`LOG_START` if none). */
  fetch(consumer: string, max: number, waitMs: number): Promise<LogEntry[]>;
  /** Records that `consumer` is done with every entry up to and including `offset`. */
  commit(consumer: string, offset: Offset): Promise<void>;
  committed(consumer: string): Promise<Offset>;
  /** Moves a consumer back (or forward) so its next fetch starts after `offset`. */
  reset(consumer: string, offset: Offset): Promise<void>;
  close(): Promise<void>;
}

/** Zero-padded so that offsets sort as strings in numeric order. */
export function padOffset(n: bigint | number): string {
  return n.toString().padStart(20, '0');
}

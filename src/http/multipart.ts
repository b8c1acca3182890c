import { PassThrough, type Readable } from 'node:stream';
import type { MultipartFile, MultipartValue } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { Invalid, PayloadTooLarge } from '../core/errors.js';
import { checkInput } from './input.js';
import { boundaryOf, watchClosingDelimiter } from './multipart-boundary.js';
import { formError, truncated } from './multipart-errors.js';

/**
 * The one way routes read multipart forms: text fields and at most one file, every failure a 400 or
 * 413 naming the part (or `body`). A refused request stops reading here; the server's refused-body
 * hook reads what is left before answering, so the client hears the answer.
 */

export interface IncomingFile {
  field: string;
  fileName: string;
  stream: Readable;
}

export interface FormSpec<F> {
  /** The text fields the route takes; any other part is refused. */
  fields: readonly string[];
  /** The name of the route's one file part. */
  file: string;
  /** Overrides the server's upload limit for this route's file. */
  maxFileBytes?: number;
  /**
   * Checks the fields read so far when the file starts, before a byte of it is stored (fields sent
   * after the file are the route's to check once the form is read).
   */
  beforeFile?(fields: Readonly<Record<string, string>>, fileName: string): Promise<void> | void;
  /** Stores the file (on disk, in memory); on failure it leaves nothing behind. */
  store(file: IncomingFile): Promise<F>;
  /** Removes what `store` kept, when the form fails after the file. */
  discard?(stored: F): Promise<void>;
}

export interface Form<F> {
  fields: Record<string, string>;
  file: F | undefined;
}

export async function readMultipart<F>(request: FastifyRequest, spec: FormSpec<F>): Promise<Form<F>> {
  if (!request.isMultipart()) throw new Invalid('body must be multipart/form-data', 'body');
  const closing = watchClosingDelimiter(request.raw, boundaryOf(request.headers['content-type']));
  const form: Form<F> = { fields: {}, file: undefined };
  try {
    // Busboy counts for us: more fields than the form takes is a 413, whatever their names (one is
    // let through on a file-only form, to be refused by its name).
    const fields = Math.max(1, spec.fields.length);
    const limits = { fields, ...(spec.maxFileBytes && { fileSize: spec.maxFileBytes }) };
    const parts = request.parts({ limits });
    for (;;) {
      const next = await parts.next().catch((err: unknown) => {
        throw formError(err);
      });
      if (next.done) break;
      if (next.value.type === 'field') takeField(next.value, spec, form.fields);
      else {
        const cutOff = truncated(next.value.fieldname);
        form.file = await takeFile(next.value, spec, form, cutOff).catch((err) => explainCutOff(err, cutOff, parts));
      }
    }
    if (!closing.seen()) throw truncated('body');
    return form;
  } catch (err) {
    // Busboy stops here: what is left of the body is the refused-body hook's to read.
    request.raw.unpipe();
    if (form.file !== undefined) await spec.discard?.(form.file);
    throw err;
  } finally {
    closing.stop();
  }
}

/** A file busboy cut off: its own error, when it has one, says why (a limit, a refused part). */
async function explainCutOff(err: unknown, cutOff: Error, parts: AsyncIterator<unknown>): Promise<never> {
  if (err === cutOff) {
    try {
      await parts.next();
    } catch (parserError) {
      throw formError(parserError);
    }
  }
  throw err;
}

function takeField(part: MultipartValue, spec: FormSpec<unknown>, fields: Record<string, string>) {
  const name = part.fieldname;
  if (name === spec.file) throw new Invalid(`${name} must be a file`, name);
  if (!spec.fields.includes(name)) throw new Invalid(`${name} is not a known field`, name);
  if (Object.hasOwn(fields, name)) throw new Invalid(`${name} is given more than once`, name);
  if (part.valueTruncated) throw new PayloadTooLarge(`${name} is longer than a form field may be`, name);
  // A part sent as application/json arrives parsed; this form takes plain text only.
  if (typeof part.value !== 'string') throw new Invalid(`${name} must be plain text`, name);
  checkInput(part.value, name);
  fields[name] = part.value;
}

async function takeFile<F>(part: MultipartFile, spec: FormSpec<F>, form: Form<F>, cutOff: Error): Promise<F> {
  const name = part.fieldname;
  if (name !== spec.file) {
    throw new Invalid(spec.fields.includes(name) ? `${name} must be text` : `${name} is not a known field`, name);
  }
  if (form.file !== undefined) throw new Invalid(`${name} is given more than once`, name);
  checkInput(part.filename, name);
  await spec.beforeFile?.(form.fields, part.filename);
  return spec.store({ field: name, fileName: part.filename, stream: guarded(part.file, cutOff) });
}

/**
 * The file's bytes, failing with a 400 naming the part when the body is cut off inside it. Busboy's own
 * stream is destroyed then, sometimes after it was marked ended but before 'end' was emitted: a
 * `pipeline` reading it would wait forever.
 */
function guarded(source: Readable, cutOff: Error): Readable {
  // The error stays on the stream for `store` to meet, even if it fails before `store` reads it.
  const bytes = new PassThrough().on('error', () => {});
  const onClose = () => {
    if (!source.readableEnded) bytes.destroy(cutOff);
  };
  if (source.destroyed) onClose();
  else source.once('close', onClose).pipe(bytes);
  return bytes;
}

/** A `store` for small files (artwork): the bytes in memory. */
export async function bufferFile(file: IncomingFile): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of file.stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

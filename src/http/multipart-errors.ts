import { Invalid, PayloadTooLarge } from '../core/errors.js';

/**
 * What @fastify/multipart and busboy report, as the domain errors the HTTP layer maps to 400 and 413.
 * Their errors carry a code (`FST_…`, from @fastify/multipart) or only a message (busboy, dicer); the
 * part they concern is named when known, else `body`, the form as a whole.
 */

interface ParserError {
  code?: string;
  message?: string;
  part?: { fieldname?: string };
}

const TOO_MANY: Record<string, string> = {
  FST_FILES_LIMIT: 'body has more files than this form takes',
  FST_FIELDS_LIMIT: 'body has more fields than this form takes',
  FST_PARTS_LIMIT: 'body has more parts than this form takes',
};

/** An error the multipart iterator threw: the request body is at fault, never the server. */
export function formError(err: unknown): Invalid | PayloadTooLarge {
  const { code, message = '', part } = (err ?? {}) as ParserError;
  if (code === 'FST_REQ_FILE_TOO_LARGE') {
    const field = part?.fieldname ?? 'body';
    return new PayloadTooLarge(`${field} is larger than the upload limit`, field);
  }
  if (code && TOO_MANY[code]) return new PayloadTooLarge(TOO_MANY[code], 'body');
  if (code === 'FST_INVALID_MULTIPART_CONTENT_TYPE') return new Invalid('body must be multipart/form-data', 'body');
  if (code === 'FST_PROTO_VIOLATION') return new Invalid('body has a part whose name is not allowed', 'body');
  if (code === 'FST_INVALID_JSON_FIELD_ERROR') return new Invalid('body has a JSON field that does not parse', 'body');
  if (/boundary|needle/i.test(message)) return new Invalid('body has no usable multipart boundary', 'body');
  if (/terminated early|unexpected end of multipart/i.test(message)) return truncated('body');
  // Anything else from the parser or the request stream (a client that went away) is the body's fault too.
  return new Invalid('body is not a well-formed multipart form', 'body');
}

/** The body stopped before the form's closing delimiter, inside `field` or between parts (`body`). */
export function truncated(field: string): Invalid {
  return new Invalid(`${field} is cut short: the body ends before the form's closing boundary`, field);
}

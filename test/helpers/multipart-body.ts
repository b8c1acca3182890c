/** Multipart bodies built by hand, so tests can send the malformed ones no FormData would make. */

export const BOUNDARY = 'cadenzaTestBoundary7MA4YWxkTrZu0gW';

export const multipartType = (boundary = BOUNDARY) => `multipart/form-data; boundary=${boundary}`;

export interface Part {
  name: string;
  value: string | Buffer;
  /** Makes the part a file. */
  fileName?: string;
  contentType?: string;
}

/** The parts, each opened by its delimiter, then the closing delimiter unless `close` is false. */
export function multipartBody(parts: Part[], options: { boundary?: string; close?: boolean } = {}): Buffer {
  const boundary = options.boundary ?? BOUNDARY;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.fileName === undefined ? '' : `; filename="${part.fileName}"`}`;
    const type = part.contentType ?? (part.fileName === undefined ? undefined : 'application/octet-stream');
    const head = [`--${boundary}`, `Content-Disposition: ${disposition}`, ...(type ? [`Content-Type: ${type}`] : [])];
    chunks.push(Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'utf8'), Buffer.from(part.value), Buffer.from('\r\n'));
  }
  if (options.close !== false) chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

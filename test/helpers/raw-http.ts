import { connect, type Socket } from 'node:net';

/**
 * A deliberately plain HTTP/1.1 client over one TCP connection. Like many real clients (Python's
 * http.client, curl without Expect), it writes the whole request before it reads the answer, so a
 * server that closes the connection early shows up as a write error instead of being hidden.
 */

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read JSON bodies field by field
  json(): any;
}

export class RawConnection {
  private readonly socket: Socket;
  private received = Buffer.alloc(0);
  private failure: Error | undefined;
  private closed = false;
  private wake: (() => void) | undefined;

  constructor(baseUrl: string) {
    const url = new URL(baseUrl);
    this.socket = connect(Number(url.port), url.hostname);
    this.socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.wake?.();
    });
    this.socket.on('error', (err) => {
      this.failure ??= err;
      this.wake?.();
    });
    this.socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
  }

  /** Writes every byte (in pieces, as a client streams an upload); rejects on a write error such as EPIPE. */
  async write(bytes: Buffer, pieceSize = 64 * 1024): Promise<void> {
    for (let i = 0; i < bytes.length; i += pieceSize) {
      const piece = bytes.subarray(i, i + pieceSize);
      await new Promise<void>((resolve, reject) => {
        this.socket.write(piece, (err) => (err ? reject(err) : resolve()));
      });
    }
  }

  /**
   * Reads the next response (the server always sends Content-Length here). A server that never answers
   * fails the test after `hangMs` instead of hanging the run.
   */
  async response(hangMs = 30_000): Promise<RawResponse> {
    const deadline = Date.now() + hangMs;
    for (;;) {
      const parsed = this.parse();
      if (parsed) return parsed;
      if (this.failure) throw this.failure;
      if (this.closed) throw new Error(`connection closed after ${this.received.length} bytes`);
      if (Date.now() >= deadline) throw new Error(`no answer within ${hangMs} ms: the server hangs`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private parse(): RawResponse | undefined {
    const end = this.received.indexOf('\r\n\r\n');
    if (end < 0) return undefined;
    const [statusLine, ...lines] = this.received.subarray(0, end).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const status = Number(statusLine!.split(' ')[1]);
    if (status === 100) {
      this.received = this.received.subarray(end + 4);
      return this.parse();
    }
    const length = Number(headers['content-length'] ?? 0);
    if (this.received.length < end + 4 + length) return undefined;
    const text = this.received.subarray(end + 4, end + 4 + length).toString('utf8');
    this.received = this.received.subarray(end + 4 + length);
    return { status, headers, text, json: () => JSON.parse(text) };
  }
}

/** Sends one request on a new connection and reads its response. */
export async function rawRequest(
  baseUrl: string,
  options: { method: string; path: string; headers?: Record<string, string>; body?: Buffer; token?: string },
): Promise<RawResponse> {
  const body = options.body ?? Buffer.alloc(0);
  const headers: Record<string, string> = {
    Host: 'localhost',
    'Content-Length': String(body.length),
    ...options.headers,
  };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  const head = [`${options.method} ${options.path} HTTP/1.1`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  const connection = new RawConnection(baseUrl);
  try {
    await connection.write(Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), body]));
    return await connection.response();
  } finally {
    connection.close();
  }
}

import fc from 'fast-check';
import WebSocket from 'ws';
import { ClientFrame } from '../../src/http/ws/messages.js';
import { anyJson, hostile, type Known, RawJson, type Schema, toJson, valid } from './inputs.js';
import type { FuzzTarget } from './target.js';

/**
 * Sends generated frames of every type to the live gateway, one at a time per socket, and waits for
 * each answer. A failure is an answer with a 5xx status, a frame left unanswered, or a socket the
 * server closes for any reason but the client's own misbehaviour (1008 bad frames, 1013 too slow).
 */

export interface LiveFailure {
  frame: string;
  problem: string;
}

export interface LiveStats {
  tried: number;
  failures: LiveFailure[];
  answers: Map<string, number>;
}

/** Frames a gateway answers with when it is done with the frame sent. */
const FINAL = new Set([
  'pong',
  'subscribed',
  'unsubscribed',
  'ack',
  'rejected',
  'error',
  'device.registered',
  'player.reported',
  'time',
  'jam.subscribed',
  'jam.unsubscribed',
]);
/** Under the gateway's 100 frames a second per socket, so the fuzz reaches handlers, not the limiter. */
const FRAMES_PER_SECOND = 80;

function frames(known: Known): fc.Arbitrary<string | Buffer> {
  const schema = ClientFrame as unknown as Schema;
  // Frames name playlists and tracks: ids drawn from the target's, playlists weighted up so that
  // frames reach the editor rather than its "not found".
  const aimed: Known = { ...known, ids: [...known.playlists, ...known.playlists, ...known.ids] };
  const playlistIds = fc.constantFrom(...known.playlists);
  const hugeVersion = fc.constantFrom('1e308', '1e309', '-1', '9007199254740993', '1.5').map((n) => new RawJson(n));
  return fc.oneof(
    { weight: 4, arbitrary: hostile(schema, aimed).map(toJson) },
    { weight: 3, arbitrary: valid(schema, aimed).map(toJson) },
    // Well-formed frames for real playlists with hostile versions and op ids: these reach the database.
    {
      weight: 3,
      arbitrary: fc
        .record({
          type: fc.constantFrom('subscribe', 'edit'),
          playlist_id: playlistIds,
          version: fc.oneof({ weight: 1, arbitrary: hugeVersion }, { weight: 3, arbitrary: fc.nat({ max: 20 }) }),
          client_op_id: fc.oneof(fc.string({ minLength: 1, maxLength: 10 }), fc.constantFrom('a\u0000b', '\ud800')),
          edits: hostile((schema.anyOf as Schema[])[3]?.properties?.edits, known),
        })
        .map(toJson),
    },
    { weight: 1, arbitrary: anyJson.map(toJson) },
    { weight: 1, arbitrary: fc.string({ maxLength: 50 }) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 32 }).map((b) => Buffer.from(b)) },
  );
}

class FuzzSocket {
  private ws: WebSocket | undefined;
  private pending: ((frame: Record<string, unknown> | { closed: number }) => void) | undefined;

  constructor(
    private readonly url: string,
    private readonly stats: LiveStats,
  ) {}

  private async open(): Promise<WebSocket> {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) return this.ws;
    const ws = new WebSocket(this.url);
    await new Promise<void>((resolve, reject) => {
      ws.on('error', reject);
      ws.on('message', (data) => {
        const frame = JSON.parse(data.toString()) as Record<string, unknown>;
        if (frame.type === 'welcome') return resolve();
        if (typeof frame.type === 'string' && FINAL.has(frame.type)) this.pending?.(frame);
      });
    });
    ws.on('close', (code) => this.pending?.({ closed: code }));
    this.ws = ws;
    return ws;
  }

  /** Sends one frame and records what came back. */
  async exchange(frame: string | Buffer): Promise<void> {
    const ws = await this.open();
    const shown = typeof frame === 'string' ? frame.slice(0, 300) : `<binary ${frame.length} bytes>`;
    const answer = await new Promise<Record<string, unknown> | { closed: number } | 'silence'>((resolve) => {
      const timer = setTimeout(() => resolve('silence'), 10_000);
      this.pending = (f) => {
        clearTimeout(timer);
        resolve(f);
      };
      ws.send(frame, { binary: typeof frame !== 'string' });
    });
    this.pending = undefined;
    this.stats.tried++;
    if (answer === 'silence') {
      this.stats.failures.push({ frame: shown, problem: 'no answer within 10 s' });
      ws.terminate();
      return;
    }
    if ('closed' in answer) {
      this.count(`close ${answer.closed}`);
      if (answer.closed !== 1008)
        this.stats.failures.push({ frame: shown, problem: `socket closed with ${answer.closed}` });
      return;
    }
    const status = typeof answer.status === 'number' ? answer.status : undefined;
    this.count(`${answer.type}${status ? ` ${status}` : ''}`);
    if (status !== undefined && status >= 500)
      this.stats.failures.push({ frame: shown, problem: JSON.stringify(answer) });
  }

  private count(key: string) {
    this.stats.answers.set(key, (this.stats.answers.get(key) ?? 0) + 1);
  }

  close() {
    this.ws?.close();
  }
}

/** Fuzzes the gateway from one socket per account until `count` frames are answered or `deadline`. */
export async function fuzzLive(
  target: FuzzTarget,
  options: { count: number; deadline: number; seed: number },
): Promise<LiveStats> {
  const stats: LiveStats = { tried: 0, failures: [], answers: new Map() };
  const base = `${target.server.url.replace(/^http/, 'ws')}/v1/live?access_token=`;
  const callers = Object.values(target.tokens);
  const arb = frames(target.known);
  await Promise.all(
    callers.map(async (token, n) => {
      const socket = new FuzzSocket(base + token, stats);
      try {
        for (let round = 0; stats.tried < options.count && Date.now() < options.deadline; round++) {
          for (const frame of fc.sample(arb, { numRuns: 40, seed: options.seed + n * 104729 + round })) {
            if (stats.tried >= options.count || Date.now() >= options.deadline) break;
            const started = Date.now();
            await socket.exchange(frame);
            const wait = 1000 / FRAMES_PER_SECOND - (Date.now() - started);
            if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          }
        }
      } finally {
        socket.close();
      }
    }),
  );
  return stats;
}

import type { FastifyBaseLogger } from 'fastify';
import { DomainError } from '../../core/errors.js';
import type { JamService } from '../../core/jam/jam-service.js';
import { topics, type Unsubscribe } from '../../ports/event-bus.js';
import { statusOf } from '../errors.js';

/** What the jam topic carries (see JamService). */
type JamMessage =
  | { type: 'jam.state'; jam: { id: string; version: number; members: { id: string }[] }; server_ms: number }
  | { type: 'jam.playback'; jam_id: string; version: number; playback: unknown; server_ms: number }
  | { type: 'jam.ended'; jam_id: string; reason: string; server_ms: number };

export interface JamSocketPorts {
  jams: Pick<JamService, 'memberState'>;
  /** Listens on a bus topic for this socket. */
  listen(topic: string, handler: (message: unknown) => void): Promise<Unsubscribe>;
  /** A direct answer to the client. */
  send(frame: unknown): void;
  /** Live traffic (dropped with the socket when the client cannot keep up). */
  push(frame: unknown): void;
  log: FastifyBaseLogger;
}

/**
 * One socket's Jam subscription (`jam.subscribe` / `jam.unsubscribe`): at most one at a time, as a
 * listener is in at most one Jam; subscribing again replaces it (a resume after a reconnect does the
 * same). A subscriber first gets the stored state as a `jam.state` frame, then `jam.subscribed`, then
 * every newer `jam.state` (versions only go up; an older one heard late is not forwarded). A state
 * that no longer lists the listener (they left, from this socket or another) ends the subscription
 * with `{type:'jam.unsubscribed', jam_id, reason:'left'}`; `jam.ended` ends it too.
 *
 * A `compact` subscriber gets a change of the host's playback alone as the small `jam.playback`
 * `{jam_id, version, playback, server_ms}` instead of the whole Jam (whose member list makes it tens
 * of kilobytes in a big Jam); every other change still comes as `jam.state`.
 */
export class JamSubscriptions {
  private current: JamSubscription | undefined;

  constructor(
    private readonly userId: string,
    private readonly ports: JamSocketPorts,
  ) {}

  async subscribe(jamId: string, compact: boolean): Promise<void> {
    const previous = this.current;
    const next = new JamSubscription(jamId, this.userId, compact, this.ports, () => {
      if (this.current === next) this.current = undefined;
    });
    this.current = next;
    await previous?.close();
    await next.start();
  }

  async unsubscribe(jamId: string): Promise<void> {
    if (this.current?.jamId === jamId) {
      const subscription = this.current;
      this.current = undefined;
      await subscription.close();
    }
    this.ports.send({ type: 'jam.unsubscribed', jam_id: jamId, reason: 'asked' });
  }

  async close(): Promise<void> {
    const subscription = this.current;
    this.current = undefined;
    await subscription?.close();
  }
}

class JamSubscription {
  private version = 0;
  /** Messages heard while the stored state is read; null once they flow. */
  private held: JamMessage[] | null = [];
  private unsubscribe: Unsubscribe | undefined;
  private closed = false;

  constructor(
    readonly jamId: string,
    private readonly userId: string,
    private readonly compact: boolean,
    private readonly ports: JamSocketPorts,
    private readonly ended: () => void,
  ) {}

  /** Listens first, then reads the stored state, so no change falls between the two. */
  async start(): Promise<void> {
    const unsubscribe = await this.ports.listen(topics.jam(this.jamId), (m) => this.receive(m as JamMessage));
    if (this.closed) return unsubscribe();
    this.unsubscribe = unsubscribe;
    let state: Awaited<ReturnType<JamService['memberState']>>;
    try {
      state = await this.ports.jams.memberState(this.jamId, this.userId);
    } catch (err) {
      await this.finish();
      if (!(err instanceof DomainError)) throw err;
      this.ports.send({ type: 'error', jam_id: this.jamId, status: statusOf(err), message: err.message });
      return;
    }
    if (this.closed) return;
    this.version = state.version;
    this.ports.send(state.frame);
    this.ports.send({ type: 'jam.subscribed', jam_id: this.jamId, version: state.version });
    const held = this.held ?? [];
    this.held = null;
    for (const m of held) this.forward(m);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.held = null;
    const unsubscribe = this.unsubscribe;
    this.unsubscribe = undefined;
    await unsubscribe?.();
  }

  private receive(message: JamMessage): void {
    if (this.closed) return;
    if (this.held) this.held.push(message);
    else this.forward(message);
  }

  private forward(m: JamMessage): void {
    if (this.closed) return;
    if (m.type === 'jam.ended') {
      this.ports.push(m);
      void this.finish();
      return;
    }
    if (m.type === 'jam.playback') {
      // The same change follows as jam.state, for subscribers that are not compact.
      if (!this.compact || m.version <= this.version) return;
      this.version = m.version;
      this.ports.push(m);
      return;
    }
    if (m.type !== 'jam.state' || m.jam.version <= this.version) return;
    if (!m.jam.members.some((member) => member.id === this.userId)) {
      this.ports.send({ type: 'jam.unsubscribed', jam_id: this.jamId, reason: 'left' });
      void this.finish();
      return;
    }
    this.version = m.jam.version;
    this.ports.push(m);
  }

  private async finish(): Promise<void> {
    this.ended();
    await this.close();
  }
}

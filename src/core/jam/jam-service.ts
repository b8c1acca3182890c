import { randomInt } from 'node:crypto';
import { type EventBus, topics } from '../../ports/event-bus.js';
import { Conflict, DomainError, Forbidden, Invalid, NotFound } from '../errors.js';
import { newId } from '../ids.js';
import { serverMs } from '../player/ledger.js';
import type { HostOnlyOutcome, Jam, JamPreview, JamRepository, JamSettings, PlayerChange } from './types.js';

/** Join codes: no 0/O, 1/I/L, so a code read aloud or off a screen is typed right. */
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const CODE_LENGTH = 6;
/**
 * Entries the shared queue holds at most. Only what members added counts against it: the rest of the
 * host's context (the initial queue, then what the host's player plays next) fills what is left.
 */
export const MAX_QUEUE = 200;

/** Starting a Jam is for premium accounts, as on Spotify; the REST answer carries this reason. */
export class PremiumRequired extends Forbidden {
  readonly reason = 'PREMIUM_REQUIRED';
}

/** The listener's player as the Jam reads it; `enqueue` puts tracks next in line on the host's player. */
export interface PlayerPort {
  current(userId: string): Promise<PlayerChange | undefined>;
  enqueue?(userId: string, trackIds: string[]): Promise<void>;
}

/** `jam.state`, published on the Jam's topic after every change; `server_ms` is when it was made. */
export interface JamStateFrame {
  type: 'jam.state';
  jam: { playback: unknown };
  server_ms: number;
}

/** Maps a Jam to the object clients receive (the HTTP shape, with track objects). */
export type JamPresenter = (jam: Jam) => Promise<{ playback: unknown }>;

export interface JamServiceOptions {
  repo: JamRepository;
  bus: EventBus;
  /** Which of these track ids exist (and may be played). */
  knownTracks(ids: string[]): Promise<Set<string>>;
  present: JamPresenter;
  /** Server time, epoch ms with a fraction (the same clock as the gateway's `time` frames). */
  now?: () => number;
  onPublishError?: (err: unknown) => void;
}

/** The server clock of Connect's `time` frames and report stamps (one clock for both, see ledger.ts). */
export const serverNow = serverMs;

/**
 * Jam sessions. A Jam's state lives in the database (jams, jam_members, jam_queue); every change bumps
 * its version and publishes `{type:'jam.state', jam, server_ms}` on `topics.jam(id)` (or `jam.ended`),
 * where members' sockets listen. A lost message costs nothing: the next one, or GET /v1/me/jam, carries
 * the whole state.
 *
 * Rules chosen here:
 * - a listener is in at most one open Jam: starting or joining another while in one is refused (409);
 *   leave first. Joining the Jam one is already in answers it again.
 * - `anyone_with_link: false` (the default) admits only listeners the host follows.
 * - the host's player drives playback (`playerChanged`, fed by the player service's changes).
 * - the queue is Spotify's, as the host's player plays it: tracks members added (in the order added),
 *   then the rest of the host's context, which follows the host's player. Adding also puts the tracks
 *   on the host's player queue; when the host's track becomes an added one, that entry leaves.
 */
export class JamService {
  private readonly now: () => number;
  private player: PlayerPort | undefined;
  /** Per listener, the last player change being applied (see playerChanged). */
  private readonly hostChanges = new Map<string, Promise<void>>();

  constructor(private readonly options: JamServiceOptions) {
    this.now = options.now ?? serverNow;
  }

  /** Connects the host's player: its state seeds new Jams, and its queue takes tracks added to the Jam. */
  connectPlayer(player: PlayerPort): void {
    this.player = player;
  }

  async start(host: { id: string; product: string }, settings: Partial<JamSettings>): Promise<Jam> {
    if (host.product !== 'premium') throw new PremiumRequired('Starting a Jam requires a premium account');
    const player = await this.player?.current(host.id);
    const queue = (player?.upNext ?? []).slice(0, MAX_QUEUE);
    const base = {
      id: newId(),
      hostId: host.id,
      settings: {
        anyoneWithLink: settings.anyoneWithLink ?? false,
        guestsCanAdd: settings.guestsCanAdd ?? true,
        onHostLeave: settings.onHostLeave ?? 'hand_off',
      },
      playback: {
        trackId: player?.trackId ?? null,
        durationMs: player?.durationMs ?? 0,
        positionMs: player?.positionMs ?? 0,
        atServerMs: player?.atServerMs ?? this.now(),
        isPlaying: player?.isPlaying ?? false,
      },
      playerVersion: player?.version ?? 0,
      queue,
    };
    for (let attempt = 0; attempt < 10; attempt++) {
      const outcome = await this.options.repo.create({ ...base, code: newCode() });
      if (outcome === 'already_in_one') throw new Conflict('you are already in a Jam; leave it before starting one');
      if (outcome === 'created') return this.mustGet(base.id);
    }
    throw new Conflict('could not find a free Jam code; try again');
  }

  /** The open Jam the listener is in. */
  async current(userId: string): Promise<Jam | undefined> {
    const id = await this.options.repo.idOfMember(userId);
    return id ? this.options.repo.get(id) : undefined;
  }

  async preview(code: string, userId: string): Promise<JamPreview> {
    const jam = await this.byCode(code);
    const host = jam.members.find((m) => m.id === jam.hostId);
    return {
      id: jam.id,
      code: jam.code,
      host: { id: jam.hostId, displayName: host?.displayName ?? '' },
      memberCount: jam.members.length,
      canJoin: await this.mayJoin(jam, userId),
    };
  }

  async join(code: string, userId: string): Promise<Jam> {
    const jam = await this.byCode(code);
    if (!jam.members.some((m) => m.id === userId)) {
      if (!(await this.mayJoin(jam, userId))) {
        throw new Forbidden('this Jam is open only to listeners its host follows');
      }
      const outcome = await this.options.repo.join(jam.id, userId);
      if (outcome === 'gone') throw new NotFound('Jam not found or ended');
      if (outcome === 'already_in_one') throw new Conflict('you are already in another Jam; leave it first');
      if (outcome === 'joined') await this.publish(jam.id);
    }
    return this.mustGet(jam.id);
  }

  async leave(jamId: string, userId: string): Promise<void> {
    const left = await this.options.repo.leave(jamId, userId);
    if (!left) throw new NotFound('you are not in this Jam');
    if (left.ended) await this.publishEnded(jamId, 'host_left');
    else await this.publish(jamId);
  }

  async end(jamId: string, userId: string): Promise<void> {
    await this.asHost(jamId, userId, 'end the Jam');
    hostOnly(await this.options.repo.end(jamId, userId), 'end the Jam');
    await this.publishEnded(jamId, 'ended_by_host');
  }

  async updateSettings(jamId: string, userId: string, settings: Partial<JamSettings>): Promise<Jam> {
    await this.asHost(jamId, userId, 'change its settings');
    hostOnly(await this.options.repo.updateSettings(jamId, userId, settings), 'change its settings');
    await this.publish(jamId);
    return this.mustGet(jamId);
  }

  async enqueue(jamId: string, userId: string, trackIds: string[]): Promise<Jam> {
    const jam = await this.asMember(jamId, userId);
    if (!jam.settings.guestsCanAdd && jam.hostId !== userId) {
      throw new Forbidden('the host of this Jam has turned off adding to the queue');
    }
    const known = await this.options.knownTracks(trackIds);
    const missing = trackIds.findIndex((id) => !known.has(id));
    if (missing >= 0) throw new Invalid(`uris[${missing}]: track ${trackIds[missing]} not found`, `uris[${missing}]`);
    // Checked again under the Jam's lock: the settings or the host may have changed meanwhile.
    const outcome = await this.options.repo.enqueue(jamId, trackIds, userId, MAX_QUEUE);
    if (outcome === 'gone') throw new NotFound('Jam not found or ended');
    if (outcome === 'restricted') throw new Forbidden('the host of this Jam has turned off adding to the queue');
    if (outcome === 'full') throw new Invalid(`the Jam's queue holds at most ${MAX_QUEUE} added tracks`, 'uris');
    // The Jam's queue is saved either way. With no active device (a domain refusal) the host's player
    // has no queue to add to; the host's next report then keeps the added entries first.
    await this.player?.enqueue?.(jam.hostId, trackIds).catch((err) => {
      if (!(err instanceof DomainError)) this.options.onPublishError?.(err);
    });
    await this.publish(jamId);
    return this.mustGet(jamId);
  }

  /** The stored Jam as a `jam.state` frame, for a member's live subscription; refused for anyone else. */
  async memberState(jamId: string, userId: string): Promise<{ version: number; frame: JamStateFrame }> {
    const jam = await this.asMember(jamId, userId);
    return { version: jam.version, frame: await this.stateFrame(jam) };
  }

  /**
   * A change of a listener's player: when that listener hosts a Jam, it drives the Jam. One listener's
   * changes are applied one after the other here; across processes (and when listeners were called out
   * of order) the repository keeps only a change newer than the one stored.
   */
  playerChanged(userId: string, change: PlayerChange): Promise<void> {
    const previous = this.hostChanges.get(userId) ?? Promise.resolve();
    const applied = previous.then(async () => {
      const { upNext, ...playback } = change;
      // Twice the cap: the added entries waiting on the host's player come out of it, and what is
      // left still fills the queue.
      const played = await this.options.repo.hostPlayed(userId, playback, upNext.slice(0, 2 * MAX_QUEUE), MAX_QUEUE);
      if (played) await this.publish(played.jamId, !played.queueChanged);
    });
    const settled = applied.catch((err) => this.options.onPublishError?.(err));
    this.hostChanges.set(userId, settled);
    void settled.then(() => {
      if (this.hostChanges.get(userId) === settled) this.hostChanges.delete(userId);
    });
    return applied;
  }

  private async byCode(code: string): Promise<Jam> {
    const normal = code.toUpperCase();
    if (normal.length !== CODE_LENGTH || [...normal].some((c) => !CODE_ALPHABET.includes(c))) {
      throw new NotFound('Jam not found or ended');
    }
    const id = await this.options.repo.idByCode(normal);
    const jam = id ? await this.options.repo.get(id) : undefined;
    if (!jam) throw new NotFound('Jam not found or ended');
    return jam;
  }

  private async mayJoin(jam: Jam, userId: string): Promise<boolean> {
    if (jam.settings.anyoneWithLink || jam.hostId === userId || jam.members.some((m) => m.id === userId)) return true;
    return this.options.repo.follows(jam.hostId, userId);
  }

  /** The Jam when the listener is in it; a Jam one is not in is "not found", as an ended one is. */
  private async asMember(jamId: string, userId: string): Promise<Jam> {
    const jam = await this.options.repo.get(jamId);
    if (!jam) throw new NotFound('Jam not found or ended');
    if (!jam.members.some((m) => m.id === userId)) throw new Forbidden('you are not in this Jam');
    return jam;
  }

  private async asHost(jamId: string, userId: string, what: string): Promise<Jam> {
    const jam = await this.asMember(jamId, userId);
    if (jam.hostId !== userId) throw new Forbidden(`only the host may ${what}`);
    return jam;
  }

  private async mustGet(id: string): Promise<Jam> {
    const jam = await this.options.repo.get(id);
    if (!jam) throw new NotFound('Jam not found or ended');
    return jam;
  }

  /**
   * Publishes the stored state; a failure is reported, not thrown: the change itself is saved. A change
   * of the host's playback alone goes out twice: first as the small `jam.playback` (for compact
   * subscribers), then as `jam.state` with the same version (for the others).
   */
  private async publish(jamId: string, playbackOnly = false): Promise<void> {
    try {
      const jam = await this.options.repo.get(jamId);
      if (!jam) return;
      const frame = await this.stateFrame(jam);
      if (playbackOnly) {
        await this.options.bus.publish(topics.jam(jamId), {
          type: 'jam.playback',
          jam_id: jamId,
          version: jam.version,
          playback: frame.jam.playback,
          server_ms: frame.server_ms,
        });
      }
      await this.options.bus.publish(topics.jam(jamId), frame);
    } catch (err) {
      this.options.onPublishError?.(err);
    }
  }

  private async stateFrame(jam: Jam): Promise<JamStateFrame> {
    return { type: 'jam.state', jam: await this.options.present(jam), server_ms: this.now() };
  }

  private async publishEnded(jamId: string, reason: 'ended_by_host' | 'host_left'): Promise<void> {
    const message = { type: 'jam.ended', jam_id: jamId, reason, server_ms: this.now() };
    await this.options.bus.publish(topics.jam(jamId), message).catch((err) => this.options.onPublishError?.(err));
  }
}

/** Throws for a host-only change the repository refused under the Jam's lock. */
function hostOnly(outcome: HostOnlyOutcome, what: string): void {
  if (outcome === 'gone') throw new NotFound('Jam not found or ended');
  if (outcome === 'not_host') throw new Forbidden(`only the host may ${what}`);
}

function newCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

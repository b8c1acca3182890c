/** Jam: a group session whose members' players follow the host's playback and share one queue. */

export type OnHostLeave = 'hand_off' | 'end';

export interface JamSettings {
  /** False: only listeners the host follows may join. True: any signed-in listener with the code. */
  anyoneWithLink: boolean;
  /** False: only the host adds to the shared queue. */
  guestsCanAdd: boolean;
  /** What the host leaving does: hand the Jam to the member present longest, or end it. */
  onHostLeave: OnHostLeave;
}

/** The host's playback as the Jam keeps it: `positionMs` held at server time `atServerMs` (epoch ms). */
export interface JamPlayback {
  trackId: string | null;
  durationMs: number;
  positionMs: number;
  atServerMs: number;
  isPlaying: boolean;
}

export interface JamMember {
  id: string;
  displayName: string;
  joinedAt: Date;
}

/** A queue entry: added by a member, or the rest of the host's context (`addedBy` null). */
export interface JamQueueEntry {
  trackId: string;
  addedBy: string | null;
}

/** An open Jam as stored: members in order of arrival (the host among them), the queue in play order. */
export interface Jam {
  id: string;
  code: string;
  hostId: string;
  settings: JamSettings;
  playback: JamPlayback;
  /** Counts every change of the Jam (playback, members, queue, settings); clients keep the highest. */
  version: number;
  members: JamMember[];
  queue: JamQueueEntry[];
  createdAt: Date;
}

/** What the join screen shows before joining. */
export interface JamPreview {
  id: string;
  code: string;
  host: { id: string; displayName: string };
  memberCount: number;
  canJoin: boolean;
}

/** One change of a listener's player as the Jam needs it (fed from the player service). */
export interface PlayerChange extends JamPlayback {
  /** The version of the player state this change comes from (it grows with every change). */
  version: number;
  /** What the listener's player will play after the current track, in order. */
  upNext: string[];
}

/** A host's player change as the Jam stores it: `version` orders changes, `upNext` may be longer than fits. */
export interface HostPlayback extends JamPlayback {
  version: number;
}

export interface NewJam {
  id: string;
  code: string;
  hostId: string;
  settings: JamSettings;
  playback: JamPlayback;
  /** The version of the host's player state the playback comes from (0: none). */
  playerVersion: number;
  queue: string[];
}

/** What adding to a Jam's queue came to; see JamRepository.enqueue. */
export type EnqueueOutcome = 'added' | 'gone' | 'restricted' | 'full';

/** What a host-only change came to: done, the Jam is not open, or the caller does not host it. */
export type HostOnlyOutcome = 'done' | 'gone' | 'not_host';

export interface JamRepository {
  /** Stores a new Jam with its host as first member, unless the code is taken or the host is in a Jam. */
  create(jam: NewJam): Promise<'created' | 'code_taken' | 'already_in_one'>;
  /** The open Jam, or undefined when there is none or it has ended. */
  get(id: string): Promise<Jam | undefined>;
  /** The open Jam's id with that code. */
  idByCode(code: string): Promise<string | undefined>;
  /** The open Jam the listener is in. */
  idOfMember(userId: string): Promise<string | undefined>;
  /** Adds a member; 'already_in_one' when the listener is in another open Jam, 'gone' when it ended. */
  join(jamId: string, userId: string): Promise<'joined' | 'member' | 'already_in_one' | 'gone'>;
  /**
   * Takes a member out. A host leaving hands the Jam to the member present longest or ends it, as
   * `onHostLeave` says (ends it anyway when no one else is in it). Undefined when not a member.
   */
  leave(jamId: string, userId: string): Promise<{ ended: boolean } | undefined>;
  /**
   * Ends an open Jam (no members, no queue) when `hostId` hosts it, checked under the Jam's lock, so a
   * hand-off that just happened is seen.
   */
  end(jamId: string, hostId: string): Promise<HostOnlyOutcome>;
  /** Changes the settings when `hostId` hosts the Jam, checked under the Jam's lock. */
  updateSettings(jamId: string, hostId: string, settings: Partial<JamSettings>): Promise<HostOnlyOutcome>;
  /**
   * Adds tracks after those members added, under the Jam's lock: 'restricted' when only the host may
   * add and `addedBy` does not host it; 'full' when the added entries would exceed `maxQueue`. The rest
   * of the host's context is cut so the whole queue keeps at most `maxQueue` entries.
   */
  enqueue(jamId: string, trackIds: string[], addedBy: string, maxQueue: number): Promise<EnqueueOutcome>;
  /**
   * Records the host's playback in the Jam it hosts (if any), unless the Jam already holds a change
   * of the host's player as new (`playback.version`): when the track changed to one members added, its
   * first entry leaves the queue; the context part of the queue becomes what the host's player plays
   * next (`upNext`) less the added entries still waiting, cut to fit `maxQueue` with them. The Jam's
   * id when it was applied, and whether its queue changed. A listener hosting no Jam costs one indexed
   * read, no transaction.
   */
  hostPlayed(
    hostId: string,
    playback: HostPlayback,
    upNext: string[],
    maxQueue: number,
  ): Promise<{ jamId: string; queueChanged: boolean } | undefined>;
  /** Whether `followerId` follows `userId` (the rule for Jams not open to anyone with the link). */
  follows(followerId: string, userId: string): Promise<boolean>;
}

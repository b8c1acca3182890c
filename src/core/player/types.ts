import { Forbidden, NotFound } from '../errors.js';

/** Spotify's device types; a device registers as one of them. */
export const DEVICE_TYPES = [
  'Computer',
  'Smartphone',
  'Tablet',
  'Speaker',
  'TV',
  'AVR',
  'STB',
  'AudioDongle',
  'GameConsole',
  'CastVideo',
  'CastAudio',
  'Automobile',
  'Unknown',
] as const;
export type DeviceType = (typeof DEVICE_TYPES)[number];

export const REPEAT_STATES = ['off', 'track', 'context'] as const;
export type RepeatState = (typeof REPEAT_STATES)[number];

export const DEVICE_NAME_MAX = 64;

/** The longest queue kept per listener: a longer context is cut here. */
export const MAX_QUEUE = 1000;

export interface DeviceInput {
  id: string;
  name: string;
  type: DeviceType;
  volumePercent: number | null;
  supportsVolume: boolean;
}

export interface Device extends DeviceInput {
  connectedAt: Date;
  seenAt: Date;
}

/** A device as listeners see it. */
export interface DeviceView extends Device {
  isActive: boolean;
  isPrivateSession: boolean;
}

/** One listener's stored playback. Times are UTC epoch milliseconds. */
export interface PlayerState {
  version: number;
  activeDeviceId: string | null;
  isPlaying: boolean;
  trackId: string | null;
  /** Progress held at `progressAt`; see `progressAt()` for the position now. */
  progressMs: number;
  progressAt: number;
  durationMs: number;
  contextUri: string | null;
  queue: string[];
  queueIndex: number;
  queueInsertAt: number | null;
  shuffle: boolean;
  repeat: RepeatState;
  volumePercent: number;
  /**
   * The version of the last change that sent the active device a command (0: none since it became
   * active). Its reports count only once it says it applied that command (see PlayerReport).
   */
  commandVersion: number;
  updatedAt: number;
}

/** Everything but the version and update time, which the repository keeps. */
export type StateChange = Omit<PlayerState, 'version' | 'updatedAt'>;

/** A change to store; `commanded`: it sends the active device a command, so `commandVersion` becomes the new version. */
export type StoredChange = StateChange & { commanded?: boolean };

export const EMPTY_STATE: StateChange = {
  activeDeviceId: null,
  isPlaying: false,
  trackId: null,
  progressMs: 0,
  progressAt: 0,
  durationMs: 0,
  contextUri: null,
  queue: [],
  queueIndex: 0,
  queueInsertAt: null,
  shuffle: false,
  repeat: 'off',
  volumePercent: 100,
  commandVersion: 0,
};

/** The position at `now`: held progress plus the time since, while playing, capped at the duration. */
export function progressAt(
  state: Pick<PlayerState, 'progressMs' | 'progressAt' | 'isPlaying' | 'durationMs'>,
  now: number,
) {
  const moved = state.isPlaying ? Math.max(0, now - state.progressAt) : 0;
  const at = state.progressMs + moved;
  return state.durationMs > 0 ? Math.min(at, state.durationMs) : at;
}

/** What a device is told to do (`player.command` frames). */
export type PlayerCommand =
  | {
      kind: 'load';
      track_ids: string[];
      index: number;
      position_ms: number;
      play: boolean;
      context_uri: string | null;
      /** Set when the stored state is restored on the device (a refused report): its settings too. */
      shuffle?: boolean;
      repeat?: RepeatState;
      volume_percent?: number;
    }
  | { kind: 'pause' }
  | { kind: 'resume' }
  | { kind: 'next' }
  | { kind: 'previous' }
  | { kind: 'seek'; position_ms: number }
  | { kind: 'volume'; volume_percent: number }
  | { kind: 'shuffle'; state: boolean }
  | { kind: 'repeat'; state: RepeatState }
  /** `offset`: where the tracks go, counted from the current one (1 = right after it). */
  | { kind: 'enqueue'; track_ids: string[]; offset: number }
  | { kind: 'stop' };

/** What a device says it is doing (`player.report` frames). */
export interface PlayerReport {
  deviceId: string;
  trackId: string | null;
  positionMs: number;
  durationMs: number;
  isPlaying: boolean;
  queue: string[];
  queueIndex: number;
  contextUri: string | null;
  shuffle: boolean;
  repeat: RepeatState;
  volumePercent: number;
  /** Pressed play on the device itself while nothing else plays: it becomes the active device. */
  claim: boolean;
  /**
   * The version of the last `player.command` the device applied. A report with an older one was made
   * before the device followed a command since sent, so it is refused (the device reports again once it
   * has). Absent (clients that do not track it): accepted as it is.
   */
  commandVersion?: number;
  /** Server time (epoch ms, `serverMs`) at which the report's frame arrived; absent: when it is handled. */
  arrivedMs?: number;
  /**
   * The device's own estimate of the server time at which `positionMs` held (from its clock offset);
   * believed within REPORT_LEAD_MS before the arrival, never after it.
   */
  atServerMs?: number;
}

/** How far before its arrival a report may say its position held (a device's estimate, clamped). */
export const REPORT_LEAD_MS = 2000;

/** The server time a report's position held at: the device's estimate, clamped to the arrival's last 2 s. */
export function reportedAt(report: Pick<PlayerReport, 'arrivedMs' | 'atServerMs'>, now: number): number {
  const arrived = report.arrivedMs ?? now;
  const claimed = report.atServerMs;
  if (claimed === undefined || !Number.isFinite(claimed)) return arrived;
  return Math.min(arrived, Math.max(arrived - REPORT_LEAD_MS, claimed));
}

/** What became of a report: stored (`stale` false), or refused as older than the last command sent. */
export interface ReportOutcome {
  version: number;
  stale: boolean;
  commandVersion: number;
  /**
   * For a stale report: the stored state as a load the device applies in place of the commands up to
   * `commandVersion` it may have missed (a lost message is recovered from the stored state).
   */
  stored?: PlayerCommand;
}

/** Spotify's "no active device" answer: 404 with reason NO_ACTIVE_DEVICE. */
export class NoActiveDevice extends NotFound {
  readonly reason = 'NO_ACTIVE_DEVICE';
  constructor() {
    super('Player command failed: No active device found');
  }
}

/** Spotify's answer to a volume command for a device without volume control. */
export class VolumeControlDisallowed extends Forbidden {
  readonly reason = 'VOLUME_CONTROL_DISALLOW';
  constructor() {
    super('Player command failed: Cannot control device volume');
  }
}

export interface PlayerRepository {
  /** Inserts or takes over the device for `connectionId`; seen now. */
  upsertDevice(userId: string, connectionId: string, device: DeviceInput): Promise<void>;
  /** Deletes the listener's devices unseen for `ageMs` (rows left by a process that died). */
  sweepDevices(userId: string, ageMs: number): Promise<void>;
  /** Refreshes seen_at; false when the device is no longer held by `connectionId`. */
  touchDevice(userId: string, connectionId: string, deviceId: string): Promise<boolean>;
  /** Deletes the device if `connectionId` still holds it; true when it did. */
  deleteDevice(userId: string, connectionId: string, deviceId: string): Promise<boolean>;
  /** Renames a present device; false when there is none by that id. */
  renameDevice(userId: string, deviceId: string, name: string, ttlMs: number): Promise<boolean>;
  setDeviceVolume(userId: string, deviceId: string, volumePercent: number): Promise<void>;
  /** Present devices (seen within `ttlMs`), oldest connection first. */
  devices(userId: string, ttlMs: number): Promise<Device[]>;
  /** The connection holding a present device, or undefined. */
  holder(
    userId: string,
    deviceId: string,
    ttlMs: number,
  ): Promise<{ device: Device; connectionId: string } | undefined>;
  state(userId: string): Promise<PlayerState | undefined>;
  /**
   * Reads the state under a row lock and writes what `change` returns (version + 1), or nothing when
   * it returns undefined; two updates at once (even the first ever) never lose one. Answers the state
   * after the call and whether it changed.
   */
  update(
    userId: string,
    change: (current: PlayerState | undefined) => StoredChange | undefined,
  ): Promise<{ state: PlayerState | undefined; changed: boolean }>;
}

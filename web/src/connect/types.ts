import type { PlayerCommand, RepeatState } from '../../../src/core/player/types.js';
/**
 * Connect's wire shapes (issue 17): the devices and playback state the server keeps per listener, the
 * commands it sends to the active device, and the frames a device sends back. Only the fields the web
 * player reads are typed.
 */
import type { Track } from '../api/types.js';

/** Spotify's device types; a browser is a "Computer". */
export type DeviceType =
  | 'Computer'
  | 'Smartphone'
  | 'Tablet'
  | 'Speaker'
  | 'TV'
  | 'AVR'
  | 'STB'
  | 'AudioDongle'
  | 'GameConsole'
  | 'CastVideo'
  | 'CastAudio'
  | 'Automobile'
  | 'Unknown';

/** One entry of `GET /v1/me/player/devices`. */
export interface Device {
  id: string;
  name: string;
  type: DeviceType;
  is_active: boolean;
  is_private_session: boolean;
  is_restricted: boolean;
  volume_percent: number | null;
  supports_volume: boolean;
}

export type SpotifyRepeat = RepeatState;

/** `GET /v1/me/player`: the listener's playback, wherever it happens. */
export interface Playback {
  device: Device;
  repeat_state: SpotifyRepeat;
  shuffle_state: boolean;
  context: { uri: string; type?: string } | null;
  /** When the state last changed (epoch ms); `progress_ms` is the position when the answer was made. */
  timestamp: number;
  progress_ms: number | null;
  is_playing: boolean;
  item: Track | null;
}

/** What a device is told to do: the server's own type (types only; nothing of the server is bundled). */
export type { PlayerCommand } from '../../../src/core/player/types.js';

/** Frames the server sends on every socket of the listener. */
export type ConnectFrame =
  | { type: 'player.devices'; devices: Device[] }
  | { type: 'player.state'; state: Playback | null; version: number; server_ms: number }
  | { type: 'player.command'; device_id: string; version: number; command: PlayerCommand }
  | { type: 'device.registered'; device_id: string }
  /**
   * A report made before this device followed the command of `command_version` was refused; `command`
   * loads the stored state, for a device that never heard that command.
   */
  | {
      type: 'player.stale';
      device_id: string;
      version: number;
      command_version: number;
      command?: Extract<PlayerCommand, { kind: 'load' }>;
    }
  | { type: 'time'; client_ms: number; server_ms: number }
  /** Another tab of this browser profile registered this device id: it plays there now, not here. */
  | { type: 'device.replaced'; device_id: string };

/** What the active device says it plays (`player.report`), after every change and every 10 s while playing. */
export interface PlayerReport {
  type: 'player.report';
  device_id: string;
  track_id: string | null;
  position_ms: number;
  duration_ms: number;
  is_playing: boolean;
  queue: string[];
  queue_index: number;
  context_uri: string | null;
  shuffle: boolean;
  repeat: SpotifyRepeat;
  volume_percent: number;
  /** Play pressed on this device while no other device was active and playing: make it the active one. */
  claim?: boolean;
  /** The version of the last `player.command` this device applied (a report older than the last one sent is refused). */
  command_version?: number;
  /** This device's estimate of the server time (by its clock offset) at which `position_ms` held. */
  at_server_ms?: number;
}

import type { Track } from '../api/types.js';

/** The jam object of `/v1/me/jam`, `/v1/jams/…` and `jam.state` frames (src/http/routes/jam.ts). */
export interface Jam {
  id: string;
  code: string;
  /** `/jam/<code>`: the join link. */
  link: string;
  host: { id: string; display_name: string };
  members: JamMember[];
  /** What plays after the current track, shared by every member. */
  queue: (Track & { added_by: string | null })[];
  settings: JamSettings;
  playback: JamPlayback;
  /** Counts every change; a frame older than the Jam held is ignored. */
  version: number;
}

export interface JamMember {
  id: string;
  display_name: string;
  joined_at: string;
  is_host: boolean;
}

export interface JamSettings {
  anyone_with_link: boolean;
  guests_can_add: boolean;
  on_host_leave: 'hand_off' | 'end';
}

/** The host's playback: `position_ms` held at server time `server_ms` (epoch ms). */
export interface JamPlayback {
  track: Track | null;
  duration_ms: number;
  position_ms: number;
  is_playing: boolean;
  server_ms: number;
}

/** `GET /v1/jams/{code}`: what the join screen shows. */
export interface JamPreview {
  id: string;
  code: string;
  link: string;
  host: { id: string; display_name: string };
  member_count: number;
  can_join: boolean;
}

/** One reading of this page's audio, for comparing members (window.__cadenzaJam.sample()). */
export interface JamSample {
  /** Server time (epoch ms, by this page's estimate) of the instant read. */
  serverMs: number;
  /** The page's own clock (epoch ms) at that instant: pages of one machine share it, estimates aside. */
  pageMs: number;
  trackId: string | null;
  /** Position of the audio heard at that instant (ms), null when nothing is loaded. */
  positionMs: number | null;
  /** The audio is running (not paused or loading). */
  playing: boolean;
  /** The clock estimate used: server minus page time, and the round trip it came from. */
  offsetMs: number | null;
  rttMs: number | null;
}

declare global {
  interface Window {
    /** For tests: this page's Jam audio read at one instant (harmless otherwise; set by session.ts). */
    __cadenzaJam?: {
      sample(): JamSample;
      jam(): Jam | null;
      /** On the host: how far each position the server held for it was from its audio (ms, last 20). */
      heldErrors(): number[];
    };
  }
}

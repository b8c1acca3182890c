/**
 * Adaptive bitrate: which rung to fetch next, from buffer health and measured throughput.
 *
 * - Start at the highest rung the preference allows whose bitrate fits in `SAFETY` of the estimated
 *   throughput (the estimate survives between tracks).
 * - Step down as soon as the buffer falls under `LOW_BUFFER_S`, to the rung the throughput carries
 *   (the lower of the average and the latest download; at least one rung lower). While a track starts
 *   the buffer has not filled yet, and only a throughput that cannot carry the rung moves it down.
 * - Step down to what the throughput carries, whatever the buffer short of 30 s, when the network
 *   cannot sustain the rung: waiting for the buffer to fall under 5 s would mean a stall with 512 KB
 *   ranges on a slow link.
 * - Step up one rung when the buffer reached `HIGH_BUFFER_S` or more and the throughput carries the
 *   higher rung with the margin `UP_MARGIN`, no sooner than `HOLD_MS` after the last change. The gap
 *   between the two buffer levels, the margin and the hold keep it from oscillating.
 */

export interface AbrRung {
  quality: string;
  /** The file's real average bitrate: what throughput must carry. */
  kbps: number;
  /**
   * The rung's advertised bitrate (96 for vorbis_96), which the preference caps: a file that came out at
   * 100 kbps is still the 96 kbps rung. Defaults to `kbps`.
   */
  nominalKbps?: number;
}

export const LOW_BUFFER_S = 5;
export const HIGH_BUFFER_S = 30;
export const HOLD_MS = 10_000;
const SAFETY = 0.7;
const UP_MARGIN = 1.5;
/** Weight of the newest sample in the throughput average. */
const ALPHA = 0.3;

export class Abr {
  /** Estimated throughput in kbps; undefined until the first sample. */
  private estimate: number | undefined;
  private latest: number | undefined;
  private lastChange = Number.NEGATIVE_INFINITY;
  /** The buffer has been above the low mark since the rung was picked (so a low buffer means it fell). */
  private filled = false;

  /** `capKbps`: the listener's quality preference. */
  constructor(private capKbps: number) {}

  setCap(kbps: number): void {
    this.capKbps = kbps;
  }

  get throughputKbps(): number | undefined {
    return this.estimate;
  }

  /** A finished download; tiny ones say more about latency than bandwidth and are ignored. */
  sample(bytes: number, ms: number): void {
    if (bytes < 16 * 1024) return;
    const kbps = (bytes * 8) / Math.max(ms, 1);
    this.latest = kbps;
    this.estimate = this.estimate === undefined ? kbps : ALPHA * kbps + (1 - ALPHA) * this.estimate;
  }

  /** The rung to start a track on. */
  initial(rungs: readonly AbrRung[]): AbrRung {
    this.filled = false;
    return this.starting(rungs);
  }

  /** The rung a track would start on now, leaving the state of the track playing alone. */
  starting(rungs: readonly AbrRung[]): AbrRung {
    return this.fitting(rungs, this.estimate === undefined ? Number.POSITIVE_INFINITY : this.estimate * SAFETY);
  }

  /**
   * The rung for the next chunk, given the one in use, the seconds of audio buffered ahead now and
   * right after the last chunk landed (the buffer only reaches its peak between fetches).
   */
  next(rungs: readonly AbrRung[], current: AbrRung, buffer: { now: number; peak: number }, nowMs: number): AbrRung {
    const allowed = rungs.filter((r) => (r.nominalKbps ?? r.kbps) <= this.capKbps);
    const index = allowed.findIndex((r) => r.quality === current.quality);
    if (index === -1) return this.initial(rungs);
    let choice = current;
    // Going down, trust the slower of the average and the latest download.
    const carried = this.fitting(allowed, Math.min(this.estimate ?? 0, this.latest ?? 0) * SAFETY);
    if (buffer.now < LOW_BUFFER_S && index > 0 && (this.filled || carried.kbps < current.kbps)) {
      choice = carried.kbps < current.kbps ? carried : allowed[index - 1]!;
    } else if (buffer.now < HIGH_BUFFER_S && carried.kbps < current.kbps) {
      // The network cannot sustain this rung: go down before the buffer runs out.
      choice = carried;
    } else if (
      buffer.peak >= HIGH_BUFFER_S &&
      index < allowed.length - 1 &&
      nowMs - this.lastChange >= HOLD_MS &&
      this.estimate !== undefined &&
      this.estimate >= allowed[index + 1]!.kbps * UP_MARGIN
    ) {
      choice = allowed[index + 1]!;
    }
    if (choice.quality !== current.quality) {
      this.lastChange = nowMs;
      this.filled = false;
    } else if (buffer.now >= LOW_BUFFER_S) this.filled = true;
    return choice;
  }

  /** The highest rung within the cap whose bitrate is at most `kbps`, else the lowest. */
  private fitting(rungs: readonly AbrRung[], kbps: number): AbrRung {
    const allowed = rungs.filter((r) => (r.nominalKbps ?? r.kbps) <= this.capKbps);
    const pool = allowed.length > 0 ? allowed : rungs.slice(0, 1);
    let best = pool[0]!;
    for (const r of pool) if (r.kbps <= kbps) best = r;
    return best;
  }
}

/** The listener's quality preference as a bitrate cap (Spotify's low / normal / high / very high). */
export function preferenceKbps(preference: 'low' | 'normal' | 'high' | 'very_high'): number {
  return { low: 24, normal: 96, high: 160, very_high: 320 }[preference];
}

import type { Loudness } from '../../ports/transcoder.js';

/**
 * The quietest loudness we report. EBU R128's absolute gate is -70 LUFS, so an integrated value below it
 * means "nothing above the gate" (silence); true peaks below it are reported as the floor too, so every
 * value stays a finite number that fits a database column.
 */
export const LOUDNESS_FLOOR_DB = -70;

/** Highest true peak playback may reach after normalisation, leaving headroom for lossy decoders. */
export const TRUE_PEAK_CEILING_DBTP = -1;

/**
 * The gain (dB) that brings a track's integrated loudness to `targetLufs`, reduced when needed so that
 * the true peak after the gain stays at or below -1 dBTP. Rounded to 0.01 dB.
 *
 * A quiet track with a loud peak is therefore boosted less than the target asks (never clipped), and a
 * track already peaking above the ceiling is attenuated even when it is quieter than the target.
 */
export function normalizationGainDb(loudness: Loudness, targetLufs: number): number {
  const { integratedLufs, truePeakDbtp } = loudness;
  // No usable measurement: leave the track as it is rather than apply an arbitrary gain.
  if (!Number.isFinite(integratedLufs) || Number.isNaN(truePeakDbtp)) return 0;
  const toTarget = targetLufs - integratedLufs;
  const headroom = TRUE_PEAK_CEILING_DBTP - truePeakDbtp;
  const gain = Math.min(toTarget, headroom);
  const rounded = Math.round(gain * 100) / 100;
  // Math.round can yield -0, which Object.is (and strict assertions) tell apart from 0.
  return rounded === 0 ? 0 : rounded;
}

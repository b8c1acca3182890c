import { readFileSync } from 'node:fs';

/** Figures the benchmarks print. */

/** The `p` quantile (0–1) of `xs`, nearest rank; NaN when there are none. */
export const pct = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? Number.NaN;

/** The lower median of `xs`; NaN when there are none. */
export const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? Number.NaN;

/** A process's CPU time (user + system) so far, in ms, from /proc; NaN where /proc is missing. */
export function cpuMs(pid: number | undefined): number {
  try {
    // After the command name, which is in parentheses and may hold spaces. utime and stime are fields
    // 14 and 15 of stat, in USER_HZ ticks (100 per second on Linux).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

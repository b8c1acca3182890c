/** Seconds as people read them: "42 s", "3 min 05 s", "1 h 02 min". */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/**
 * A one-line progress bar on stderr: counts, rate and ETA. Silent when disabled (stderr is not a
 * terminal, or JSON output was asked for). The rate is over the last ten seconds, so the ETA follows a
 * scan that speeds up once it reaches files it has seen before.
 */
export class ProgressBar {
  private readonly started = Date.now();
  private lastDraw = 0;
  /** Recent (time, done) samples for the rate. */
  private samples: { at: number; done: number }[] = [];

  constructor(
    private readonly label: string,
    private readonly enabled: boolean,
    private readonly unit = 'files',
  ) {}

  /** Seconds since the bar was made. */
  elapsed(): number {
    return (Date.now() - this.started) / 1000;
  }

  update(done: number, total: number, force = false): void {
    if (!this.enabled) return;
    const now = Date.now();
    this.samples.push({ at: now, done });
    while (this.samples.length > 2 && now - this.samples[0]!.at > 10_000) this.samples.shift();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const width = 24;
    const fraction = total > 0 ? Math.min(1, done / total) : 1;
    const filled = Math.round(fraction * width);
    const first = this.samples[0]!;
    const window = (now - first.at) / 1000;
    const rate = window > 0.5 ? (done - first.done) / window : done / Math.max(0.001, (now - this.started) / 1000);
    const eta = rate > 0 && total > done ? duration((total - done) / rate) : '-';
    const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
    process.stderr.write(
      `\r${this.label} [${bar}] ${done}/${total} · ${rate.toFixed(0)} ${this.unit}/s · ETA ${eta}\u001b[K`,
    );
  }

  finish(done: number, total: number): void {
    if (!this.enabled) return;
    this.update(done, total, true);
    process.stderr.write('\n');
  }
}

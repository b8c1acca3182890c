/** A one-line progress bar on stderr: counts, rate and ETA. Silent when stderr is not a terminal unless forced. */
export class ProgressBar {
  private readonly started = Date.now();
  private lastDraw = 0;

  constructor(
    private readonly label: string,
    private readonly enabled: boolean,
  ) {}

  update(done: number, total: number, force = false): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const width = 24;
    const fraction = total > 0 ? Math.min(1, done / total) : 1;
    const filled = Math.round(fraction * width);
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const eta = rate > 0 && total > done ? `${Math.ceil((total - done) / rate)}s` : '-';
    const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
    process.stderr.write(`\r${this.label} [${bar}] ${done}/${total} · ${rate.toFixed(1)}/s · ETA ${eta}   `);
  }

  finish(done: number, total: number): void {
    if (!this.enabled) return;
    this.update(done, total, true);
    process.stderr.write('\n');
  }
}

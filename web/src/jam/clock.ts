/**
 * The server's clock seen from this page, estimated NTP-style: a `time` frame goes out with the
 * page's time, comes back with the server's, and the server's time is taken to be half way through
 * the round trip. The round trip with the least delay says the most (queueing only ever adds delay),
 * so of the recent probes the one with the smallest round trip wins.
 */

/** Probes kept: about a minute of them at one every few seconds. */
const KEEP = 16;

export interface ClockProbe {
  /** Page time (epoch ms) the probe left and came back at. */
  sentMs: number;
  receivedMs: number;
  /** Server time (epoch ms) it was answered at. */
  serverMs: number;
}

export class ClockOffset {
  private readonly probes: { rtt: number; offset: number }[] = [];

  /** Adds a probe; probes with an impossible round trip (negative) are dropped. */
  add({ sentMs, receivedMs, serverMs }: ClockProbe): void {
    const rtt = receivedMs - sentMs;
    if (!(rtt >= 0)) return;
    this.probes.push({ rtt, offset: serverMs - (sentMs + receivedMs) / 2 });
    if (this.probes.length > KEEP) this.probes.shift();
  }

  /** Server time minus page time (ms), from the quickest recent probe; undefined before the first. */
  get offsetMs(): number | undefined {
    return this.best()?.offset;
  }

  /** The quickest recent round trip: the estimate is off by at most half of it. */
  get rttMs(): number | undefined {
    return this.best()?.rtt;
  }

  get samples(): number {
    return this.probes.length;
  }

  private best() {
    let best: { rtt: number; offset: number } | undefined;
    for (const p of this.probes) if (!best || p.rtt < best.rtt) best = p;
    return best;
  }
}

/** The page's time as epoch ms, to the microsecond (Date.now() counts whole milliseconds). */
export const pageNow = (): number => performance.timeOrigin + performance.now();

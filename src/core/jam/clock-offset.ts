/**
 * NTP-style estimate of the server clock from a client (the web player, the Jam benchmark). A client
 * sends `{type:'time', client_ms}` and the gateway answers `{type:'time', client_ms, server_ms}` at
 * once. With the client's send time t0, the server's time ts and the client's receive time t1, the
 * offset (server − client) is ts − (t0 + t1) / 2, off by at most half the round trip (t1 − t0) when
 * the two legs take unequal time. Queueing only lengthens round trips, so the sample with the
 * shortest round trip is the one to trust: take a handful (say 8, a few tens of ms apart) and keep it.
 */

export interface TimeSample {
  /** Client clock when the request left (the frame's `client_ms`). */
  sentMs: number;
  /** Server clock in the answer (`server_ms`). */
  serverMs: number;
  /** Client clock when the answer arrived. */
  receivedMs: number;
}

export interface ClockOffset {
  /** Add to a client time to get the server's time; subtract from a server time to get the client's. */
  offsetMs: number;
  /** Round trip of the sample used; the estimate is within half of it. */
  rttMs: number;
}

/** The offset from one sample. */
export function sampleOffset(sample: TimeSample): ClockOffset {
  return {
    offsetMs: sample.serverMs - (sample.sentMs + sample.receivedMs) / 2,
    rttMs: sample.receivedMs - sample.sentMs,
  };
}

/** The estimate from the sample with the shortest round trip; undefined when there are none. */
export function estimateOffset(samples: readonly TimeSample[]): ClockOffset | undefined {
  let best: ClockOffset | undefined;
  for (const sample of samples) {
    const candidate = sampleOffset(sample);
    if (candidate.rttMs < 0) continue;
    if (!best || candidate.rttMs < best.rttMs) best = candidate;
  }
  return best;
}

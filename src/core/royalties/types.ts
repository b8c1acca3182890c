/** Royalties: money is bigint micro-units of the market's currency; shares are basis points (1/10000). */

export const ROYALTY_RUN_JOB = 'royalties.run';
export interface RoyaltyRunPayload {
  period: string;
  close: boolean;
}

export interface MarketPrice {
  market: string;
  period: string;
  premiumPriceMicros: bigint;
  payoutBp: number;
  adRevenueMicros: bigint;
}

export interface RightsHolder {
  id: string;
  name: string;
  userId: string | null;
}

export interface Split {
  holderId: string;
  shareBp: number;
}

/** One track's qualifying streams in one market and period, with the splits that apply to it. */
export interface TrackStreams {
  trackId: string;
  premiumStreams: number;
  freeStreams: number;
  /** Empty when the track has no splits: its money is unassigned. */
  splits: Split[];
}

export interface MarketInput {
  market: string;
  price: MarketPrice;
  /** Premium users attributed to this market for the period (each user to one market). */
  premiumUsers: number;
  tracks: TrackStreams[];
}

export interface StatementLine {
  market: string;
  trackId: string;
  /** null: the track has no splits; the amount is unassigned. */
  holderId: string | null;
  shareBp: number;
  premiumStreams: number;
  freeStreams: number;
  amountMicros: bigint;
}

export interface MarketResult {
  market: string;
  premiumUsers: number;
  premiumStreams: number;
  freeStreams: number;
  premiumPoolMicros: bigint;
  adPoolMicros: bigint;
  /** Paid to rights holders. */
  paidMicros: bigint;
  /** Shared to tracks without splits. */
  unassignedMicros: bigint;
  /** A pool with no streams at all to share it (paid + unassigned + unallocated = both pools). */
  unallocatedMicros: bigint;
}

export interface RunSummary {
  period: string;
  closed: boolean;
  /** True when a closed period was recomputed and matched its stored statements byte for byte. */
  verified: boolean;
  streams: number;
  poolMicros: bigint;
  paidMicros: bigint;
  unassignedMicros: bigint;
  unallocatedMicros: bigint;
  lines: number;
  digest: string;
  markets: MarketResult[];
}

export interface HolderStatementLine extends StatementLine {
  period: string;
  holderId: string;
  holderName: string;
  trackName: string | null;
}

/** Where a run's lines go: written in one transaction (commit) or only hashed (a closed period's rerun). */
export interface RunWriter {
  lines(lines: StatementLine[]): Promise<void>;
  commit(summary: RunSummary, close: boolean): Promise<void>;
  abort(): Promise<void>;
}

export interface RoyaltiesRepository {
  periodClosedAt(period: string): Promise<Date | null>;
  prices(period: string): Promise<MarketPrice[]>;
  setPrice(price: MarketPrice): Promise<void>;
  /** Premium users per market, each user counted once in the market of most of their premium streams. */
  premiumUsers(period: string): Promise<Map<string, number>>;
  /**
   * Streams per (market, track), ordered by market then track id (byte order), with each track's
   * splits: the current ones, or for a closed period the ones its stored lines were computed with.
   * Yields one market at a time so memory is bounded by the largest market.
   */
  marketTracks(
    period: string,
    splitsFrom: 'current' | 'stored',
  ): AsyncIterable<{ market: string; tracks: TrackStreams[] }>;
  storedDigest(period: string): Promise<string | null>;
  /** Starts writing a run; its commit fails if streams of the period arrived while it was read. */
  openRun(period: string): Promise<RunWriter>;
  addHolder(holder: RightsHolder): Promise<void>;
  /** The ids among these that name rights holders. */
  holdersExist(ids: string[]): Promise<string[]>;
  trackExists(trackId: string): Promise<boolean>;
  replaceSplits(trackId: string, splits: Split[]): Promise<void>;
  splits(trackId: string): Promise<Split[]>;
  /** Lines of one holder, of the holders linked to one account, or (no filter) of every holder. */
  statement(period: string, filter: { holderId?: string; userId?: string }): Promise<HolderStatementLine[]>;
  findUserId(username: string): Promise<string | null>;
  userExists(id: string): Promise<boolean>;
}

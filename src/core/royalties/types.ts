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

/**
 * A period's tracks with streams, numbered in byte order of their ids (the order of a run's lines),
 * with their splits in compressed rows: track i's are entries splitStart[i] to splitStart[i + 1] − 1,
 * holders numbered in byte order of their ids (holderIds) and listed in that order.
 */
export interface PeriodTracks {
  trackIds: string[];
  holderIds: string[];
  splitStart: Int32Array;
  splitHolder: Int32Array;
  splitBp: Int32Array;
}

/** One market's premium and free streams by track number (both 0: no streams in the market). */
export interface MarketCounts {
  market: string;
  premium: Float64Array;
  free: Float64Array;
}

export interface PeriodStreams {
  tracks: PeriodTracks;
  /** In byte order of the market code. */
  markets: MarketCounts[];
}

/** One market's statement lines as columns, in line order (track number, then holder number). */
export interface MarketLines {
  market: string;
  length: number;
  track: Int32Array;
  /** Holder number, or −1 for a track without splits (unassigned). */
  holder: Int32Array;
  shareBp: Int32Array;
  /** Exact integers below 2^53; `big` holds the amounts instead when a market's pool is larger. */
  amount: Float64Array;
  big: bigint[] | null;
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
  /** The run's tracks and the splits it pays with, before any market's lines. */
  tracks(tracks: PeriodTracks): Promise<void>;
  lines(tracks: PeriodTracks, counts: MarketCounts, lines: MarketLines): Promise<void>;
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
   * The period's streams per (market, track) from the tallies, with each track's splits: the current
   * ones, or for a closed period the ones its stored run was computed with.
   */
  periodStreams(period: string, splitsFrom: 'current' | 'stored'): Promise<PeriodStreams>;
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

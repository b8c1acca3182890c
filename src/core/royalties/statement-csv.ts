import type { HolderStatementLine } from './types.js';

export const STATEMENT_CSV_HEADER =
  'period,market,holder_id,holder_name,track_id,track_name,share_bp,premium_streams,free_streams,amount_micros';

/** RFC 4180 quoting: only fields with a comma, quote or line break are quoted. */
function field(value: string | null): string {
  const s = value ?? '';
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A rights holder's statement as CSV: a header, one row per (market, track), CRLF line ends. */
export function statementCsv(lines: readonly HolderStatementLine[]): string {
  const rows = lines.map((l) =>
    [
      l.period,
      l.market,
      field(l.holderId),
      field(l.holderName),
      field(l.trackId),
      field(l.trackName),
      l.shareBp,
      l.premiumStreams,
      l.freeStreams,
      l.amountMicros,
    ].join(','),
  );
  return `${[STATEMENT_CSV_HEADER, ...rows].join('\r\n')}\r\n`;
}

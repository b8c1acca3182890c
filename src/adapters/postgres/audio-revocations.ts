import type { RevocationChange, RevocationSource } from '../../core/streaming/revocations.js';
import type { DatabaseHandle } from './database.js';
import { listenFor } from './listen.js';

/** Migration 016 keeps `audio_revocations` and announces each change on this channel. */
const CHANNEL = 'cadenza_audio';
const PAYLOAD = /^(revoke|restore):([0-9A-Za-z]{22})$/;

/** Withdrawn tracks from PostgreSQL: the table for a full load, LISTEN on one connection for changes. */
export class PgRevocationSource implements RevocationSource {
  constructor(private readonly database: DatabaseHandle) {}

  async revoked(): Promise<string[]> {
    // Rows past the longest URL lifetime are pruned only when something is revoked; skip them here.
    const r = await this.database.pool.query<{ track_id: string }>(
      `select track_id from audio_revocations where revoked_at > now() - interval '25 hours'`,
    );
    return r.rows.map((row) => row.track_id);
  }

  subscribe(onChange: (change: RevocationChange) => void, onReset: () => void) {
    return listenFor(
      this.database.pool,
      CHANNEL,
      (payload) => {
        const m = PAYLOAD.exec(payload);
        if (m) onChange({ trackId: m[2]!, revoked: m[1] === 'revoke' });
      },
      onReset,
    );
  }
}

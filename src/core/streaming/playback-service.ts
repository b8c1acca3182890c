import type { User } from '../accounts/types.js';
import { Invalid, NotFound } from '../errors.js';
import { isId } from '../ids.js';
import { isQuality, rungFor } from '../ingest/ladder.js';
import { isAvailableIn } from '../markets.js';
import type { UrlSigner } from './signer.js';

export interface PlayableTrack {
  id: string;
  mediaVersion: string;
  availableMarkets: string[] | null;
  normalizationGainDb: number | null;
  files: { quality: string; mimeType: string; bitrate: number }[];
}

export interface PlaybackRepository {
  /** The track's ready media, when the track is ready and its album published; undefined otherwise. */
  playable(trackId: string): Promise<PlayableTrack | undefined>;
}

export interface PlaybackGrant {
  track_id: string;
  files: { quality: string; mime_type: string; bitrate: number; url: string; expires_at: string }[];
  normalization_gain_db: number;
}

/** Free listeners get up to 160 kbps; premium gets every rung, lossless included. */
export function mayPlay(user: Pick<User, 'product'>, quality: string): boolean {
  const rung = rungFor(quality);
  return !!rung && (user.product === 'premium' || !rung.premium);
}

/**
 * The decider: which qualities this listener may play right now, each as a signed URL the edge can
 * verify without a database. Unknown, unpublished and out-of-market tracks are the same NotFound.
 */
export class PlaybackService {
  constructor(
    private readonly repo: PlaybackRepository,
    private readonly signer: UrlSigner,
  ) {}

  async request(user: User, trackId: string): Promise<PlaybackGrant> {
    if (!isId(trackId)) throw new Invalid('id must be a 22-character base62 id', 'id');
    const track = await this.repo.playable(trackId);
    if (!track || !isAvailableIn(track.availableMarkets, user.country)) throw new NotFound('track not found');
    const files = track.files
      .filter((f) => isQuality(f.quality) && mayPlay(user, f.quality))
      .sort((a, b) => a.bitrate - b.bitrate)
      .map((f) => {
        const signed = this.signer.sign({
          trackId: track.id,
          version: track.mediaVersion,
          quality: f.quality as never,
          userId: user.id,
        });
        return {
          quality: f.quality,
          mime_type: f.mimeType,
          bitrate: f.bitrate,
          url: signed.path,
          expires_at: new Date(signed.expiresAt).toISOString(),
        };
      });
    return { track_id: track.id, files, normalization_gain_db: track.normalizationGainDb ?? 0 };
  }
}

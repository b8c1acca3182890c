import { type EventBus, topics } from '../../ports/event-bus.js';
import type { CatalogRepository } from '../catalog/types.js';
import { Invalid, NotFound } from '../errors.js';
import { requireId } from '../ids.js';
import type { FriendActivity, PlaybackReport, PublicUser, SharedActivity, SocialRepository } from './types.js';

/** A private session ends this long after it began or after the last report made in it, as Spotify's do. */
export const PRIVATE_SESSION_MS = 6 * 60 * 60 * 1000;
/** A report stops counting as "playing now" this long after the reported track would have ended. */
export const PLAYING_GRACE_MS = 30_000;
export const FEED_LIMIT = 50;

/** Maps a feed entry to what clients receive (the HTTP shape, with absolute hrefs). */
export type ActivityPresenter = (activity: FriendActivity) => unknown;

export interface PrivateSession {
  enabled: boolean;
  expiresAt: Date | null;
}

/**
 * Friend activity: playback reports shared with followers, the friend feed, private sessions, and the
 * live push. Fan-out is on write: a shareable report is stored as the user's last shared activity,
 * then published once per eligible follower on their user topic, where the gateway forwards it to
 * that follower's open connections. A report made in a private session is neither stored nor sent.
 */
export class SocialService {
  constructor(
    private readonly repo: SocialRepository,
    private readonly catalog: CatalogRepository,
    private readonly bus: EventBus,
    private readonly now: () => number = Date.now,
  ) {}

  /** The stand-in for the player-state issue's reports. Answers whether followers were told. */
  async report(userId: string, report: PlaybackReport, present: ActivityPresenter): Promise<{ shared: boolean }> {
    requireId(report.trackId, 'track_id');
    const [track] = await this.catalog.tracks([report.trackId]);
    if (!track) throw new NotFound(`track ${report.trackId} not found`, 'track_id');
    if (report.progressMs > track.durationMs) {
      throw new Invalid(`progress_ms is past the end of the track (${track.durationMs} ms)`, 'progress_ms');
    }
    const now = new Date(this.now());
    if (await this.repo.privateUntil(userId, now)) {
      await this.repo.startPrivate(userId, new Date(now.getTime() + PRIVATE_SESSION_MS));
      return { shared: false };
    }
    await this.repo.share({ userId, ...report, reportedAt: now });
    const [[user], audience] = await Promise.all([this.repo.publicUsers([userId]), this.repo.audience(userId)]);
    if (!user || audience.length === 0) return { shared: true };
    const { isPlaying, progressMs } = report;
    const message = {
      type: 'friend_activity',
      activity: present({ user, track, isPlaying, progressMs, timestamp: now.getTime() }),
    };
    // The report is saved; followers who miss the live message still see it in their feed.
    await Promise.all(audience.map((followerId) => this.bus.publish(topics.user(followerId), message))).catch(() => {});
    return { shared: true };
  }

  /** What each followed user who lets the viewer see it plays now or last played, most recent first. */
  async feed(viewerId: string, limit = FEED_LIMIT): Promise<FriendActivity[]> {
    const rows = await this.repo.feed(viewerId, limit);
    const [tracks, users] = await Promise.all([
      this.catalog.tracks([...new Set(rows.map((r) => r.trackId))]),
      this.repo.publicUsers(rows.map((r) => r.userId)),
    ]);
    const trackById = new Map(tracks.map((t) => [t.id, t]));
    const userById = new Map<string, PublicUser>(users.map((u) => [u.id, u]));
    const now = this.now();
    return rows.flatMap((r) => {
      const track = trackById.get(r.trackId);
      const user = userById.get(r.userId);
      if (!track || !user) return [];
      return [
        {
          user,
          track,
          isPlaying: this.stillPlaying(r, track.durationMs, now),
          progressMs: r.progressMs,
          timestamp: r.reportedAt.getTime(),
        },
      ];
    });
  }

  /** A "playing" report goes stale once the track would have ended: nobody reported since. */
  private stillPlaying(r: SharedActivity, durationMs: number, now: number): boolean {
    return r.isPlaying && now < r.reportedAt.getTime() + (durationMs - r.progressMs) + PLAYING_GRACE_MS;
  }

  async setPrivateSession(userId: string, enabled: boolean): Promise<PrivateSession> {
    if (!enabled) {
      await this.repo.endPrivate(userId);
      return { enabled: false, expiresAt: null };
    }
    const expiresAt = new Date(this.now() + PRIVATE_SESSION_MS);
    await this.repo.startPrivate(userId, expiresAt);
    return { enabled: true, expiresAt };
  }

  async privateSession(userId: string): Promise<PrivateSession> {
    const until = await this.repo.privateUntil(userId, new Date(this.now()));
    return { enabled: until !== undefined, expiresAt: until ?? null };
  }
}

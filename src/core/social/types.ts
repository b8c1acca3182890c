import type { Page, Track } from '../catalog/types.js';

export type FollowType = 'artist' | 'user';

/** What anyone may see of a user: Spotify's public user object. */
export interface PublicUser {
  id: string;
  displayName: string;
  followers: number;
}

/** One page of followed ids in the order the cursor walks them; `total` counts all of them. */
export interface CursorPage<T> {
  items: T[];
  total: number;
  /** The cursor for the next page (the last id of this one), or null when this page is the last. */
  after: string | null;
}

/** The last playback a user shared with their followers. */
export interface SharedActivity {
  userId: string;
  trackId: string;
  progressMs: number;
  isPlaying: boolean;
  reportedAt: Date;
}

/** One entry of a friend feed, and the message pushed live to followers. */
export interface FriendActivity {
  user: PublicUser;
  track: Track;
  isPlaying: boolean;
  progressMs: number;
  /** When the report was made, UTC milliseconds. */
  timestamp: number;
}

export interface PlaybackReport {
  trackId: string;
  progressMs: number;
  isPlaying: boolean;
}

/** Persistence of follows, blocks, shared activity and private sessions; implemented in adapters/postgres. */
export interface SocialRepository {
  publicUsers(ids: string[]): Promise<PublicUser[]>;
  follow(userId: string, type: FollowType, ids: string[]): Promise<void>;
  unfollow(userId: string, type: FollowType, ids: string[]): Promise<void>;
  /** Which of `ids` the user follows. */
  following(userId: string, type: FollowType, ids: string[]): Promise<Set<string>>;
  /** Followed ids by name (then id), the ones after the id `after`. */
  followedPage(userId: string, type: FollowType, after: string | undefined, limit: number): Promise<CursorPage<string>>;

  /** Of `others`, those with a block between them and `userId`, either way. */
  blockedEitherWay(userId: string, others: string[]): Promise<Set<string>>;
  /** Records the block and ends follows between the two users, both ways, in one transaction. */
  block(blockerId: string, blockedId: string): Promise<void>;
  unblock(blockerId: string, blockedId: string): Promise<void>;
  blocked(blockerId: string, limit: number, offset: number): Promise<Page<PublicUser>>;

  /** When the user's private session ends, if one is on at `now`. */
  privateUntil(userId: string, now: Date): Promise<Date | undefined>;
  /** Starts or prolongs a private session until `until`; the last shared activity stops showing as playing. */
  startPrivate(userId: string, until: Date): Promise<void>;
  endPrivate(userId: string): Promise<void>;
  share(activity: SharedActivity): Promise<void>;
  /** Followers of `userId` who may see their activity (no block either way). */
  audience(userId: string): Promise<string[]>;
  /** The shared activity of users `viewerId` follows and may see, most recent first. */
  feed(viewerId: string, limit: number): Promise<SharedActivity[]>;
}

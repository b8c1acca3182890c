/**
 * Live fan-out between API processes: playlist edits, friend activity. In-process when embedded,
 * Redis pub/sub when several API processes share one database. Delivery is at most once and ordered
 * per topic from one publisher; anything that must not be lost is persisted before it is published,
 * and subscribers catch up from the database after a gap (see the playlist editor's resume).
 */
export type Unsubscribe = () => Promise<void>;

export interface EventBus {
  publish(topic: string, message: unknown): Promise<void>;
  /** Calls `handler` for every message published on `topic` after the returned promise resolves. */
  subscribe(topic: string, handler: (message: unknown) => void): Promise<Unsubscribe>;
  close(): Promise<void>;
}

/** Topic names in one place so publishers and subscribers cannot drift apart. */
export const topics = {
  playlist: (playlistId: string) => `playlist.${playlistId}`,
  /** Messages for one user's open connections (friend activity fanned out on write, invitations). */
  user: (userId: string) => `user.${userId}`,
  /** A Jam's changes for its members' connections (`jam.state`, `jam.playback`, `jam.ended`). */
  jam: (jamId: string) => `jam.${jamId}`,
} as const;

import type { Page } from '../catalog/types.js';

/** A playlist as its readers see it, without its items. */
export interface Playlist {
  id: string;
  owner: UserRef;
  /** The listener a generated playlist was made for (only they may read it), or null. */
  madeFor: string | null;
  name: string;
  description: string;
  public: boolean;
  collaborative: boolean;
  imageKey: string | null;
  shareToken: string | null;
  /** The items' version; `snapshotId(id, version)` is what clients see. */
  version: number;
  trackCount: number;
  followers: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface UserRef {
  id: string;
  displayName: string;
}

/** One entry of a playlist, in order; `trackId` may name a track that is no longer visible. */
export interface PlaylistItem {
  itemId: string;
  trackId: string;
  addedBy: UserRef | null;
  addedAt: Date;
}

export interface NewPlaylist {
  id: string;
  ownerId: string;
  name: string;
  description: string;
  public: boolean;
  collaborative: boolean;
}

export type PlaylistChanges = Partial<Pick<Playlist, 'name' | 'description' | 'public' | 'collaborative'>>;

/** Which playlists a library listing includes. */
export interface LibraryQuery {
  userId: string;
  /** Only public playlists (and only follows the user made public): what others see on a profile. */
  publicOnly: boolean;
  limit: number;
  offset: number;
}

/** A catalogue track as import matching compares it; the most popular come first. */
export interface MatchCandidate {
  id: string;
  name: string;
  album: string;
  artists: string[];
}

/** Persistence of playlists' details, followers, collaborators and share tokens. */
export interface PlaylistRepository {
  create(p: NewPlaylist): Promise<void>;
  byId(id: string): Promise<Playlist | undefined>;
  /** Those of the ids that exist, in no particular order. */
  byIds(ids: string[]): Promise<Playlist[]>;
  byShareToken(token: string): Promise<Playlist | undefined>;
  update(id: string, changes: PlaylistChanges): Promise<void>;
  setImage(id: string, imageKey: string): Promise<void>;
  /** Sets the share token unless one is set already; returns the one that stands (first writer wins). */
  keepShareToken(id: string, token: string): Promise<string>;
  clearShareToken(id: string): Promise<void>;
  isCollaborator(id: string, userId: string): Promise<boolean>;
  isFollower(id: string, userId: string): Promise<boolean>;
  items(id: string, limit: number, offset: number): Promise<Page<PlaylistItem>>;
  /** Playlists the user owns, follows or collaborates on, most recently joined first. */
  library(q: LibraryQuery): Promise<Page<Playlist>>;
  follow(id: string, userId: string, isPublic: boolean): Promise<void>;
  unfollow(id: string, userId: string): Promise<void>;
  /** Of `userIds`, those who follow the playlist. */
  followersAmong(id: string, userIds: string[]): Promise<Set<string>>;
  addCollaborator(id: string, userId: string): Promise<void>;
  removeCollaborator(id: string, userId: string): Promise<boolean>;
  collaborators(id: string): Promise<(UserRef & { addedAt: Date })[]>;
  userExists(id: string): Promise<boolean>;
  /** Of `ids`, the ones that name tracks listeners may see. */
  visibleTracks(ids: string[]): Promise<Set<string>>;
  /**
   * Visible tracks whose title may equal one of `titles` (a generous prefilter: callers compare
   * folded names themselves).
   */
  matchCandidates(titles: string[]): Promise<MatchCandidate[]>;
}

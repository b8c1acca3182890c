import { randomBytes } from 'node:crypto';
import { type EventBus, topics } from '../../ports/event-bus.js';
import type { CatalogRepository, Page, Track } from '../catalog/types.js';
import { Forbidden, Invalid, NotFound } from '../errors.js';
import { isId, newId } from '../ids.js';
import { canEditDetails, canEditItems, canRead, type PlaylistRole } from './access.js';
import { accessNarrowed } from './live-topic.js';
import type { Playlist, PlaylistChanges, PlaylistItem, PlaylistRepository, UserRef } from './repository.js';

export const MAX_NAME = 200;
/** Spotify's limit on descriptions. */
export const MAX_DESCRIPTION = 300;

export interface PlaylistInput {
  name?: string;
  description?: string;
  public?: boolean;
  collaborative?: boolean;
}

/** A playlist entry with its track, or `track: null` when the track is no longer visible. */
export interface PlaylistEntry extends PlaylistItem {
  track: Track | null;
}

export interface PlaylistAccess {
  role: PlaylistRole;
  canRead: boolean;
  canEditItems: boolean;
  canEditDetails: boolean;
}

function text(value: string, field: string, min: number, max: number): string {
  const t = value.trim();
  if (t.length < min || t.length > max) throw new Invalid(`${field} must be ${min} to ${max} characters`, field);
  return t;
}

/**
 * Playlists' details, reading, followers, collaborators, covers and share links. Item edits go through
 * the PlaylistEditor; this service only reads items. Who may do what is decided by `access.ts`; anyone
 * who may not read a playlist is told it does not exist.
 */
export class PlaylistService {
  constructor(
    private readonly repo: PlaylistRepository,
    private readonly catalog: CatalogRepository,
    /** Writes cover renditions and returns their key (the ingest pipeline's artwork store). */
    private readonly storeArtwork: (image: Buffer) => Promise<string>,
    /** Where live subscribers hear that their access may have gone (live-topic.ts). */
    private readonly bus: EventBus,
    private readonly options: { onPublishError?: (err: unknown) => void } = {},
  ) {}

  /**
   * Tells the live gateways that someone may have lost the right to read the playlist, after the change
   * committed. Not fatal when the bus fails: edits made since carry the new access version, and a
   * listener is checked again before it hears any of them (live-topic.ts).
   */
  private async announceNarrowed(id: string): Promise<void> {
    try {
      await this.bus.publish(topics.playlist(id), accessNarrowed(id));
    } catch (err) {
      this.options.onPublishError?.(err);
    }
  }

  async create(ownerId: string, asUserId: string, input: PlaylistInput): Promise<Playlist> {
    if (ownerId !== asUserId) throw new Forbidden('you can only create playlists for yourself');
    if (input.name === undefined) throw new Invalid('name is required', 'name');
    const collaborative = input.collaborative ?? false;
    // Omitting `public` on a collaborative playlist means private: the only state it may have.
    const isPublic = input.public ?? !collaborative;
    if (collaborative && isPublic) {
      throw new Invalid(
        'public: a collaborative playlist cannot be public; leave public out or set it to false',
        'public',
      );
    }
    const id = newId();
    await this.repo.create({
      id,
      ownerId,
      name: text(input.name, 'name', 1, MAX_NAME),
      description: text(input.description ?? '', 'description', 0, MAX_DESCRIPTION),
      public: isPublic,
      collaborative,
    });
    return (await this.repo.byId(id))!;
  }

  /** The playlist and the caller's role, or NotFound when the caller may not read it. */
  async open(userId: string | null, id: string): Promise<{ playlist: Playlist; access: PlaylistAccess }> {
    const playlist = isId(id) ? await this.repo.byId(id) : undefined;
    if (!playlist) throw new NotFound('playlist not found');
    const access = await this.accessTo(playlist, userId);
    if (!access.canRead) throw new NotFound('playlist not found');
    return { playlist, access };
  }

  /** What `userId` may do with the playlist (anyone who may not read it gets NotFound). */
  async access(userId: string, id: string): Promise<PlaylistAccess> {
    return (await this.open(userId, id)).access;
  }

  private async accessTo(p: Playlist, userId: string | null): Promise<PlaylistAccess> {
    const role = await this.roleOf(p, userId);
    return {
      role,
      canRead: canRead(role, p),
      canEditItems: canEditItems(role, p),
      canEditDetails: canEditDetails(role),
    };
  }

  private async roleOf(p: Playlist, userId: string | null): Promise<PlaylistRole> {
    if (!userId) return 'stranger';
    if (p.owner.id === userId) return 'owner';
    if (p.madeFor === userId) return 'recipient';
    if (await this.repo.isCollaborator(p.id, userId)) return 'collaborator';
    if (await this.repo.isFollower(p.id, userId)) return 'follower';
    return 'stranger';
  }

  /** Opens the playlist for a change of its details: readers who are not the owner get Forbidden. */
  private async owned(userId: string, id: string): Promise<Playlist> {
    const { playlist, access } = await this.open(userId, id);
    if (!access.canEditDetails) throw new Forbidden('only the owner may change this playlist');
    return playlist;
  }

  async get(userId: string | null, id: string): Promise<Playlist> {
    return (await this.open(userId, id)).playlist;
  }

  async update(userId: string, id: string, input: PlaylistInput): Promise<Playlist> {
    const playlist = await this.owned(userId, id);
    const changes: PlaylistChanges = {};
    if (input.name !== undefined) changes.name = text(input.name, 'name', 1, MAX_NAME);
    if (input.description !== undefined)
      changes.description = text(input.description, 'description', 0, MAX_DESCRIPTION);
    if (input.public !== undefined) changes.public = input.public;
    if (input.collaborative !== undefined) changes.collaborative = input.collaborative;
    const collaborative = changes.collaborative ?? playlist.collaborative;
    if (collaborative && (changes.public ?? playlist.public)) {
      // Name what this request asked for: turning on the one the playlist's current state forbids.
      if (input.collaborative) {
        throw new Invalid(
          'collaborative: a public playlist cannot be collaborative; set public to false too',
          'collaborative',
        );
      }
      throw new Invalid('public: a collaborative playlist cannot be public; turn collaborative off first', 'public');
    }
    if (Object.keys(changes).length > 0) await this.repo.update(id, changes);
    if (playlist.public && changes.public === false) await this.announceNarrowed(id);
    return (await this.repo.byId(id))!;
  }

  async items(userId: string | null, id: string, limit: number, offset: number): Promise<Page<PlaylistEntry>> {
    await this.open(userId, id);
    return this.entries(id, limit, offset);
  }

  /** Items with their tracks; callers have checked access. */
  async entries(id: string, limit: number, offset: number): Promise<Page<PlaylistEntry>> {
    const page = await this.repo.items(id, limit, offset);
    const ids = [...new Set(page.items.map((i) => i.trackId))];
    const tracks = new Map((ids.length ? await this.catalog.tracks(ids) : []).map((t) => [t.id, t]));
    return { total: page.total, items: page.items.map((i) => ({ ...i, track: tracks.get(i.trackId) ?? null })) };
  }

  /** Owned, followed and collaborating playlists of the caller. */
  myPlaylists(userId: string, limit: number, offset: number): Promise<Page<Playlist>> {
    return this.repo.library({ userId, publicOnly: false, limit, offset });
  }

  /** Another user's profile shows only their public playlists; your own shows everything. */
  async userPlaylists(viewerId: string, userId: string, limit: number, offset: number): Promise<Page<Playlist>> {
    if (viewerId === userId) return this.myPlaylists(userId, limit, offset);
    if (!isId(userId) || !(await this.repo.userExists(userId))) throw new NotFound('user not found');
    return this.repo.library({ userId, publicOnly: true, limit, offset });
  }

  /** Following is for readers; the owner already has the playlist, so that is a no-op. */
  async follow(userId: string, id: string, isPublic: boolean): Promise<void> {
    const { access } = await this.open(userId, id);
    if (access.role !== 'owner') await this.repo.follow(id, userId, isPublic);
  }

  async unfollow(userId: string, id: string): Promise<void> {
    await this.open(userId, id);
    await this.repo.unfollow(id, userId);
  }

  /** Spotify's `followers/contains`: one answer per user id, the owner counting as following. */
  async followersContain(userId: string, id: string, userIds: string[]): Promise<boolean[]> {
    if (userIds.length === 0 || userIds.length > 5) throw new Invalid('ids must list 1 to 5 user ids', 'ids');
    const { playlist } = await this.open(userId, id);
    const found = await this.repo.followersAmong(id, userIds.filter(isId));
    return userIds.map((u) => u === playlist.owner.id || found.has(u));
  }

  async collaborators(userId: string, id: string): Promise<(UserRef & { addedAt: Date })[]> {
    await this.open(userId, id);
    return this.repo.collaborators(id);
  }

  /**
   * Collaborators may read the playlist even while it is private, and edit its items while it is
   * collaborative; adding one to a non-collaborative playlist is how an owner prepares an invitation.
   */
  async addCollaborator(userId: string, id: string, collaboratorId: string): Promise<void> {
    await this.owned(userId, id);
    if (collaboratorId === userId) throw new Invalid('the owner cannot be a collaborator', 'user_id');
    if (!isId(collaboratorId) || !(await this.repo.userExists(collaboratorId))) throw new NotFound('user not found');
    await this.repo.addCollaborator(id, collaboratorId);
  }

  async removeCollaborator(userId: string, id: string, collaboratorId: string): Promise<void> {
    await this.owned(userId, id);
    if (!(await this.repo.removeCollaborator(id, collaboratorId))) throw new NotFound('not a collaborator');
    await this.announceNarrowed(id);
  }

  async setCover(userId: string, id: string, image: Buffer): Promise<Playlist> {
    await this.owned(userId, id);
    if (image.length === 0) throw new Invalid('image is empty', 'image');
    await this.repo.setImage(id, await this.storeArtwork(image));
    return (await this.repo.byId(id))!;
  }

  /** The playlist's share token, made on first use; only a public playlist can be shared. */
  async share(userId: string, id: string): Promise<string> {
    const playlist = await this.owned(userId, id);
    if (!playlist.public) throw new Invalid('only a public playlist can be shared; make it public first', 'public');
    if (playlist.shareToken) return playlist.shareToken;
    return this.repo.keepShareToken(id, randomBytes(18).toString('base64url'));
  }

  async unshare(userId: string, id: string): Promise<void> {
    await this.owned(userId, id);
    await this.repo.clearShareToken(id);
  }

  /** The playlist behind a share link, while the link stands and the playlist is public. */
  async shared(token: string): Promise<Playlist> {
    const playlist = /^[A-Za-z0-9_-]{16,64}$/.test(token) ? await this.repo.byShareToken(token) : undefined;
    if (!playlist?.public) throw new NotFound('playlist not found');
    return playlist;
  }
}

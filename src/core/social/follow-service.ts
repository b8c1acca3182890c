import type { Artist, CatalogRepository, Page } from '../catalog/types.js';
import { Forbidden, Invalid, NotFound } from '../errors.js';
import { requireId } from '../ids.js';
import { firstMissing, idList } from '../library/id-list.js';
import type { CursorPage, FollowType, PublicUser, SocialRepository } from './types.js';

/**
 * Following artists and users, public profiles and blocks. A block ends follows between the two
 * users both ways, and while it stands neither can follow the other: the blocked user never sees
 * the blocker's activity again, and the blocker does not keep a one-way view of someone they blocked.
 */
export class FollowService {
  constructor(
    private readonly repo: SocialRepository,
    private readonly catalog: CatalogRepository,
  ) {}

  async follow(userId: string, type: FollowType, ids: readonly string[]): Promise<void> {
    const list = [...new Set(idList(ids))];
    if (type === 'artist') {
      const missing = firstMissing(
        list,
        (await this.catalog.artists(list)).map((a) => a.id),
      );
      if (missing) throw new NotFound(`artist ${missing} not found`, 'ids');
    } else {
      if (list.includes(userId)) throw new Invalid('you cannot follow yourself', 'ids');
      const missing = firstMissing(
        list,
        (await this.repo.publicUsers(list)).map((u) => u.id),
      );
      if (missing) throw new NotFound(`user ${missing} not found`, 'ids');
      const [blocked] = await this.repo.blockedEitherWay(userId, list);
      if (blocked) throw new Forbidden(`user ${blocked} cannot be followed: there is a block between you`, 'ids');
    }
    await this.repo.follow(userId, type, list);
  }

  /** Unfollowing someone not followed is not an error, as in Spotify's API. */
  async unfollow(userId: string, type: FollowType, ids: readonly string[]): Promise<void> {
    await this.repo.unfollow(userId, type, [...new Set(idList(ids))]);
  }

  async contains(userId: string, type: FollowType, ids: readonly string[]): Promise<boolean[]> {
    const list = idList(ids);
    const followed = await this.repo.following(userId, type, [...new Set(list)]);
    return list.map((id) => followed.has(id));
  }

  /** Followed artists by name; `after` is the last id of the previous page. */
  async followedArtists(userId: string, after: string | undefined, limit: number): Promise<CursorPage<Artist>> {
    const page = await this.repo.followedPage(userId, 'artist', after && requireId(after, 'after'), limit);
    const byId = new Map((await this.catalog.artists(page.items)).map((a) => [a.id, a]));
    return { ...page, items: page.items.flatMap((id) => byId.get(id) ?? []) };
  }

  async followedUsers(userId: string, after: string | undefined, limit: number): Promise<CursorPage<PublicUser>> {
    const page = await this.repo.followedPage(userId, 'user', after && requireId(after, 'after'), limit);
    const byId = new Map((await this.repo.publicUsers(page.items)).map((u) => [u.id, u]));
    return { ...page, items: page.items.flatMap((id) => byId.get(id) ?? []) };
  }

  async profile(id: string): Promise<PublicUser> {
    const [user] = await this.repo.publicUsers([requireId(id, 'id')]);
    if (!user) throw new NotFound('user not found');
    return user;
  }

  async block(userId: string, targetId: string): Promise<void> {
    if (targetId === userId) throw new Invalid('you cannot block yourself', 'user_id');
    const [target] = await this.repo.publicUsers([requireId(targetId, 'user_id')]);
    if (!target) throw new NotFound(`user ${targetId} not found`, 'user_id');
    await this.repo.block(userId, targetId);
  }

  async unblock(userId: string, targetId: string): Promise<void> {
    await this.repo.unblock(userId, requireId(targetId, 'user_id'));
  }

  blocks(userId: string, limit: number, offset: number): Promise<Page<PublicUser>> {
    return this.repo.blocked(userId, limit, offset);
  }
}

/**
 * Who may do what with a playlist: one table, used by the REST routes and the live gateway alike.
 *
 *                      private      public       collaborative (never public)
 *   owner              read edit    read edit    read edit
 *   collaborator       read         read         read edit
 *   recipient          read         -            -
 *   follower           -            read         -
 *   stranger           -            read         -
 *
 * Only the owner changes details (name, description, visibility, cover, collaborators). Someone who
 * may not read a playlist is told it does not exist (404), so ids of private playlists do not leak.
 * The recipient is the listener a generated playlist (Discover Weekly, a Daily Mix) was made for: it
 * is owned by the system account, always private, and read by that listener alone.
 */
export type PlaylistRole = 'owner' | 'collaborator' | 'recipient' | 'follower' | 'stranger';

export interface PlaylistVisibility {
  public: boolean;
  collaborative: boolean;
}

/** The role of `userId` as far as the playlist's own row tells (followers need another look). */
export function roleFromRow(
  userId: string | null,
  p: { ownerId: string; madeFor: string | null },
  isCollaborator: (userId: string) => boolean,
): Exclude<PlaylistRole, 'follower'> {
  if (!userId) return 'stranger';
  if (userId === p.ownerId) return 'owner';
  if (userId === p.madeFor) return 'recipient';
  return isCollaborator(userId) ? 'collaborator' : 'stranger';
}

export function canRead(role: PlaylistRole, p: PlaylistVisibility): boolean {
  return role === 'owner' || role === 'collaborator' || role === 'recipient' || p.public;
}

export function canEditItems(role: PlaylistRole, p: PlaylistVisibility): boolean {
  return role === 'owner' || (role === 'collaborator' && p.collaborative);
}

export function canEditDetails(role: PlaylistRole): boolean {
  return role === 'owner';
}

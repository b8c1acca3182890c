/**
 * Who may do what with a playlist: one table, used by the REST routes and the live gateway alike.
 *
 *                      private      public       collaborative (never public)
 *   owner              read edit    read edit    read edit
 *   collaborator       read         read         read edit
 *   follower           -            read         -
 *   stranger           -            read         -
 *
 * Only the owner changes details (name, description, visibility, cover, collaborators). Someone who
 * may not read a playlist is told it does not exist (404), so ids of private playlists do not leak.
 */
export type PlaylistRole = 'owner' | 'collaborator' | 'follower' | 'stranger';

export interface PlaylistVisibility {
  public: boolean;
  collaborative: boolean;
}

export function canRead(role: PlaylistRole, p: PlaylistVisibility): boolean {
  return role === 'owner' || role === 'collaborator' || p.public;
}

export function canEditItems(role: PlaylistRole, p: PlaylistVisibility): boolean {
  return role === 'owner' || (role === 'collaborator' && p.collaborative);
}

export function canEditDetails(role: PlaylistRole): boolean {
  return role === 'owner';
}

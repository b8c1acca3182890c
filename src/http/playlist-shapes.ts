import type { Page } from '../core/catalog/types.js';
import { uri } from '../core/ids.js';
import type { PlaylistEntry } from '../core/playlists/playlist-service.js';
import type { Playlist, UserRef } from '../core/playlists/repository.js';
import { snapshotId } from '../core/playlists/snapshot.js';
import type { Shapes } from './shapes.js';

/** Spotify's playlist objects: simplified (in lists), full (with a page of items) and items. */
export class PlaylistShapes {
  constructor(readonly s: Shapes) {}

  user(u: UserRef) {
    const base = this.s.base;
    return {
      display_name: u.displayName,
      external_urls: { cadenza: `${base}/user/${u.id}` },
      href: `${base}/v1/users/${u.id}`,
      id: u.id,
      type: 'user' as const,
      uri: uri('user', u.id),
    };
  }

  private common(p: Playlist) {
    const base = this.s.base;
    return {
      collaborative: p.collaborative,
      description: p.description,
      external_urls: { cadenza: `${base}/playlist/${p.id}` },
      href: `${base}/v1/playlists/${p.id}`,
      id: p.id,
      images: this.s.images(p.imageKey),
      name: p.name,
      owner: this.user(p.owner),
      primary_color: null,
      public: p.public,
      snapshot_id: snapshotId(p.id, p.version),
      type: 'playlist' as const,
      uri: uri('playlist', p.id),
    };
  }

  simplified(p: Playlist) {
    return { ...this.common(p), tracks: { href: `${this.s.base}/v1/playlists/${p.id}/tracks`, total: p.trackCount } };
  }

  /** `tracksPath` is where the items page lives: the playlist's own route, or its share link's. */
  full(p: Playlist, items: Page<PlaylistEntry>, limit: number, offset: number, tracksPath?: string) {
    return {
      ...this.common(p),
      followers: { href: null, total: p.followers },
      tracks: this.items(tracksPath ?? `/v1/playlists/${p.id}/tracks`, items, limit, offset),
    };
  }

  items(path: string, page: Page<PlaylistEntry>, limit: number, offset: number) {
    return this.s.page(path, page, limit, offset, (e) => ({
      added_at: e.addedAt.toISOString(),
      added_by: e.addedBy && this.user(e.addedBy),
      is_local: false,
      primary_color: null,
      // A track that is no longer available stays in the list as null, as on Spotify.
      track: e.track && this.s.track(e.track),
      video_thumbnail: { url: null },
    }));
  }
}

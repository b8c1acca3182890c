import type { FastifyRequest } from 'fastify';
import type { User } from '../core/accounts/types.js';
import type { Album, AlbumSummary, Artist, ArtistRef, Page, Track } from '../core/catalog/types.js';
import { uri } from '../core/ids.js';
import { ALL_MARKETS } from '../core/markets.js';
import type { FriendActivity, PublicUser } from '../core/social/types.js';

/** Maps domain objects to the Spotify Web API's JSON shapes, with absolute hrefs. */

export const IMAGE_SIZES = [640, 300, 64] as const;

export function baseUrl(request: FastifyRequest, publicUrl: string | undefined): string {
  return publicUrl ?? `${request.protocol}://${request.host}`;
}

export class Shapes {
  constructor(readonly base: string) {}

  images(key: string | null) {
    if (!key) return [];
    return IMAGE_SIZES.map((size) => ({ url: `${this.base}/images/${key}/${size}.jpg`, height: size, width: size }));
  }

  private markets(list: string[] | null): string[] {
    return list ?? (ALL_MARKETS as string[]);
  }

  artistRef(a: ArtistRef) {
    return {
      external_urls: { cadenza: `${this.base}/artist/${a.id}` },
      href: `${this.base}/v1/artists/${a.id}`,
      id: a.id,
      name: a.name,
      type: 'artist' as const,
      uri: uri('artist', a.id),
    };
  }

  artist(a: Artist) {
    return {
      ...this.artistRef(a),
      followers: { href: null, total: a.followers },
      genres: a.genres,
      images: this.images(a.imageKey),
      popularity: a.popularity,
    };
  }

  albumSummary(a: AlbumSummary) {
    return {
      album_type: a.albumType,
      total_tracks: a.totalTracks,
      available_markets: this.markets(a.availableMarkets),
      external_urls: { cadenza: `${this.base}/album/${a.id}` },
      href: `${this.base}/v1/albums/${a.id}`,
      id: a.id,
      images: this.images(a.imageKey),
      name: a.name,
      release_date: a.releaseDate ?? '0000',
      release_date_precision: a.releaseDatePrecision ?? 'year',
      type: 'album' as const,
      uri: uri('album', a.id),
      artists: a.artists.map((x) => this.artistRef(x)),
    };
  }

  album(a: Album, tracks: Page<Track>, limit: number, offset: number) {
    return {
      ...this.albumSummary(a),
      tracks: this.page(`/v1/albums/${a.id}/tracks`, tracks, limit, offset, (t) => this.simplifiedTrack(t)),
      copyrights: a.label ? [{ text: a.label, type: 'P' }] : [],
      external_ids: a.upc ? { upc: a.upc } : {},
      genres: a.genres,
      label: a.label ?? '',
      popularity: a.popularity,
    };
  }

  simplifiedTrack(t: Track) {
    return {
      artists: t.artists.map((x) => this.artistRef(x)),
      available_markets: this.markets(t.availableMarkets),
      disc_number: t.discNumber,
      duration_ms: t.durationMs,
      explicit: t.explicit,
      external_urls: { cadenza: `${this.base}/track/${t.id}` },
      href: `${this.base}/v1/tracks/${t.id}`,
      id: t.id,
      is_local: false,
      name: t.name,
      preview_url: null,
      track_number: t.trackNumber,
      type: 'track' as const,
      uri: uri('track', t.id),
    };
  }

  track(t: Track) {
    return {
      ...this.simplifiedTrack(t),
      album: this.albumSummary(t.album),
      external_ids: t.isrc ? { isrc: t.isrc } : {},
      popularity: t.popularity,
    };
  }

  /** Spotify's paging object; `next`/`previous` are absolute URLs or null. */
  page<T, R>(path: string, page: Page<T>, limit: number, offset: number, map: (item: T) => R, extra = '') {
    const link = (o: number) => `${this.base}${path}?offset=${o}&limit=${limit}${extra}`;
    return {
      href: link(offset),
      items: page.items.map(map),
      limit,
      next: offset + limit < page.total ? link(offset + limit) : null,
      offset,
      previous: offset > 0 ? link(Math.max(0, offset - limit)) : null,
      total: page.total,
    };
  }

  /** Spotify's public user object. */
  user(u: PublicUser) {
    return {
      display_name: u.displayName,
      external_urls: { cadenza: `${this.base}/user/${u.id}` },
      followers: { href: null, total: u.followers },
      href: `${this.base}/v1/users/${u.id}`,
      id: u.id,
      images: [],
      type: 'user' as const,
      uri: uri('user', u.id),
    };
  }

  /** One friend feed entry; the live `friend_activity` message carries the same object. */
  friendActivity(a: FriendActivity) {
    return {
      user: this.user(a.user),
      track: this.track(a.track),
      is_playing: a.isPlaying,
      progress_ms: a.progressMs,
      timestamp: a.timestamp,
    };
  }

  me(u: User, followers = 0) {
    return {
      country: u.country,
      display_name: u.displayName,
      explicit_content: { filter_enabled: false, filter_locked: false },
      external_urls: { cadenza: `${this.base}/user/${u.id}` },
      followers: { href: null, total: followers },
      href: `${this.base}/v1/users/${u.id}`,
      id: u.id,
      images: [],
      product: u.product,
      type: 'user' as const,
      uri: uri('user', u.id),
      // Cadenza's own fields: what this account may do.
      role: u.role,
      username: u.username,
    };
  }
}

import type { ReactNode, Ref } from 'react';
import { api, seg } from '../api/client.js';
import { type PlaylistItem, type PlaylistSummary, userName } from '../api/playlist-types.js';
import type { Album, AlbumSummary, Artist, Image, Paging, Track } from '../api/types.js';
import { albumType, hue, year } from '../format.js';
import { usePlayerControls, usePlayingContext } from '../player-context.js';
import { queueItems } from '../queue-items.js';
import { Link } from '../router.js';
import { Artwork } from './artwork.js';
import { PlayButton } from './play-button.js';

/** Plays an album from its first track (fetches its track list first). */
export function usePlayAlbum() {
  const player = usePlayerControls();
  return async (album: AlbumSummary, startIndex = 0) => {
    const full = await api.get<Album>(`/v1/albums/${seg(album.id)}?limit=50`);
    await player.playQueue(queueItems(full.tracks.items, full), startIndex, `album:${album.id}`);
  };
}

/** Plays an artist's top tracks. */
export function usePlayArtist() {
  const player = usePlayerControls();
  return async (artistId: string) => {
    const { tracks } = await api.get<{ tracks: Track[] }>(`/v1/artists/${seg(artistId)}/top-tracks`);
    await player.playQueue(queueItems(tracks), 0, `artist:${artistId}`);
  };
}

/** Plays a playlist from its first track (fetches its first 100 items first). */
export function usePlayPlaylist() {
  const player = usePlayerControls();
  return async (playlistId: string) => {
    const page = await api.get<Paging<PlaylistItem>>(`/v1/playlists/${seg(playlistId)}/tracks?limit=100`);
    const tracks = page.items.flatMap((it) => (it.track ? [it.track] : []));
    await player.playQueue(queueItems(tracks), 0, `playlist:${playlistId}`);
  };
}

function Card({
  to,
  title,
  subtitle,
  art,
  play,
}: {
  to: string;
  title: string;
  subtitle: ReactNode;
  art: ReactNode;
  play?: ReactNode;
}) {
  return (
    <article className="card">
      <div className="card-art">
        {art}
        {play}
      </div>
      <Link to={to} className="card-title card-link" title={title}>
        {title}
      </Link>
      <div className="card-subtitle">{subtitle}</div>
    </article>
  );
}

export function AlbumCard({ album, subtitle }: { album: AlbumSummary; subtitle?: ReactNode }) {
  const player = usePlayerControls();
  const playing = usePlayingContext(`album:${album.id}`);
  const playAlbum = usePlayAlbum();
  return (
    <Card
      to={`/album/${album.id}`}
      title={album.name}
      subtitle={
        subtitle ?? [year(album.release_date), album.artists.map((a) => a.name).join(', ')].filter(Boolean).join(' • ')
      }
      art={<Artwork images={album.images} size={180} seed={album.id} />}
      play={
        <PlayButton
          className="card-play"
          size="small"
          label={album.name}
          playing={playing}
          onPlay={() => void playAlbum(album)}
          onPause={() => void player.pause()}
        />
      }
    />
  );
}

export function ArtistCard({ artist }: { artist: Artist }) {
  const player = usePlayerControls();
  const playing = usePlayingContext(`artist:${artist.id}`);
  const playArtist = usePlayArtist();
  return (
    <Card
      to={`/artist/${artist.id}`}
      title={artist.name}
      subtitle="Artist"
      art={<Artwork images={artist.images} size={180} seed={artist.id} round />}
      play={
        <PlayButton
          className="card-play"
          size="small"
          label={artist.name}
          playing={playing}
          onPlay={() => void playArtist(artist.id)}
          onPause={() => void player.pause()}
        />
      }
    />
  );
}

export function PlaylistCard({ playlist }: { playlist: PlaylistSummary }) {
  const player = usePlayerControls();
  const playing = usePlayingContext(`playlist:${playlist.id}`);
  const playPlaylist = usePlayPlaylist();
  return (
    <Card
      to={`/playlist/${playlist.id}`}
      title={playlist.name}
      subtitle={playlist.description || `By ${userName(playlist.owner)}`}
      art={<Artwork images={playlist.images} size={180} seed={playlist.id} />}
      play={
        <PlayButton
          className="card-play"
          size="small"
          label={playlist.name}
          playing={playing}
          onPlay={() => void playPlaylist(playlist.id)}
          onPause={() => void player.pause()}
        />
      }
    />
  );
}

export const albumSubtitle = (a: AlbumSummary) => [year(a.release_date), albumType(a.album_type)].join(' • ');

export function CardGrid<T extends { id: string }>({
  items,
  label,
  render,
  className,
  listRef,
  itemKey = (item) => item.id,
}: {
  items: T[];
  label: string;
  render: (item: T) => ReactNode;
  /** Classes added to `card-grid`. */
  className?: string;
  listRef?: Ref<HTMLUListElement>;
  /** The React key of an item's card, when ids alone may repeat (a row mixing kinds). */
  itemKey?: (item: T) => string;
}) {
  return (
    <ul ref={listRef} className={className ? `card-grid ${className}` : 'card-grid'} aria-label={label}>
      {items.map((item) => (
        <li key={itemKey(item)}>{render(item)}</li>
      ))}
    </ul>
  );
}

/** A genre tile: a coloured block with the genre's name and, when there is one, a tilted cover. */
export function GenreTile({ id, name, icons }: { id: string; name: string; icons: Image[] }) {
  return (
    <Link
      to={`/genre/${encodeURIComponent(id)}`}
      className="genre-tile"
      style={{ backgroundColor: `hsl(${hue(name)} 55% 38%)` }}
    >
      <span className="genre-name">{name}</span>
      {icons.length > 0 && <Artwork images={icons} size={100} seed={id} className="genre-art" />}
    </Link>
  );
}

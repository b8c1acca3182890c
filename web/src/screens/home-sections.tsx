import type { HomeItem } from '../api/types.js';
import { usePlayerControls, usePlayingContext } from '../player-context.js';
import { Link } from '../router.js';
import { Artwork } from '../ui/artwork.js';
import { AlbumCard, ArtistCard, PlaylistCard, usePlayAlbum, usePlayArtist, usePlayPlaylist } from '../ui/cards.js';
import { PlayButton } from '../ui/play-button.js';

/** The personalised home's pieces: shortcut tiles, cards of any kind, and the loading skeletons. */

/** Where an item's screen is, and what its queue is called while it plays. */
const screenOf = (item: HomeItem) => `/${item.type}/${item.id}`;
const contextOf = (item: HomeItem) => `${item.type}:${item.id}`;

function usePlayItem() {
  const playAlbum = usePlayAlbum();
  const playArtist = usePlayArtist();
  const playPlaylist = usePlayPlaylist();
  return (item: HomeItem) =>
    item.type === 'album' ? playAlbum(item) : item.type === 'artist' ? playArtist(item.id) : playPlaylist(item.id);
}

/** A compact shortcut tile (artwork left, name right) as at the top of Spotify's home. */
export function Shortcut({ item }: { item: HomeItem }) {
  const player = usePlayerControls();
  const playing = usePlayingContext(contextOf(item));
  const play = usePlayItem();
  return (
    <div className="shortcut">
      <Artwork images={item.images} size={64} seed={item.id} round={item.type === 'artist'} className="shortcut-art" />
      <Link to={screenOf(item)} className="shortcut-name card-link">
        {item.name}
      </Link>
      <PlayButton
        className="shortcut-play"
        size="small"
        label={item.name}
        playing={playing}
        onPlay={() => void play(item).catch(() => undefined)}
        onPause={() => void player.pause()}
      />
    </div>
  );
}

export function Shortcuts({ items, label }: { items: HomeItem[]; label: string }) {
  return (
    <ul className="shortcuts" aria-label={label}>
      {items.map((item) => (
        <li key={`${item.type}:${item.id}`}>
          <Shortcut item={item} />
        </li>
      ))}
    </ul>
  );
}

export function HomeCard({ item }: { item: HomeItem }) {
  if (item.type === 'album') return <AlbumCard album={item} />;
  if (item.type === 'artist') return <ArtistCard artist={item} />;
  return <PlaylistCard playlist={item} />;
}

/** Grey stand-ins for the shortcuts and one card row while the home loads. */
export function HomeSkeleton() {
  return (
    <div className="skeleton-block" role="status" aria-label="Loading your home">
      <ul className="shortcuts" aria-hidden="true">
        {Array.from({ length: 6 }, (_, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: placeholders have nothing else to tell apart
          <li key={i} className="skeleton skeleton-shortcut" />
        ))}
      </ul>
      <div className="skeleton skeleton-title" />
      <ul className="card-grid card-row skeleton-row" aria-hidden="true">
        {Array.from({ length: 6 }, (_, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: placeholders have nothing else to tell apart
          <li key={i} className="skeleton-card">
            <div className="skeleton skeleton-art" />
            <div className="skeleton skeleton-line" />
            <div className="skeleton skeleton-line short" />
          </li>
        ))}
      </ul>
    </div>
  );
}

import type { AlbumSummary, Category, Paging } from '../api/types.js';
import { useApi } from '../api/use-api.js';
import { useMe } from '../me.js';
import { usePlayerControls, usePlayingContext } from '../player-context.js';
import { Link } from '../router.js';
import { Artwork } from '../ui/artwork.js';
import { AlbumCard, CardGrid, GenreTile, usePlayAlbum } from '../ui/cards.js';
import { Empty, Section, Title } from '../ui/page.js';
import { PlayButton } from '../ui/play-button.js';

function greeting(): string {
  const h = new Date().getHours();
  return h < 5 ? 'Good night' : h < 12 ? 'Good morning' : h < 18 ? 'Good afternoon' : 'Good evening';
}

/** A compact shortcut tile (artwork left, name right) as at the top of Spotify's home. */
function Shortcut({ album }: { album: AlbumSummary }) {
  const player = usePlayerControls();
  const playing = usePlayingContext(`album:${album.id}`);
  const playAlbum = usePlayAlbum();
  return (
    <div className="shortcut">
      <Artwork images={album.images} size={64} seed={album.id} className="shortcut-art" />
      <Link to={`/album/${album.id}`} className="shortcut-name card-link">
        {album.name}
      </Link>
      <PlayButton
        className="shortcut-play"
        size="small"
        label={album.name}
        playing={playing}
        onPlay={() => void playAlbum(album)}
        onPause={() => void player.pause()}
      />
    </div>
  );
}

export function HomeScreen() {
  const me = useMe();
  const releases = useApi<{ albums: Paging<AlbumSummary> }>('/v1/browse/new-releases?limit=24');
  const categories = useApi<{ categories: Paging<Category> }>('/v1/browse/categories?limit=12');
  const albums = releases.data?.albums.items ?? [];
  const genres = categories.data?.categories.items ?? [];
  const loading = releases.loading || categories.loading;

  return (
    <div className="page home">
      <div className="home-head">
        <Title>
          {greeting()}
          {me.display_name ? `, ${me.display_name}` : ''}
        </Title>
      </div>
      {releases.error && <p className="form-error">Could not load new releases: {releases.error.message}</p>}
      {albums.length > 0 && (
        <Section title="Recently added">
          <ul className="shortcuts" aria-label="Recently added">
            {albums.slice(0, 6).map((a) => (
              <li key={a.id}>
                <Shortcut album={a} />
              </li>
            ))}
          </ul>
        </Section>
      )}
      {albums.length > 0 && (
        <Section title="New releases">
          <CardGrid items={albums.slice(0, 12)} label="New releases" render={(a) => <AlbumCard album={a} />} />
        </Section>
      )}
      {genres.length > 0 && (
        <Section title="Browse genres" more={{ to: '/search' }}>
          <ul className="genre-grid" aria-label="Genres">
            {genres.map((c) => (
              <li key={c.id}>
                <GenreTile id={c.id} name={c.name} icons={c.icons} />
              </li>
            ))}
          </ul>
        </Section>
      )}
      {!loading && albums.length === 0 && !releases.error && (
        <Empty title="Nothing to play yet">
          Import a music folder with <code>cadenza import ~/Music</code>, or upload an album in the Studio.
        </Empty>
      )}
      {loading && albums.length === 0 && (
        <div className="page-loading" role="status" aria-label="Loading">
          <span className="spinner" />
        </div>
      )}
    </div>
  );
}

import { type KeyboardEvent, useRef } from 'react';
import type { FollowedArtists, SavedAlbum, SavedTrack } from '../api/playlist-types.js';
import { useApi } from '../api/use-api.js';
import { plural } from '../format.js';
import { useSavedVersion } from '../library/saved.js';
import { usePages } from '../library/use-pages.js';
import { useMe } from '../me.js';
import { usePlayerControls, usePlayingContext } from '../player-context.js';
import { queueItems } from '../queue-items.js';
import { Link, navigate, useLocation } from '../router.js';
import { AlbumCard, ArtistCard, CardGrid } from '../ui/cards.js';
import { Empty, Title } from '../ui/page.js';
import { PlayButton } from '../ui/play-button.js';
import { CatalogTracks } from '../ui/track-table.js';
import { CreatePlaylist, LibraryPlaylists } from './library-playlists.js';

const TABS = [
  { id: 'playlists', label: 'Playlists' },
  { id: 'liked', label: 'Liked songs' },
  { id: 'albums', label: 'Albums' },
  { id: 'artists', label: 'Artists' },
] as const;
type TabId = (typeof TABS)[number]['id'];

/** Tabs with one tab stop: arrows move between them, the chosen one is kept in `?tab=`. */
function Tabs({ current }: { current: TabId }) {
  const list = useRef<HTMLDivElement>(null);
  const pick = (id: TabId, focus = false) => {
    navigate(`/library?tab=${id}`, { replace: true });
    if (focus) list.current?.querySelector<HTMLElement>(`#tab-${id}`)?.focus();
  };
  const onKey = (e: KeyboardEvent) => {
    const at = TABS.findIndex((t) => t.id === current);
    const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: TABS.length - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    pick(TABS[(to + TABS.length) % TABS.length]!.id, true);
  };
  return (
    <div className="chips library-tabs" role="tablist" aria-label="Your Library" ref={list} onKeyDown={onKey}>
      {TABS.map((t) => (
        <button
          key={t.id}
          id={`tab-${t.id}`}
          type="button"
          role="tab"
          className={`chip${t.id === current ? ' is-on' : ''}`}
          aria-selected={t.id === current}
          aria-controls="library-panel"
          tabIndex={t.id === current ? 0 : -1}
          onClick={() => pick(t.id)}
        >
          {t.label}
        </button>
      ))}
    </div>
  );
}

/** "Show more" under a list read page by page. */
function ShowMore({
  pages,
  what,
}: {
  pages: { hasMore: boolean; loading: boolean; more: () => Promise<void> };
  what: string;
}) {
  if (!pages.hasMore) return null;
  return (
    <div className="show-more">
      <button
        type="button"
        className="button button-outline"
        disabled={pages.loading}
        onClick={() => void pages.more()}
      >
        Show more {what}
      </button>
    </div>
  );
}

function LikedSongs() {
  const version = useSavedVersion();
  const pages = usePages<SavedTrack>('/v1/me/tracks?limit=50', version);
  const player = usePlayerControls();
  const playing = usePlayingContext('liked');
  const tracks = pages.items?.map((s) => s.track) ?? [];
  if (pages.items && tracks.length === 0)
    return <Empty title="Songs you like appear here">Save songs by tapping the heart icon.</Empty>;
  return (
    <>
      <div className="action-bar library-action-bar">
        <PlayButton
          label="Liked songs"
          playing={playing}
          onPlay={() => void player.playQueue(queueItems(tracks), 0, 'liked')}
          onPause={() => void player.pause()}
        />
        {pages.items && <span className="muted">{plural(pages.total, 'song')}</span>}
      </div>
      <CatalogTracks tracks={tracks} context="liked" label="Liked songs" showAlbum showArt />
      <ShowMore pages={pages} what="songs" />
    </>
  );
}

function SavedAlbums() {
  const version = useSavedVersion();
  const pages = usePages<SavedAlbum>('/v1/me/albums?limit=50', version);
  const albums = pages.items?.map((s) => s.album) ?? [];
  if (pages.items && albums.length === 0)
    return <Empty title="Albums you save appear here">Press “Save” on an album's page.</Empty>;
  return (
    <>
      <CardGrid items={albums} label="Saved albums" render={(a) => <AlbumCard album={a} />} />
      <ShowMore pages={pages} what="albums" />
    </>
  );
}

function FollowedArtistsList() {
  const version = useSavedVersion();
  const load = useApi<FollowedArtists>('/v1/me/following?type=artist&limit=50', version);
  const artists = load.data?.artists.items ?? [];
  if (load.data && artists.length === 0)
    return <Empty title="Artists you follow appear here">Press “Follow” on an artist's page.</Empty>;
  return <CardGrid items={artists} label="Followed artists" render={(a) => <ArtistCard artist={a} />} />;
}

/** Your Library: playlists (own, collaborative, followed), liked songs, saved albums, followed artists. */
export function LibraryScreen() {
  const { query } = useLocation();
  const me = useMe();
  const tab = (TABS.find((t) => t.id === query.get('tab'))?.id ?? 'playlists') as TabId;
  return (
    <div className="page library">
      <div className="library-head">
        <Title>Your Library</Title>
        <CreatePlaylist />
      </div>
      <p className="library-whoami">
        Your user id, for friends who invite you to a playlist: <code>{me.id}</code>
      </p>
      <Tabs current={tab} />
      <div id="library-panel" role="tabpanel" aria-labelledby={`tab-${tab}`} className="library-panel">
        {tab === 'playlists' && <LibraryPlaylists />}
        {tab === 'liked' && <LikedSongs />}
        {tab === 'albums' && <SavedAlbums />}
        {tab === 'artists' && <FollowedArtistsList />}
      </div>
    </div>
  );
}

export function NotFoundScreen() {
  return (
    <div className="page">
      <div className="placeholder-panel">
        <Title>Page not found</Title>
        <p>
          We can't find that page. <Link to="/">Go home</Link>
        </p>
      </div>
    </div>
  );
}

import { type ReactNode, type RefObject, useEffect, useRef } from 'react';
import { useListeningEvents } from './events/listening-events.js';
import { useJamSession } from './jam/use-jam.js';
import { MeProvider, useMe, useSignedIn } from './me.js';
import { PlayerProvider, usePlayerControls } from './player-context.js';
import { match, navigate, useLocation } from './router.js';
import { AlbumScreen } from './screens/album.js';
import { ArtistScreen } from './screens/artist.js';
import { AuthScreen } from './screens/auth.js';
import { GenreScreen } from './screens/genre.js';
import { HomeScreen, HomeSectionScreen } from './screens/home.js';
import { JamScreen } from './screens/jam.js';
import { LibraryScreen, NotFoundScreen } from './screens/library.js';
import { PlaylistScreen } from './screens/playlist.js';
import { QueueScreen } from './screens/queue.js';
import { RadioScreen } from './screens/radio.js';
import { SearchResultsScreen, SearchScreen } from './screens/search.js';
import { StudioAlbumScreen } from './screens/studio/studio-album.js';
import { StudioHome } from './screens/studio/studio-home.js';
import { TasteScreen } from './screens/taste.js';
import { TrackScreen } from './screens/track.js';
import { FriendActivityPanel, FriendActivityScreen } from './shell/friend-activity.js';
import { NowPlayingBar } from './shell/now-playing-bar.js';
import { useShortcuts } from './shell/shortcuts.js';
import { Sidebar } from './shell/sidebar.js';
import { TopBar } from './shell/top-bar.js';
import { Toasts } from './ui/toasts.js';

/** Every screen of the app, by path. */
const ROUTES: [string, (p: Record<string, string>) => ReactNode][] = [
  ['/', () => <HomeScreen />],
  ['/section/:id', (p) => <HomeSectionScreen id={p.id!} />],
  ['/search', () => <SearchScreen />],
  ['/search/:q', (p) => <SearchResultsScreen q={p.q!} />],
  ['/album/:id', (p) => <AlbumScreen id={p.id!} />],
  ['/artist/:id', (p) => <ArtistScreen id={p.id!} />],
  ['/track/:id', (p) => <TrackScreen id={p.id!} />],
  ['/genre/:id', (p) => <GenreScreen id={p.id!} />],
  ['/library', () => <LibraryScreen />],
  ['/playlist/:id', (p) => <PlaylistScreen id={p.id!} />],
  ['/friends', () => <FriendActivityScreen />],
  ['/queue', () => <QueueScreen />],
  ['/jam', () => <JamScreen />],
  ['/jam/:code', (p) => <JamScreen code={p.code!} />],
  ['/radio/:uri', (p) => <RadioScreen seedUri={p.uri!} />],
  ['/studio', () => <StudioHome />],
  ['/studio/album/:id', (p) => <StudioAlbumScreen id={p.id!} />],
  ['/welcome', () => <TasteScreen welcome />],
  ['/taste', () => <TasteScreen />],
];

/** The screen for `path`; a new screen starts scrolled to its top. */
function Screen({ path, scroller }: { path: string; scroller: RefObject<HTMLElement | null> }) {
  useEffect(() => {
    // Braces matter: Chromium's scrollTo returns a promise, which React would take for a cleanup.
    scroller.current?.scrollTo(0, 0);
  }, [scroller]);
  for (const [pattern, render] of ROUTES) {
    const params = match(pattern, path);
    if (params) return <>{render(params)}</>;
  }
  return <NotFoundScreen />;
}

function Shell() {
  const { path } = useLocation();
  const player = usePlayerControls();
  const main = useRef<HTMLElement>(null);
  useShortcuts(player);
  const me = useMe();
  useListeningEvents(player, me.id);
  useJamSession(player, me.id);

  useEffect(() => {
    if (path === '/login' || path === '/signup') navigate('/', { replace: true });
  }, [path]);

  // A new screen starts at its top (typing in search keeps the scroll of the results).
  const screenKey = path.startsWith('/search') && !path.startsWith('/search/') ? '/search' : path;

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <Sidebar />
      <div className="main-column">
        <TopBar />
        <main
          id="main"
          ref={main}
          tabIndex={-1}
          className="main"
          onScroll={(e) => {
            // The top bar floats over the screen's header and turns opaque once content scrolls under it.
            const scrolled = e.currentTarget.scrollTop > 16;
            e.currentTarget.parentElement?.classList.toggle('is-scrolled', scrolled);
          }}
        >
          <Screen key={screenKey} path={path} scroller={main} />
        </main>
      </div>
      <FriendActivityPanel />
      <NowPlayingBar />
      <Toasts />
    </div>
  );
}

export function App() {
  const signedIn = useSignedIn();
  if (!signedIn)
    return (
      <>
        <AuthScreen />
        <Toasts />
      </>
    );
  return (
    <MeProvider>
      <PlayerProvider>
        <Shell />
      </PlayerProvider>
    </MeProvider>
  );
}

import { useEffect, useRef, useState } from 'react';
import { api } from '../api/client.js';
import type { BestMatch, Category, Paging, SearchResults, Suggestions } from '../api/types.js';
import { useApi } from '../api/use-api.js';
import { usePlayerControls, usePlayingContext } from '../player-context.js';
import { queueItems } from '../queue-items.js';
import { Link, useLocation } from '../router.js';
import { Artwork } from '../ui/artwork.js';
import { AlbumCard, ArtistCard, CardGrid, GenreTile, usePlayAlbum, usePlayArtist } from '../ui/cards.js';
import { Empty, Loading, Section, Title } from '../ui/page.js';
import { PlayButton } from '../ui/play-button.js';
import { CatalogTracks } from '../ui/track-table.js';

/** Typeahead waits this long after a keystroke (a burst of typing sends one request). */
const DEBOUNCE_MS = 40;

/**
 * Suggestions for `q` as it is typed: debounced, the previous request aborted when a new one starts,
 * and an answer older than the one shown ignored (they can arrive out of order).
 */
function useSuggestions(q: string): { q: string; data: Suggestions | null; error: Error | null } | null {
  const [result, setResult] = useState<{ q: string; data: Suggestions | null; error: Error | null } | null>(null);
  const sent = useRef(0);
  const shown = useRef(0);
  useEffect(() => {
    const text = q.trim();
    if (!text) {
      setResult(null);
      return;
    }
    const mine = ++sent.current;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      api.get<Suggestions>(`/v1/search/suggest?q=${encodeURIComponent(text)}&limit=5`, controller.signal).then(
        (data) => {
          if (mine < shown.current) return;
          shown.current = mine;
          setResult({ q: text, data, error: null });
        },
        (error: Error) => {
          if (controller.signal.aborted || mine < shown.current) return;
          shown.current = mine;
          setResult({ q: text, data: null, error });
        },
      );
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [q]);
  return result;
}

function BestMatchCard({ best, context }: { best: BestMatch; context: string }) {
  const player = usePlayerControls();
  const playAlbum = usePlayAlbum();
  const playArtist = usePlayArtist();
  const key =
    best.type === 'artist' ? `artist:${best.item.id}` : best.type === 'album' ? `album:${best.item.id}` : context;
  const playing = usePlayingContext(key);
  const { item } = best;
  const images = best.type === 'track' ? best.item.album.images : best.item.images;
  const byline = best.type === 'artist' ? null : best.item.artists;
  const play = () => {
    if (best.type === 'track') void player.playQueue(queueItems([best.item]), 0, context);
    else if (best.type === 'album') void playAlbum(best.item);
    else void playArtist(best.item.id);
  };
  return (
    <article className="best-match" data-testid="best-match">
      <Artwork images={images} size={96} seed={item.id} round={best.type === 'artist'} className="best-art" />
      <Link to={`/${best.type}/${item.id}`} className="best-name card-link">
        {item.name}
      </Link>
      <div className="best-meta">
        {byline && <span>{byline.map((a) => a.name).join(', ')}</span>}
        <span className="pill">{best.type === 'track' ? 'Song' : best.type === 'artist' ? 'Artist' : 'Album'}</span>
      </div>
      <PlayButton
        className="best-play"
        label={item.name}
        playing={playing}
        onPlay={play}
        onPause={() => void player.pause()}
      />
    </article>
  );
}

/** What the typeahead shows for the current query, or the genres when the box is empty. */
export function SearchScreen() {
  const { query } = useLocation();
  const q = query.get('q') ?? '';
  const result = useSuggestions(q);
  if (!q.trim()) return <BrowseAll />;
  const data = result?.data;
  const stale = result?.q !== q.trim();
  return (
    <div className={`page search${stale ? ' is-stale' : ''}`} aria-busy={stale}>
      <h1 className="visually-hidden">Search results for “{q}”</h1>
      {result?.error && <p className="form-error">{result.error.message}</p>}
      {data &&
        !data.best_match &&
        !data.tracks?.items.length &&
        !data.artists?.items.length &&
        !data.albums?.items.length && (
          <Empty title={`No results found for “${data.q}”`}>Check the spelling, or search for something else.</Empty>
        )}
      {data && (data.best_match || (data.tracks?.items.length ?? 0) > 0) && (
        <div className="search-top">
          {data.best_match && (
            <Section title="Top result">
              <BestMatchCard best={data.best_match} context={`search:${data.q}`} />
            </Section>
          )}
          {data.tracks && data.tracks.items.length > 0 && (
            <Section title="Songs" more={{ to: `/search/${encodeURIComponent(data.q)}?type=track`, label: 'See all' }}>
              <CatalogTracks
                tracks={data.tracks.items.slice(0, 4)}
                context={`search:${data.q}`}
                label="Songs"
                showArt
              />
            </Section>
          )}
        </div>
      )}
      {data?.artists && data.artists.items.length > 0 && (
        <Section title="Artists" more={{ to: `/search/${encodeURIComponent(data.q)}?type=artist`, label: 'See all' }}>
          <CardGrid items={data.artists.items} label="Artists" render={(a) => <ArtistCard artist={a} />} />
        </Section>
      )}
      {data?.albums && data.albums.items.length > 0 && (
        <Section title="Albums" more={{ to: `/search/${encodeURIComponent(data.q)}?type=album`, label: 'See all' }}>
          <CardGrid items={data.albums.items} label="Albums" render={(a) => <AlbumCard album={a} />} />
        </Section>
      )}
      {data && (
        <p className="see-all">
          <Link to={`/search/${encodeURIComponent(data.q)}`} className="button button-outline">
            See all results for “{data.q}”
          </Link>
        </p>
      )}
    </div>
  );
}

function BrowseAll() {
  const load = useApi<{ categories: Paging<Category> }>('/v1/browse/categories?limit=50');
  return (
    <div className="page">
      <Title>Browse all</Title>
      <Loading load={load}>
        {(data) =>
          data.categories.items.length ? (
            <ul className="genre-grid" aria-label="Genres">
              {data.categories.items.map((c) => (
                <li key={c.id}>
                  <GenreTile id={c.id} name={c.name} icons={c.icons} />
                </li>
              ))}
            </ul>
          ) : (
            <Empty title="No genres yet">Genres come from the tags of published albums.</Empty>
          )
        }
      </Loading>
    </div>
  );
}

const FILTERS = [
  { type: '', label: 'All' },
  { type: 'track', label: 'Songs' },
  { type: 'artist', label: 'Artists' },
  { type: 'album', label: 'Albums' },
] as const;

/** `/search/{q}`: full results of `GET /v1/search`, all types or one (`?type=`). */
export function SearchResultsScreen({ q }: { q: string }) {
  const { query } = useLocation();
  const only = FILTERS.find((f) => f.type && f.type === query.get('type'))?.type ?? '';
  const types = only || 'track,artist,album';
  const load = useApi<SearchResults>(`/v1/search?q=${encodeURIComponent(q)}&type=${types}&limit=${only ? 50 : 20}`);
  const base = `/search/${encodeURIComponent(q)}`;
  return (
    <div className="page">
      <Title>Results for “{q}”</Title>
      <nav className="chips" aria-label="Filter results">
        {FILTERS.map((f) => (
          <Link
            key={f.label}
            to={f.type ? `${base}?type=${f.type}` : base}
            className={`chip${only === f.type ? ' is-on' : ''}`}
            aria-current={only === f.type ? 'page' : undefined}
          >
            {f.label}
          </Link>
        ))}
      </nav>
      <Loading load={load}>
        {(r) => {
          const none = !r.tracks?.items.length && !r.artists?.items.length && !r.albums?.items.length;
          if (none) return <Empty title={`No results found for “${q}”`}>Check the spelling, or try fewer words.</Empty>;
          return (
            <>
              {r.tracks && r.tracks.items.length > 0 && (
                <Section title="Songs">
                  <CatalogTracks tracks={r.tracks.items} context={`search:${q}`} label="Songs" showAlbum showArt />
                </Section>
              )}
              {r.artists && r.artists.items.length > 0 && (
                <Section title="Artists">
                  <CardGrid items={r.artists.items} label="Artists" render={(a) => <ArtistCard artist={a} />} />
                </Section>
              )}
              {r.albums && r.albums.items.length > 0 && (
                <Section title="Albums">
                  <CardGrid items={r.albums.items} label="Albums" render={(a) => <AlbumCard album={a} />} />
                </Section>
              )}
            </>
          );
        }}
      </Loading>
    </div>
  );
}

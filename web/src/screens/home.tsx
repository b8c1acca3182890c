import type { AlbumSummary, Category, Home, HomeSection, Paging } from '../api/types.js';
import { useApi } from '../api/use-api.js';
import { useMe } from '../me.js';
import { Link } from '../router.js';
import { CardRow } from '../ui/card-row.js';
import { AlbumCard, CardGrid, GenreTile } from '../ui/cards.js';
import { Empty, Loading, Section, Title } from '../ui/page.js';
import { HomeCard, HomeSkeleton, Shortcuts } from './home-sections.js';
import { genreLabel } from './taste.js';

function greeting(): string {
  const h = new Date().getHours();
  return h < 5 ? 'Good night' : h < 12 ? 'Good morning' : h < 18 ? 'Good afternoon' : 'Good evening';
}

/** The section of the personalised home shown as shortcut tiles at the top, as on Spotify. */
const SHORTCUTS = 'recently-played';
const MAX_SHORTCUTS = 8;
/** Sections the screen shows from the browse routes below the personalised ones (everyone's new releases). */
const SHOWN_BELOW = new Set(['new-releases']);

/** Sections that show the listener has played something: without them, Home offers the genre picker. */
const LISTENED = new Set(['recently-played', 'top-artists', 'jump-back-in']);

/** Shown to a listener with nothing played yet: their recommendations start from the genres they pick. */
function TastePrompt() {
  const taste = useApi<{ genres: string[] }>('/v1/me/taste/genres');
  if (!taste.data) return null;
  const picked = taste.data.genres;
  return (
    <section className="taste-prompt" aria-label="Your genres">
      <div>
        <h2>{picked.length === 0 ? 'Pick some genres you like' : 'Picked from your genres'}</h2>
        <p>
          {picked.length === 0
            ? 'Your recommendations will start from them until you have listened for a while.'
            : picked.map(genreLabel).join(', ')}
        </p>
      </div>
      <Link to="/taste" className="button button-outline">
        {picked.length === 0 ? 'Pick genres' : 'Change'}
      </Link>
    </section>
  );
}

/** One personalised row: a line of cards, and "Show all" when more than fit are there. */
function HomeRow({ section }: { section: HomeSection }) {
  return (
    <Section title={section.title} more={{ to: `/section/${encodeURIComponent(section.id)}` }}>
      <CardRow items={section.items} label={section.title} render={(item) => <HomeCard item={item} />} />
    </Section>
  );
}

export function HomeScreen() {
  const me = useMe();
  // The personalised part; when it fails, Home still shows what everyone gets.
  const home = useApi<Home>('/v1/me/home');
  const releases = useApi<{ albums: Paging<AlbumSummary> }>('/v1/browse/new-releases?limit=24');
  const categories = useApi<{ categories: Paging<Category> }>('/v1/browse/categories?limit=12');
  const sections = (home.data?.sections ?? []).filter((s) => s.items.length > 0);
  const shortcuts = sections.find((s) => s.id === SHORTCUTS);
  const rows = sections.filter((s) => s !== shortcuts && !SHOWN_BELOW.has(s.id));
  const albums = releases.data?.albums.items ?? [];
  const genres = categories.data?.categories.items ?? [];
  const loading = releases.loading || categories.loading;
  const cold = home.data !== null && !sections.some((s) => LISTENED.has(s.id));

  return (
    <div className="page home">
      <div className="home-head">
        <Title>
          {greeting()}
          {me.display_name ? `, ${me.display_name}` : ''}
        </Title>
      </div>
      {home.loading && <HomeSkeleton />}
      {cold && <TastePrompt />}
      {shortcuts && (
        <Section title={shortcuts.title}>
          <Shortcuts items={shortcuts.items.slice(0, MAX_SHORTCUTS)} label={shortcuts.title} />
        </Section>
      )}
      {rows.map((s) => (
        <HomeRow key={s.id} section={s} />
      ))}
      {releases.error && <p className="form-error">Could not load new releases: {releases.error.message}</p>}
      {albums.length > 0 && (
        <Section title="Recently added">
          <Shortcuts items={albums.slice(0, 6).map((a) => ({ ...a, type: 'album' }))} label="Recently added" />
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
      {!loading && !home.loading && albums.length === 0 && sections.length === 0 && !releases.error && (
        <Empty title="Nothing to play yet">
          Import a music folder with <code>cadenza import ~/Music</code>, or upload an album in the Studio.
        </Empty>
      )}
      {loading && !home.loading && albums.length === 0 && (
        <div className="page-loading" role="status" aria-label="Loading">
          <span className="spinner" />
        </div>
      )}
    </div>
  );
}

/** "Show all" of a home row: every card of the section. */
export function HomeSectionScreen({ id }: { id: string }) {
  const home = useApi<Home>('/v1/me/home');
  return (
    <Loading load={home}>
      {(h) => {
        const section = h.sections.find((s) => s.id === id);
        if (!section) return <Empty title="Not found">This part of your home is not there any more.</Empty>;
        return (
          <div className="page">
            <Title>{section.title}</Title>
            <CardGrid
              items={section.items.map((item) => ({ ...item, id: `${item.type}:${item.id}`, item }))}
              label={section.title}
              render={({ item }) => <HomeCard item={item} />}
            />
          </div>
        );
      }}
    </Loading>
  );
}

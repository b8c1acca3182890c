import { Link } from '../router.js';
import { Icon } from '../ui/icons.js';
import { Title } from '../ui/page.js';

/** Saved tracks, albums and playlists are not built yet: say so rather than show made-up rows. */
export function LibraryScreen() {
  return (
    <div className="page">
      <Title>Your Library</Title>
      <div className="placeholder-panel">
        <Icon name="library" size={48} />
        <h2>Your library arrives with saved tracks</h2>
        <p>
          Saving songs, albums and artists is not part of Cadenza yet. When it lands, what you save shows up here. Until
          then, find music on <Link to="/">Home</Link> or through <Link to="/search">Search</Link>.
        </p>
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

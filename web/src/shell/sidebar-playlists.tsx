import { userName } from '../api/playlist-types.js';
import { useMyPlaylists } from '../library/playlists.js';
import { Link, useLocation } from '../router.js';
import { Artwork } from '../ui/artwork.js';

/** The listener's playlists under the main navigation (wide screens), each a link to its page. */
export function SidebarPlaylists() {
  const load = useMyPlaylists();
  const { path } = useLocation();
  const playlists = load.data?.items ?? [];
  if (playlists.length === 0) return null;
  return (
    <section className="sidebar-playlists" aria-labelledby="sidebar-playlists-title">
      <h2 id="sidebar-playlists-title">Playlists</h2>
      <ul>
        {playlists.map((p) => {
          const here = path === `/playlist/${p.id}`;
          return (
            <li key={p.id}>
              <Link
                to={`/playlist/${p.id}`}
                className={`sidebar-playlist${here ? ' is-active' : ''}`}
                aria-current={here ? 'page' : undefined}
              >
                <Artwork images={p.images} size={40} seed={p.id} className="sidebar-playlist-art" />
                <span className="sidebar-playlist-text">
                  <span className="sidebar-playlist-name">{p.name}</span>
                  <span className="sidebar-playlist-owner">
                    {p.collaborative ? 'Collaborative' : 'Playlist'} • {userName(p.owner)}
                  </span>
                </span>
              </Link>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

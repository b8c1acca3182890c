import { canUseStudio, useMe } from '../me.js';
import { Link, useLocation } from '../router.js';
import { Icon, type IconName } from '../ui/icons.js';
import { SidebarPlaylists } from './sidebar-playlists.js';

const ITEMS: { to: string; label: string; icon: IconName; studio?: boolean }[] = [
  { to: '/', label: 'Home', icon: 'home' },
  { to: '/search', label: 'Search', icon: 'search' },
  { to: '/library', label: 'Library', icon: 'library' },
  { to: '/queue', label: 'Queue', icon: 'queue' },
  { to: '/friends', label: 'Friends', icon: 'users' },
  { to: '/studio', label: 'Studio', icon: 'studio', studio: true },
];

/** Main navigation: a sidebar on wide screens, a bottom tab bar on phones. */
export function Sidebar() {
  const me = useMe();
  const { path } = useLocation();
  const isActive = (to: string) => (to === '/' ? path === '/' : path === to || path.startsWith(`${to}/`));
  return (
    <nav className="sidebar" aria-label="Main">
      <Link to="/" className="brand" aria-label="Cadenza home">
        <Icon name="note" size={28} />
        <span>Cadenza</span>
      </Link>
      <ul className="nav-list">
        {ITEMS.filter((item) => !item.studio || canUseStudio(me)).map((item) => (
          <li key={item.to}>
            <Link
              to={item.to}
              className={`nav-link${isActive(item.to) ? ' is-active' : ''}`}
              aria-current={isActive(item.to) ? 'page' : undefined}
            >
              <Icon name={item.to === '/' && isActive('/') ? 'homeFilled' : item.icon} size={24} />
              <span>{item.label}</span>
            </Link>
          </li>
        ))}
      </ul>
      <SidebarPlaylists />
    </nav>
  );
}

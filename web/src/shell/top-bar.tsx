import { useEffect, useState } from 'react';
import { session } from '../api/session.js';
import { useMe } from '../me.js';
import { navigate, useLocation } from '../router.js';
import { Icon } from '../ui/icons.js';
import { Popover } from '../ui/popover.js';

export const SEARCH_INPUT_ID = 'search-input';

/** What the search box shows for the current address: the typed or the submitted query. */
function queryOf(path: string, query: URLSearchParams): string | null {
  if (path === '/search') return query.get('q') ?? '';
  if (path.startsWith('/search/')) {
    try {
      return decodeURIComponent(path.slice('/search/'.length));
    } catch {
      return '';
    }
  }
  return null;
}

/** Back/forward, the search box (typing goes to the search screen) and the account menu. */
export function TopBar() {
  const me = useMe();
  const { path, query } = useLocation();
  const fromUrl = queryOf(path, query);
  const [text, setText] = useState(fromUrl ?? '');
  const onSearch = fromUrl !== null;

  // Follow the address when it changes under us (back/forward, a "see all" link).
  useEffect(() => {
    if (fromUrl !== null) setText(fromUrl);
  }, [fromUrl]);

  const type = (value: string) => {
    setText(value);
    const to = value ? `/search?q=${encodeURIComponent(value)}` : '/search';
    // One history entry for the whole typing session: push on entering search, replace after.
    navigate(to, { replace: path === '/search' });
  };

  return (
    <header className={`top-bar${onSearch ? ' on-search' : ''}`}>
      <div className="history-buttons">
        <button type="button" className="icon-button round" aria-label="Go back" onClick={() => history.back()}>
          <Icon name="back" size={20} />
        </button>
        <button type="button" className="icon-button round" aria-label="Go forward" onClick={() => history.forward()}>
          <Icon name="forward" size={20} />
        </button>
      </div>
      <search className="search-box">
        <form
          className="search-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (text.trim()) navigate(`/search/${encodeURIComponent(text.trim())}`);
          }}
        >
          <Icon name="search" size={20} className="search-icon" />
          <input
            id={SEARCH_INPUT_ID}
            type="search"
            aria-label="Search"
            placeholder="What do you want to play?"
            autoComplete="off"
            spellCheck={false}
            value={text}
            onChange={(e) => type(e.target.value)}
          />
          <span className="search-hint" aria-hidden="true">
            /
          </span>
        </form>
      </search>
      {/* Keyed by the address: going somewhere from the menu closes it. */}
      <Popover
        key={path}
        label="Account"
        buttonClass="avatar-button"
        buttonContent={<span aria-hidden="true">{(me.display_name || me.username).slice(0, 1).toUpperCase()}</span>}
        panelClass="account-menu"
        testId="account-button"
      >
        <div className="account-who">
          <strong>{me.display_name || me.username}</strong>
          <span>
            @{me.username} · {me.product === 'premium' ? 'Premium' : 'Free'} · {me.role}
          </span>
        </div>
        <button type="button" className="menu-item" onClick={() => navigate('/taste')}>
          <Icon name="heart" size={18} /> Your genres
        </button>
        <button type="button" className="menu-item" onClick={() => void session.logOut()}>
          <Icon name="logout" size={18} /> Log out
        </button>
      </Popover>
    </header>
  );
}

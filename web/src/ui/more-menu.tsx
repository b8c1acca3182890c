import { type KeyboardEvent, useEffect } from 'react';
import { createPortal } from 'react-dom';
import { navigate } from '../router.js';
import { moveFocus, useAnchoredMenu } from './anchored-menu.js';
import { Icon, type IconName } from './icons.js';

export interface MenuAction {
  label: string;
  icon?: IconName;
  onSelect: () => void;
}

/** "Go to song radio" and friends: opens the radio screen of a `cadenza:<type>:<id>` seed. */
export const radioAction = (label: string, seedUri: string): MenuAction => ({
  label,
  icon: 'radio',
  onSelect: () => navigate(`/radio/${seedUri}`),
});

/**
 * Spotify's "…" button: a menu of actions on one item. Drawn over the page (a portal) so a table
 * row never clips it; Escape, a click outside or a scroll closes it; arrows move between entries.
 */
export function MoreMenu({
  label,
  actions,
  tabIndex,
  size = 16,
  className = 'icon-button small',
}: {
  /** What the menu is for: the button reads "More options for <label>". */
  label: string;
  actions: MenuAction[];
  tabIndex?: number;
  size?: number;
  className?: string;
}) {
  const menu = useAnchoredMenu();
  const name = `More options for ${label}`;

  useEffect(() => {
    if (menu.place) menu.panel.current?.querySelector<HTMLElement>('button')?.focus();
  }, [menu.place, menu.panel]);

  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape' || e.key === 'Tab') {
      e.stopPropagation();
      menu.close(e.key === 'Escape');
      return;
    }
    moveFocus(e, menu.panel.current);
  };

  return (
    <>
      <button type="button" className={className} aria-label={name} title={name} tabIndex={tabIndex} {...menu.trigger}>
        <Icon name="more" size={size} />
      </button>
      {menu.place &&
        createPortal(
          <div
            id={menu.id}
            ref={menu.panel}
            style={menu.place}
            className="popover more-menu"
            role="menu"
            aria-label={name}
            onKeyDown={onKey}
          >
            {actions.map((a) => (
              <button
                key={a.label}
                type="button"
                role="menuitem"
                className="menu-item"
                onClick={() => {
                  menu.close(false);
                  a.onSelect();
                }}
              >
                {a.icon && <Icon name={a.icon} size={16} />}
                {a.label}
              </button>
            ))}
          </div>,
          document.body,
        )}
    </>
  );
}

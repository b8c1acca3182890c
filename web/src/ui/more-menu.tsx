import { type CSSProperties, type KeyboardEvent, useEffect, useId, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import { navigate } from '../router.js';
import { placeNear } from './add-to-playlist.js';
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
  const [open, setOpen] = useState<CSSProperties | null>(null);
  const id = useId();
  const panel = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const name = `More options for ${label}`;

  useEffect(() => {
    if (!open) return;
    panel.current?.querySelector<HTMLElement>('button')?.focus();
    const onDown = (e: PointerEvent) => {
      const target = e.target as Node;
      if (!button.current?.contains(target) && !panel.current?.contains(target)) setOpen(null);
    };
    const onScroll = () => setOpen(null);
    document.addEventListener('pointerdown', onDown);
    document.addEventListener('scroll', onScroll, true);
    return () => {
      document.removeEventListener('pointerdown', onDown);
      document.removeEventListener('scroll', onScroll, true);
    };
  }, [open]);

  const onKey = (e: KeyboardEvent) => {
    const items = [...(panel.current?.querySelectorAll<HTMLElement>('button') ?? [])];
    const at = items.indexOf(document.activeElement as HTMLElement);
    if (e.key === 'Escape' || e.key === 'Tab') {
      e.stopPropagation();
      setOpen(null);
      if (e.key === 'Escape') button.current?.focus();
      return;
    }
    const to = e.key === 'ArrowDown' ? at + 1 : e.key === 'ArrowUp' ? at - 1 : null;
    if (to === null) return;
    e.preventDefault();
    items[(to + items.length) % items.length]?.focus();
  };

  return (
    <>
      <button
        ref={button}
        type="button"
        className={className}
        aria-label={name}
        title={name}
        aria-haspopup="menu"
        aria-expanded={open !== null}
        aria-controls={open ? id : undefined}
        tabIndex={tabIndex}
        onClick={(e) => setOpen(open ? null : placeNear(e.currentTarget))}
      >
        <Icon name="more" size={size} />
      </button>
      {open &&
        createPortal(
          <div
            id={id}
            ref={panel}
            style={open}
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
                  setOpen(null);
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

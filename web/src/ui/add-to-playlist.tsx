import { type CSSProperties, type RefObject, useEffect, useRef } from 'react';
import { createPortal } from 'react-dom';
import { addToPlaylist, editable, useMyPlaylists } from '../library/playlists.js';
import { useMe } from '../me.js';
import { moveFocus, useAnchoredMenu } from './anchored-menu.js';
import { Icon } from './icons.js';
import { toast } from './toasts.js';

/**
 * "Add to playlist": a menu of the playlists this listener may edit. It is drawn over the page (a
 * portal), so a table row or a scrolling area never clips it. Escape, a click outside or a scroll
 * closes it; Escape gives focus back to the button.
 */
export function AddToPlaylist({ trackId, name, tabIndex }: { trackId: string; name: string; tabIndex?: number }) {
  const menu = useAnchoredMenu();

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: Escape anywhere in the menu closes it
    <div
      className="popover-wrap add-to-playlist"
      onKeyDown={(e) => {
        if (e.key !== 'Escape' || !menu.place) return;
        e.stopPropagation();
        menu.close(true);
      }}
    >
      <button
        type="button"
        className="icon-button small"
        aria-label={`Add ${name} to playlist`}
        title="Add to playlist"
        tabIndex={tabIndex}
        {...menu.trigger}
      >
        <Icon name="addTo" size={16} />
      </button>
      {menu.place &&
        createPortal(
          <PlaylistMenu
            id={menu.id}
            ref={menu.panel}
            style={menu.place}
            label={`Add ${name} to playlist`}
            onPick={async (playlistId, playlistName) => {
              menu.close(true);
              try {
                await addToPlaylist(playlistId, [trackId]);
                toast(`Added to ${playlistName}`);
              } catch (err) {
                toast(`Could not add to ${playlistName}: ${(err as Error).message}`, 'error');
              }
            }}
          />,
          document.body,
        )}
    </div>
  );
}

function PlaylistMenu({
  id,
  ref,
  style,
  label,
  onPick,
}: {
  id: string;
  ref: RefObject<HTMLDivElement | null>;
  style: CSSProperties;
  label: string;
  onPick: (id: string, name: string) => void;
}) {
  const me = useMe();
  const load = useMyPlaylists();
  const list = useRef<HTMLUListElement>(null);
  const items = (load.data?.items ?? []).filter((p) => editable(p, me));
  const loaded = load.data !== null;
  // Focus the first playlist once the list is there (and stays on it while the list reloads).
  useEffect(() => {
    if (loaded) list.current?.querySelector<HTMLElement>('button')?.focus();
  }, [loaded]);
  return (
    <div id={id} ref={ref} style={style} className="popover playlist-menu" aria-label={label} role="dialog">
      <p className="playlist-menu-head">Add to playlist</p>
      {load.loading && <p className="muted">Loading…</p>}
      {load.data && items.length === 0 && <p className="muted">Create a playlist in Your Library first.</p>}
      <ul ref={list} onKeyDown={(e) => moveFocus(e, list.current)}>
        {items.map((p) => (
          <li key={p.id}>
            <button type="button" className="menu-item" onClick={() => onPick(p.id, p.name)}>
              {p.name}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

import { type CSSProperties, type KeyboardEvent, type RefObject, useEffect, useId, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import { addToPlaylist, editable, useMyPlaylists } from '../library/playlists.js';
import { useMe } from '../me.js';
import { Icon } from './icons.js';
import { toast } from './toasts.js';

/** Where a menu goes: under its button, or above it near the bottom of the window. */
export function placeNear(button: HTMLElement): CSSProperties {
  const r = button.getBoundingClientRect();
  const right = Math.max(8, window.innerWidth - r.right);
  if (r.bottom + 300 > window.innerHeight) return { position: 'fixed', right, bottom: window.innerHeight - r.top + 4 };
  return { position: 'fixed', right, top: r.bottom + 4 };
}

/**
 * "Add to playlist": a menu of the playlists this listener may edit. It is drawn over the page (a
 * portal), so a table row or a scrolling area never clips it. Escape, a click outside or a scroll
 * closes it; Escape gives focus back to the button.
 */
export function AddToPlaylist({ trackId, name, tabIndex }: { trackId: string; name: string; tabIndex?: number }) {
  const [open, setOpen] = useState<CSSProperties | null>(null);
  const id = useId();
  const panel = useRef<HTMLDivElement>(null);
  const wrap = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!open) return;
    const onDown = (e: PointerEvent) => {
      const target = e.target as Node;
      if (!wrap.current?.contains(target) && !panel.current?.contains(target)) setOpen(null);
    };
    const onScroll = (e: Event) => {
      if (!panel.current?.contains(e.target as Node)) setOpen(null);
    };
    document.addEventListener('pointerdown', onDown);
    document.addEventListener('scroll', onScroll, true);
    return () => {
      document.removeEventListener('pointerdown', onDown);
      document.removeEventListener('scroll', onScroll, true);
    };
  }, [open]);

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: Escape anywhere in the menu closes it
    <div
      className="popover-wrap add-to-playlist"
      ref={wrap}
      onKeyDown={(e) => {
        if (e.key !== 'Escape' || !open) return;
        e.stopPropagation();
        setOpen(null);
        button.current?.focus();
      }}
    >
      <button
        ref={button}
        type="button"
        className="icon-button small"
        aria-label={`Add ${name} to playlist`}
        title="Add to playlist"
        aria-haspopup="menu"
        aria-expanded={open !== null}
        aria-controls={open ? id : undefined}
        tabIndex={tabIndex}
        onClick={(e) => setOpen(open ? null : placeNear(e.currentTarget))}
      >
        <Icon name="addTo" size={16} />
      </button>
      {open &&
        createPortal(
          <PlaylistMenu
            id={id}
            ref={panel}
            style={open}
            label={`Add ${name} to playlist`}
            onPick={async (playlistId, playlistName) => {
              setOpen(null);
              button.current?.focus();
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
  const move = (e: KeyboardEvent) => {
    const buttons = [...(list.current?.querySelectorAll<HTMLElement>('button') ?? [])];
    const at = buttons.indexOf(document.activeElement as HTMLElement);
    const to = e.key === 'ArrowDown' ? at + 1 : e.key === 'ArrowUp' ? at - 1 : null;
    if (to === null) return;
    e.preventDefault();
    buttons[(to + buttons.length) % buttons.length]?.focus();
  };
  return (
    <div id={id} ref={ref} style={style} className="popover playlist-menu" aria-label={label} role="dialog">
      <p className="playlist-menu-head">Add to playlist</p>
      {load.loading && <p className="muted">Loading…</p>}
      {load.data && items.length === 0 && <p className="muted">Create a playlist in Your Library first.</p>}
      <ul ref={list} onKeyDown={move}>
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

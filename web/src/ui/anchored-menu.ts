import { type CSSProperties, type KeyboardEvent, useEffect, useId, useRef, useState } from 'react';

/** Where a menu goes: under its button, or above it near the bottom of the window. */
export function placeNear(button: HTMLElement): CSSProperties {
  const r = button.getBoundingClientRect();
  const right = Math.max(8, window.innerWidth - r.right);
  if (r.bottom + 300 > window.innerHeight) return { position: 'fixed', right, bottom: window.innerHeight - r.top + 4 };
  return { position: 'fixed', right, top: r.bottom + 4 };
}

/**
 * The state of a menu drawn over the page (a portal) next to the button that opens it, so a table row
 * or a scrolling area never clips it. A click outside the button and the menu, or a scroll of the page
 * (not of the menu itself), closes it.
 */
export function useAnchoredMenu() {
  const [place, setPlace] = useState<CSSProperties | null>(null);
  const id = useId();
  const panel = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!place) return;
    const outside = (target: EventTarget | null) =>
      !button.current?.contains(target as Node) && !panel.current?.contains(target as Node);
    const onDown = (e: PointerEvent) => {
      if (outside(e.target)) setPlace(null);
    };
    const onScroll = (e: Event) => {
      if (!panel.current?.contains(e.target as Node)) setPlace(null);
    };
    document.addEventListener('pointerdown', onDown);
    document.addEventListener('scroll', onScroll, true);
    return () => {
      document.removeEventListener('pointerdown', onDown);
      document.removeEventListener('scroll', onScroll, true);
    };
  }, [place]);

  return {
    /** Where the open menu sits; null while it is closed. */
    place,
    id,
    panel,
    /** Closes the menu; `refocus` gives focus back to its button (after Escape or a choice). */
    close(refocus: boolean) {
      setPlace(null);
      if (refocus) button.current?.focus();
    },
    /** Spread on the button: opens and closes the menu and says so to assistive technology. */
    trigger: {
      ref: button,
      'aria-haspopup': 'menu' as const,
      'aria-expanded': place !== null,
      'aria-controls': place ? id : undefined,
      onClick: (e: { currentTarget: HTMLElement }) => setPlace(place ? null : placeNear(e.currentTarget)),
    },
  };
}

/** Up and down arrows move focus between the buttons inside `box`, wrapping at either end. */
export function moveFocus(e: KeyboardEvent, box: HTMLElement | null): void {
  const buttons = [...(box?.querySelectorAll<HTMLElement>('button') ?? [])];
  const at = buttons.indexOf(document.activeElement as HTMLElement);
  const to = e.key === 'ArrowDown' ? at + 1 : e.key === 'ArrowUp' ? at - 1 : null;
  if (to === null) return;
  e.preventDefault();
  buttons[(to + buttons.length) % buttons.length]?.focus();
}

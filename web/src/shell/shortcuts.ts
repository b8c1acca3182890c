import { useEffect } from 'react';
import type { PlayerHost } from '../player-host.js';
import { navigate } from '../router.js';
import { SEARCH_INPUT_ID } from './top-bar.js';

const SEEK_STEP_MS = 5000;

/** Text fields and controls whose own keys must not be taken over. */
function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement)
    return !['checkbox', 'radio', 'button', 'submit', 'range'].includes(target.type);
  return false;
}

/** Elements that act on Space themselves (a focused button is pressed, not the player toggled). */
function spaceIsTheirs(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLElement &&
    (target instanceof HTMLButtonElement ||
      target instanceof HTMLAnchorElement ||
      (target instanceof HTMLInputElement && (target.type === 'checkbox' || target.type === 'radio')))
  );
}

export function focusSearch(): void {
  const input = document.getElementById(SEARCH_INPUT_ID) as HTMLInputElement | null;
  if (input && input.offsetParent !== null) {
    input.focus();
    input.select();
    return;
  }
  // The box is hidden off the search screen on phones: go there first.
  navigate('/search');
  requestAnimationFrame(() => (document.getElementById(SEARCH_INPUT_ID) as HTMLInputElement | null)?.focus());
}

/**
 * Space: play/pause. Left/Right: seek ±5 s (Shift: previous/next track). `/`: focus search. None of
 * them while typing in a field; arrows are left to sliders, which use them.
 */
export function useShortcuts(player: PlayerHost): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
      const onSlider = e.target instanceof HTMLInputElement && e.target.type === 'range';
      if (e.key === '/') {
        focusSearch();
      } else if (e.key === ' ' && !spaceIsTheirs(e.target)) {
        void player.toggle();
      } else if ((e.key === 'ArrowLeft' || e.key === 'ArrowRight') && !onSlider) {
        const forward = e.key === 'ArrowRight';
        if (e.shiftKey) void (forward ? player.next() : player.previous());
        else {
          const s = player.getState();
          if (s.index < 0) return;
          const to = s.positionMs + (forward ? SEEK_STEP_MS : -SEEK_STEP_MS);
          void player.seek(Math.max(0, Math.min(to, Math.max(0, s.durationMs - 250))));
        }
      } else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [player]);
}

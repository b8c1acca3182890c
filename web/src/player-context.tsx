import { createContext, type ReactNode, useContext, useEffect, useState, useSyncExternalStore } from 'react';
import { session } from './api/session.js';
import { bindMediaSession } from './media-session.js';
import type { PlayerState } from './player/index.js';
import { PlayerHost } from './player-host.js';

const PlayerContext = createContext<PlayerHost | null>(null);

export function PlayerProvider({ children }: { children: ReactNode }) {
  const [host] = useState(() => new PlayerHost());
  useEffect(() => bindMediaSession(host), [host]);
  // This player is a Connect device while the listener is signed in.
  useEffect(() => host.start(), [host]);
  // The provider goes away when the listener signs out: stop the music and forget their queue.
  useEffect(
    () => () => {
      void host.pause();
      if (!session.signedIn()) host.forgetQueue();
    },
    [host],
  );
  return <PlayerContext.Provider value={host}>{children}</PlayerContext.Provider>;
}

/**
 * The player's controls alone: the component does not re-render when the player's state changes
 * (it changes four times a second while playing, and at every step of a start).
 */
export function usePlayerControls(): PlayerHost {
  const player = useContext(PlayerContext);
  if (!player) throw new Error('usePlayer outside PlayerProvider');
  return player;
}

/** The player's controls (stable) and its state (re-renders on every change). */
export function usePlayer(): { player: PlayerHost; state: PlayerState } {
  const player = usePlayerControls();
  const state = useSyncExternalStore(player.subscribe, player.getState);
  return { player, state };
}

/** One value derived from the player's state: re-renders only when it changes (return a primitive). */
export function usePlayerSelect<T>(select: (state: PlayerState, player: PlayerHost) => T): T {
  const player = usePlayerControls();
  return useSyncExternalStore(player.subscribe, () => select(player.getState(), player));
}

/** Whether the queue started from `context` (e.g. `album:ID`) is the one playing now. */
export function usePlayingContext(context: string): boolean {
  return usePlayerSelect(
    (state, player) => player.context === context && (state.status === 'playing' || state.status === 'loading'),
  );
}

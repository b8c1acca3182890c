import { createContext, type ReactNode, useContext, useEffect, useState, useSyncExternalStore } from 'react';
import { session } from './api/session.js';
import { bindMediaSession } from './media-session.js';
import type { PlayerState } from './player/index.js';
import { PlayerHost } from './player-host.js';

const PlayerContext = createContext<PlayerHost | null>(null);

export function PlayerProvider({ children }: { children: ReactNode }) {
  const [host] = useState(() => new PlayerHost());
  useEffect(() => bindMediaSession(host), [host]);
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

/** The player's controls (stable) and its state (re-renders on every change). */
export function usePlayer(): { player: PlayerHost; state: PlayerState } {
  const player = useContext(PlayerContext);
  if (!player) throw new Error('usePlayer outside PlayerProvider');
  const state = useSyncExternalStore(player.subscribe, player.getState);
  return { player, state };
}

/** Whether the queue started from `context` (e.g. `album:ID`) is the one playing now. */
export function usePlayingContext(context: string): boolean {
  const { player, state } = usePlayer();
  return player.context === context && (state.status === 'playing' || state.status === 'loading');
}

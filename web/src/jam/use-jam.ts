import { useEffect, useSyncExternalStore } from 'react';
import { type JamPlayerHost, type JamView, jamSession } from './session.js';

/** Keeps the listener's Jam live while signed in (mounted once, in the app's shell). */
export function useJamSession(host: JamPlayerHost, userId: string): void {
  useEffect(() => jamSession.start(userId, host), [host, userId]);
}

/** The listener's Jam and this page's part in it; re-renders on every change. */
export function useJam(): JamView {
  return useSyncExternalStore(jamSession.subscribe, jamSession.getView);
}

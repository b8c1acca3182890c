import { useEffect } from 'react';
import { api } from '../api/client.js';
import type { PlayerHost } from '../player-host.js';
import type {} from './handle.js';
import { IndexedDbOutboxStore } from './idb-store.js';
import { EventOutbox } from './outbox.js';
import { PlaybackEvents } from './playback-events.js';
import { notePrivateSession, type PrivateSessionAnswer, playedPrivately } from './private-session-state.js';
import { sendEvents } from './transport.js';

const DEVICE_KEY = 'cadenza.device';
/** Player contexts that have a Cadenza uri (`album:ID` → `cadenza:album:ID`); search and liked songs have none. */
const CONTEXT = /^(album|artist|playlist):([A-Za-z0-9]{22})$/;

/** Random letters and digits (crypto.randomUUID needs a secure origin; a LAN server may be plain http). */
function randomId(length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

/** This browser's device id, made once and kept. */
function deviceId(): string {
  let id = localStorage.getItem(DEVICE_KEY);
  if (!id || !/^[A-Za-z0-9._:-]{1,64}$/.test(id)) {
    id = `web-${randomId(16)}`;
    localStorage.setItem(DEVICE_KEY, id);
  }
  return id;
}

/** Runs `task` in one tab of this browser at a time, where the Web Locks API exists (secure origins). */
function exclusive(task: () => Promise<void>): Promise<void> {
  const locks = (navigator as Navigator & { locks?: LockManager }).locks;
  return locks ? locks.request('cadenza.listening-events', task).then(() => undefined) : task();
}

/**
 * Reports what this listener plays as listening events (history, top lists, popularity, royalties):
 * each is stored in the outbox first and sent in batches, so a reload, a closed tab or a spell
 * offline loses none. Waiting events go out when the page loads, comes back online or is hidden.
 */
export function useListeningEvents(player: PlayerHost, userId: string): void {
  useEffect(() => {
    const store = new IndexedDbOutboxStore();
    const outbox = new EventOutbox({ store, transport: sendEvents, user: () => userId, exclusive });
    window.cadenzaEvents = { outbox, store };
    const tracker = new PlaybackEvents({
      record: (event) => void outbox.record(event),
      deviceId: deviceId(),
      newId: () => randomId(22),
      context: () => {
        const m = player.context ? CONTEXT.exec(player.context) : null;
        return m ? `cadenza:${m[1]}:${m[2]}` : undefined;
      },
      privateSession: () => playedPrivately(Date.now()),
    });
    const refreshPrivate = () =>
      api.get<PrivateSessionAnswer>('/v1/me/private-session').then(notePrivateSession, () => undefined);
    const observe = () => tracker.observe(player.getLocalState(), Date.now());
    const online = () => void outbox.retryNow();
    const visibility = () => {
      if (document.visibilityState === 'hidden') void outbox.flush();
      else {
        void refreshPrivate();
        void outbox.retryNow();
      }
    };
    const leave = () => {
      tracker.leave(Date.now());
      outbox.sendBeforeLeaving();
    };
    void refreshPrivate();
    void outbox.retryNow();
    const unsubscribe = player.subscribe(observe);
    addEventListener('online', online);
    addEventListener('pagehide', leave);
    document.addEventListener('visibilitychange', visibility);
    return () => {
      // Signing out stops the music: the play ends here.
      tracker.leave(Date.now());
      unsubscribe();
      removeEventListener('online', online);
      removeEventListener('pagehide', leave);
      document.removeEventListener('visibilitychange', visibility);
      outbox.stop();
    };
  }, [player, userId]);
}

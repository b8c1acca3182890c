import type { IndexedDbOutboxStore } from './idb-store.js';
import type { EventOutbox } from './outbox.js';

/** The page's listening-event outbox, which the browser tests read through `window.cadenzaEvents`. */
export interface EventsHandle {
  outbox: EventOutbox;
  store: IndexedDbOutboxStore;
}

declare global {
  interface Window {
    cadenzaEvents?: EventsHandle;
  }
}

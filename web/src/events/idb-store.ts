import type { OutboxStore, StoredEvent } from './outbox.js';

/**
 * The outbox in IndexedDB: unlike localStorage, its transactions are consistent between the tabs of a
 * browser, so an event one tab removed after sending it is gone for the next tab that looks.
 * Records are keyed [user, timestamp, id]: one user's events read in time order with one range.
 */

const DATABASE = 'cadenza';
const STORE = 'listening-events';

interface Row extends StoredEvent {
  at: number;
  id: string;
}

const KEY_PATH = ['user', 'at', 'id'];

function done<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'));
  });
}

function committed(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

function open(): Promise<IDBDatabase> {
  const request = indexedDB.open(DATABASE, 1);
  request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: KEY_PATH });
  return done(request);
}

export class IndexedDbOutboxStore implements OutboxStore {
  private database: Promise<IDBDatabase> | null = null;

  private async tx(mode: IDBTransactionMode): Promise<IDBTransaction> {
    this.database ??= open().catch((err: unknown) => {
      this.database = null;
      throw err;
    });
    return (await this.database).transaction(STORE, mode);
  }

  async add({ user, event }: StoredEvent): Promise<void> {
    const tx = await this.tx('readwrite');
    const row: Row = { user, event, at: event.timestamp, id: event.id };
    tx.objectStore(STORE).put(row);
    await committed(tx);
  }

  async oldest(user: string, limit: number): Promise<StoredEvent[]> {
    const tx = await this.tx('readonly');
    // Arrays sort after numbers, so [user, []] bounds every key [user, at, id].
    const range = IDBKeyRange.bound([user], [user, []]);
    const rows = (await done(tx.objectStore(STORE).getAll(range, limit))) as Row[];
    return rows.map(({ user, event }) => ({ user, event }));
  }

  async remove(entries: StoredEvent[]): Promise<void> {
    if (entries.length === 0) return;
    const tx = await this.tx('readwrite');
    const store = tx.objectStore(STORE);
    for (const { user, event } of entries) store.delete([user, event.timestamp, event.id]);
    await committed(tx);
  }

  /** How many events wait, for every account (the browser tests read it). */
  async size(): Promise<number> {
    const tx = await this.tx('readonly');
    return done(tx.objectStore(STORE).count());
  }
}

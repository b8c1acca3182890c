import { useEffect, useSyncExternalStore } from 'react';
import { api } from '../api/client.js';

/**
 * What the listener has saved (tracks, albums) or follows (artists), asked of the server's `contains`
 * routes in batches and kept here so every heart on screen agrees. A change is shown at once and put
 * back if the server refuses it.
 */
export type SavedKind = 'track' | 'album' | 'artist';

const ROUTES: Record<SavedKind, { write: string; contains: string }> = {
  track: { write: '/v1/me/tracks?', contains: '/v1/me/tracks/contains?' },
  album: { write: '/v1/me/albums?', contains: '/v1/me/albums/contains?' },
  artist: { write: '/v1/me/following?type=artist&', contains: '/v1/me/following/contains?type=artist&' },
};
const BATCH = 50;

const known = new Map<string, boolean>();
const wanted = new Map<SavedKind, Set<string>>();
const listeners = new Set<() => void>();
let version = 0;
/** Counts confirmed writes only, so lists reload after a save and not after every `contains`. */
let writes = 0;
let flushing = false;
const key = (kind: SavedKind, id: string) => `${kind}:${id}`;

function emit(): void {
  version++;
  for (const l of listeners) l();
}

/** Asks `contains` for everything requested since the last flush, at most 50 ids a request. */
async function flush(): Promise<void> {
  flushing = false;
  for (const [kind, ids] of wanted) {
    wanted.delete(kind);
    const list = [...ids];
    for (let i = 0; i < list.length; i += BATCH) {
      const chunk = list.slice(i, i + BATCH);
      try {
        const answer = await api.get<boolean[]>(`${ROUTES[kind].contains}ids=${chunk.join(',')}`);
        for (const [j, id] of chunk.entries()) known.set(key(kind, id), answer[j] === true);
        emit();
      } catch {
        // Unknown stays unknown: the heart shows as not saved and asks again next time.
      }
    }
  }
}

function want(kind: SavedKind, id: string): void {
  if (known.has(key(kind, id))) return;
  const ids = wanted.get(kind) ?? new Set<string>();
  wanted.set(kind, ids);
  ids.add(id);
  if (!flushing) {
    flushing = true;
    setTimeout(() => void flush(), 0);
  }
}

const subscribe = (l: () => void) => {
  listeners.add(l);
  return () => listeners.delete(l);
};

/** Whether `id` is saved (followed, for artists); undefined until the server has answered. */
export function useSaved(kind: SavedKind, id: string | undefined): boolean | undefined {
  useSyncExternalStore(subscribe, () => version);
  useEffect(() => {
    if (id) want(kind, id);
  }, [kind, id]);
  return id ? known.get(key(kind, id)) : undefined;
}

/** Saves or removes; the new state shows at once and is put back when the server refuses. */
export async function setSaved(kind: SavedKind, id: string, saved: boolean): Promise<void> {
  const before = known.get(key(kind, id));
  known.set(key(kind, id), saved);
  emit();
  try {
    const path = `${ROUTES[kind].write}ids=${encodeURIComponent(id)}`;
    await (saved ? api.put(path) : api.delete(path));
    writes++;
    emit();
  } catch (err) {
    if (before === undefined) known.delete(key(kind, id));
    else known.set(key(kind, id), before);
    emit();
    throw err;
  }
}

/** Listens for any change of saved state (the library screen reloads its lists). */
export function useSavedVersion(): number {
  return useSyncExternalStore(subscribe, () => writes);
}

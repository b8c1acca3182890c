import { useEffect, useState } from 'react';
import { api } from '../api/client.js';
import type { Track } from '../api/types.js';

const BATCH = 50;

/**
 * Track details by id for a list that changes live: seeded from what a page already loaded, and
 * fetched 50 at a time for ids not seen yet. A track no longer available maps to null.
 */
export function useTrackDetails(ids: readonly string[], seed: (Track | null)[]): Map<string, Track | null> {
  const [known, setKnown] = useState(() => new Map<string, Track | null>());
  for (const t of seed) if (t && !known.has(t.id)) known.set(t.id, t);
  const missing = [...new Set(ids)].filter((id) => !known.has(id));
  const wanted = missing.join(',');

  useEffect(() => {
    if (!wanted) return;
    const controller = new AbortController();
    const list = wanted.split(',');
    (async () => {
      for (let i = 0; i < list.length; i += BATCH) {
        const chunk = list.slice(i, i + BATCH);
        const { tracks } = await api.get<{ tracks: (Track | null)[] }>(
          `/v1/tracks?ids=${chunk.join(',')}`,
          controller.signal,
        );
        setKnown((before) => {
          const next = new Map(before);
          for (const [j, id] of chunk.entries()) next.set(id, tracks[j] ?? null);
          return next;
        });
      }
    })().catch(() => undefined);
    return () => controller.abort();
  }, [wanted]);
  return known;
}

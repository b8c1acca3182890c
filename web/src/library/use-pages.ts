import { useState } from 'react';
import { api } from '../api/client.js';
import type { Paging } from '../api/types.js';
import { useApi } from '../api/use-api.js';

/**
 * A list read page by page: the first page from `path`, then `more()` follows the server's `next`
 * link. A new `version` starts again from the first page.
 */
export function usePages<T>(path: string, version: number) {
  const first = useApi<Paging<T>>(path, version);
  const [rest, setRest] = useState<{ from: Paging<T>; items: T[]; next: string | null } | null>(null);
  const [loading, setLoading] = useState(false);
  const current = rest && rest.from === first.data ? rest : null;
  const next = current ? current.next : (first.data?.next ?? null);
  const more = async () => {
    if (!next || !first.data || loading) return;
    setLoading(true);
    try {
      const url = new URL(next, location.href);
      const page = await api.get<Paging<T>>(url.pathname + url.search);
      setRest({ from: first.data, items: [...(current?.items ?? []), ...page.items], next: page.next });
    } finally {
      setLoading(false);
    }
  };
  return {
    items: first.data ? [...first.data.items, ...(current?.items ?? [])] : null,
    total: first.data?.total ?? 0,
    hasMore: next !== null,
    loading,
    more,
  };
}

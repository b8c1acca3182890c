import { useEffect, useState } from 'react';
import { api } from './client.js';

export type Loaded<T> =
  | { data: T; error: null; loading: false }
  | { data: null; error: Error | null; loading: boolean };

/**
 * Loads `path` (skips when null), aborting the request when the path changes or the screen goes away.
 * `version` reloads the same path.
 */
export function useApi<T>(path: string | null, version = 0): Loaded<T> {
  const [state, setState] = useState<{ key: string | null; data: T | null; error: Error | null }>({
    key: null,
    data: null,
    error: null,
  });
  const key = path === null ? null : `${path}#${version}`;

  useEffect(() => {
    if (path === null || key === null) return;
    const controller = new AbortController();
    api.get<T>(path, controller.signal).then(
      (data) => setState({ key, data, error: null }),
      (error: Error) => {
        if (!controller.signal.aborted) setState({ key, data: null, error });
      },
    );
    return () => controller.abort();
  }, [path, key]);

  // Keep showing the previous version's data while the same path reloads.
  const samePath = state.key !== null && key !== null && state.key.split('#')[0] === path;
  if (state.key === key || (samePath && state.data !== null)) {
    if (state.data !== null) return { data: state.data, error: null, loading: false };
    return { data: null, error: state.error, loading: false };
  }
  return { data: null, error: null, loading: path !== null };
}

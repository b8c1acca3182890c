import { createContext, type ReactNode, useContext, useEffect, useState, useSyncExternalStore } from 'react';
import { api } from './api/client.js';
import { session } from './api/session.js';
import type { Me } from './api/types.js';

const MeContext = createContext<Me | null>(null);

export function useSignedIn(): boolean {
  return useSyncExternalStore(session.onChange, session.signedIn);
}

/** Loads `GET /v1/me` once per sign-in; shows a quiet splash until it answers. */
export function MeProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    api.get<Me>('/v1/me', controller.signal).then(setMe, (err: Error) => {
      if (!controller.signal.aborted) setError(err.message);
    });
    return () => controller.abort();
  }, []);
  if (!me)
    return (
      <div className="splash" role="status">
        {error ? (
          <>
            <p>Could not reach the server: {error}</p>
            <button type="button" className="button" onClick={() => location.reload()}>
              Try again
            </button>
          </>
        ) : (
          <span className="spinner" role="img" aria-label="Loading" />
        )}
      </div>
    );
  return <MeContext.Provider value={me}>{children}</MeContext.Provider>;
}

export function useMe(): Me {
  const me = useContext(MeContext);
  if (!me) throw new Error('useMe outside MeProvider');
  return me;
}

export const canUseStudio = (me: Me) => me.role === 'artist' || me.role === 'admin';

import { useEffect, useState } from 'react';
import { api } from '../api/client.js';
import { notePrivateSession } from '../events/private-session-state.js';
import { toast } from '../ui/toasts.js';
import { useBusy } from '../ui/use-busy.js';

interface PrivateSession {
  enabled: boolean;
  expires_at: string | null;
}

/**
 * "Private session": while it is on, followers do not see what this listener plays. It ends by
 * itself some hours after the last play (the server keeps the time).
 */
export function PrivateSessionSwitch() {
  const [session, setSession] = useState<PrivateSession | null>(null);
  const [busy, run] = useBusy();
  useEffect(() => {
    const controller = new AbortController();
    api.get<PrivateSession>('/v1/me/private-session', controller.signal).then(
      (answer) => {
        notePrivateSession(answer);
        setSession(answer);
      },
      () => undefined,
    );
    return () => controller.abort();
  }, []);
  const on = session?.enabled === true;
  const until = session?.expires_at
    ? new Date(session.expires_at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : null;
  return (
    <div className="private-session">
      <label className="private-session-row">
        <span>Private session</span>
        <input
          type="checkbox"
          role="switch"
          className="switch"
          aria-checked={on}
          checked={on}
          disabled={busy || session === null}
          onChange={() =>
            void run(async () => {
              const next = await api.put<PrivateSession>('/v1/me/private-session', { enabled: !on });
              notePrivateSession(next);
              setSession(next);
              toast(next.enabled ? 'Private session on: followers do not see what you play' : 'Private session off');
            })
          }
        />
      </label>
      <p className="muted">{on && until ? `Hidden from followers until ${until}` : 'Followers see what you play'}</p>
    </div>
  );
}

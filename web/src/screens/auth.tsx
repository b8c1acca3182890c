import { type FormEvent, useState } from 'react';
import { session } from '../api/session.js';
import { Link, navigate, useLocation } from '../router.js';
import { Icon } from '../ui/icons.js';

/** Log in at any address while signed out; `/signup` creates an account (listener or artist). */
export function AuthScreen() {
  const { path } = useLocation();
  const signingUp = path === '/signup';
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [artist, setArtist] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (signingUp) {
        await session.signUp({
          username,
          password,
          display_name: displayName || undefined,
          role: artist ? 'artist' : 'listener',
        });
      } else {
        await session.logIn(username, password);
      }
      // A new account is asked what it likes first (the step can be skipped).
      if (signingUp) navigate('/welcome', { replace: true });
      else if (path === '/login') navigate('/', { replace: true });
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  };

  return (
    <div className="auth">
      <main className="auth-card" aria-labelledby="auth-title">
        <div className="brand brand-large">
          <Icon name="note" size={32} />
          <span>Cadenza</span>
        </div>
        <h1 id="auth-title">{signingUp ? 'Sign up to start listening' : 'Log in to Cadenza'}</h1>
        <form onSubmit={submit} className="form">
          <label className="field">
            <span>Username</span>
            <input
              name="username"
              autoComplete="username"
              required
              value={username}
              onChange={(e) => setUsername(e.target.value)}
            />
          </label>
          {signingUp && (
            <label className="field">
              <span>Display name (optional)</span>
              <input name="display_name" value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
            </label>
          )}
          <label className="field">
            <span>Password</span>
            <input
              name="password"
              type="password"
              autoComplete={signingUp ? 'new-password' : 'current-password'}
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </label>
          {signingUp && (
            <label className="check">
              <input type="checkbox" checked={artist} onChange={(e) => setArtist(e.target.checked)} />
              <span>I'm an artist and want to upload music</span>
            </label>
          )}
          {error && (
            <p className="form-error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" className="button button-primary button-wide" disabled={busy}>
            {signingUp ? 'Sign up' : 'Log in'}
          </button>
        </form>
        <p className="auth-switch">
          {signingUp ? 'Already have an account? ' : "Don't have an account? "}
          <Link to={signingUp ? '/login' : '/signup'}>{signingUp ? 'Log in' : 'Sign up'}</Link>
        </p>
      </main>
    </div>
  );
}

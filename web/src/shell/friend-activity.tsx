import { useEffect, useState } from 'react';
import { live } from '../api/live.js';
import { type FriendActivity, userName } from '../api/playlist-types.js';
import { useApi } from '../api/use-api.js';
import { Link } from '../router.js';
import { Artwork } from '../ui/artwork.js';
import { Icon } from '../ui/icons.js';
import { Title } from '../ui/page.js';
import { PrivateSessionSwitch } from './private-session.js';

/** "just now", "5 min", "3 h", "2 d": how long ago a friend's report was. */
function ago(timestamp: number, now: number): string {
  const minutes = Math.floor((now - timestamp) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 60 * 24) return `${Math.floor(minutes / 60)} h`;
  return `${Math.floor(minutes / 60 / 24)} d`;
}

/** Playing, and the track would not have ended yet (a friend who closed the app sends no pause). */
const playingNow = (a: FriendActivity, now: number) =>
  a.is_playing && a.timestamp + Math.max(0, a.track.duration_ms - a.progress_ms) > now;

/**
 * The feed from `GET /v1/me/friends/activity`, kept current by live `friend_activity` messages and
 * read again after a reconnect (messages sent while the socket was down are not replayed).
 */
function useFriendActivity(): FriendActivity[] | Error | null {
  const [version, setVersion] = useState(0);
  const load = useApi<{ friends: FriendActivity[] }>('/v1/me/friends/activity', version);
  const [pushed, setPushed] = useState<FriendActivity[]>([]);
  useEffect(() => {
    let connected = live.isOpen();
    return live.listen((f) => {
      if (f.type === 'welcome') {
        if (connected) setVersion((v) => v + 1);
        connected = true;
      }
      if (f.type !== 'friend_activity') return;
      const activity = f.activity as FriendActivity;
      setPushed((list) => [activity, ...list.filter((a) => a.user.id !== activity.user.id)]);
    });
  }, []);
  if (!load.data) return pushed.length > 0 ? pushed : load.error;
  const byUser = new Map<string, FriendActivity>();
  for (const a of [...pushed, ...load.data.friends]) {
    const known = byUser.get(a.user.id);
    if (!known || known.timestamp < a.timestamp) byUser.set(a.user.id, a);
  }
  return [...byUser.values()].sort((a, b) => b.timestamp - a.timestamp);
}

/** Re-renders every half minute so "5 min" stays true. */
function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

function FriendList() {
  const feed = useFriendActivity();
  const now = Math.max(useNow(), ...(Array.isArray(feed) ? feed : []).map((a) => a.timestamp));
  if (feed instanceof Error)
    return <p className="muted friends-note">Friend activity is unavailable: {feed.message}</p>;
  if (!feed) return <p className="muted friends-note">Loading…</p>;
  if (feed.length === 0)
    return (
      <p className="muted friends-note">Follow people to see what they listen to. Their plays appear here live.</p>
    );
  return (
    <ul className="friend-list" aria-label="Friends listening">
      {feed.map((a) => (
        <li key={a.user.id} className="friend" data-testid="friend-activity">
          <Artwork images={a.track.album.images} size={48} seed={a.track.album.id} className="friend-art" />
          <div className="friend-text">
            <div className="friend-top">
              <span className="friend-name">{userName(a.user)}</span>
              <span className="friend-when">
                {playingNow(a, now) ? (
                  <span className="eq" role="img" aria-label="Listening now" />
                ) : (
                  ago(a.timestamp, now)
                )}
              </span>
            </div>
            <Link to={`/track/${a.track.id}`} className="friend-track">
              {a.track.name}
            </Link>
            <span className="friend-artist">
              {a.track.artists.map((x) => x.name).join(', ')} • {a.track.album.name}
            </span>
          </div>
        </li>
      ))}
    </ul>
  );
}

/** The right-hand column on wide screens. */
export function FriendActivityPanel() {
  return (
    <aside className="friends-panel" aria-labelledby="friends-heading">
      <h2 id="friends-heading" className="friends-heading">
        <Icon name="users" size={20} /> Friend activity
      </h2>
      <FriendList />
      <PrivateSessionSwitch />
    </aside>
  );
}

/** `/friends`: the same feed as a screen, for narrow windows. */
export function FriendActivityScreen() {
  return (
    <div className="page">
      <Title>Friend activity</Title>
      <FriendList />
      <PrivateSessionSwitch />
    </div>
  );
}

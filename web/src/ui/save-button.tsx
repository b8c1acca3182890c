import { type SavedKind, setSaved, useSaved } from '../library/saved.js';
import { Icon } from './icons.js';
import { toast } from './toasts.js';

const WORDS: Record<SavedKind, { on: string; off: string; done: string; undone: string }> = {
  track: {
    on: 'Remove from Liked songs',
    off: 'Save to Liked songs',
    done: 'Added to Liked songs',
    undone: 'Removed from Liked songs',
  },
  album: {
    on: 'Remove from Your Library',
    off: 'Save to Your Library',
    done: 'Saved to Your Library',
    undone: 'Removed from Your Library',
  },
  artist: { on: 'Unfollow', off: 'Follow', done: 'Following', undone: 'Unfollowed' },
};

async function toggle(kind: SavedKind, id: string, name: string, saved: boolean): Promise<void> {
  try {
    await setSaved(kind, id, !saved);
    const said = saved ? WORDS[kind].undone : WORDS[kind].done;
    toast(kind === 'artist' ? `${said} ${name}` : said);
  } catch (err) {
    toast(`Could not update ${name}: ${(err as Error).message}`, 'error');
  }
}

/** The heart: saves a track or album to the library (state from the server's `contains`). */
export function SaveButton({
  kind,
  id,
  name,
  size = 16,
  tabIndex,
  className = 'icon-button small',
}: {
  kind: 'track' | 'album';
  id: string;
  name: string;
  size?: number;
  tabIndex?: number;
  className?: string;
}) {
  const saved = useSaved(kind, id) === true;
  const label = `${saved ? WORDS[kind].on : WORDS[kind].off}: ${name}`;
  return (
    <button
      type="button"
      className={`${className} save-button${saved ? ' is-saved' : ''}`}
      aria-label={label}
      title={saved ? WORDS[kind].on : WORDS[kind].off}
      aria-pressed={saved}
      tabIndex={tabIndex}
      data-testid={`save-${kind}`}
      onClick={() => void toggle(kind, id, name, saved)}
    >
      <Icon name={saved ? 'heartFilled' : 'heart'} size={size} />
    </button>
  );
}

/** Follow / Following on an artist's page. */
export function FollowButton({ id, name }: { id: string; name: string }) {
  const following = useSaved('artist', id) === true;
  return (
    <button
      type="button"
      className={`button button-outline${following ? ' is-on' : ''}`}
      aria-pressed={following}
      aria-label={`${following ? 'Unfollow' : 'Follow'} ${name}`}
      onClick={() => void toggle('artist', id, name, following)}
    >
      {following ? 'Following' : 'Follow'}
    </button>
  );
}

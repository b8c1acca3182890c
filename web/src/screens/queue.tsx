import { useJam } from '../jam/use-jam.js';
import type { QueueItem } from '../player/index.js';
import { usePlayer } from '../player-context.js';
import { Link } from '../router.js';
import { Icon } from '../ui/icons.js';
import { Empty, Section, Title } from '../ui/page.js';
import { type TrackRow, TrackTable } from '../ui/track-table.js';

function row(item: QueueItem, index: number, number: number): TrackRow {
  return {
    key: `${item.id}-${index}`,
    id: item.id,
    title: item.title,
    artists: [{ id: item.artistId, name: item.artists }],
    album: item.album ? { id: item.albumId, name: item.album } : undefined,
    image: item.image,
    durationMs: item.durationMs,
    number,
  };
}

/** Entries of the queue after the current one, with their place in the queue. */
type Upcoming = { item: QueueItem; at: number }[];

/** A table of upcoming entries: jump to any of them, or take it off the queue. */
function UpcomingTable({ entries, label }: { entries: Upcoming; label: string }) {
  const { player } = usePlayer();
  return (
    <TrackTable
      rows={entries.map((e, i) => row(e.item, e.at, i + 1))}
      label={label}
      showAlbum
      showArt
      onPlay={(i) => void player.playIndex(entries[i]!.at)}
      onPrepare={(i) => player.prepare(entries[i]?.item)}
      actions={(i, r, tabIndex) => (
        <button
          type="button"
          className="icon-button small"
          aria-label={`Remove ${r.title} from queue`}
          title="Remove from queue"
          tabIndex={tabIndex}
          onClick={() => void player.removeFromQueue(entries[i]!.at)}
        >
          <Icon name="close" size={16} />
        </button>
      )}
    />
  );
}

/**
 * The play queue: what plays now, what follows from the listener's own queue, and after it what
 * Autoplay picked (similar songs that play once the queue ends, as on Spotify).
 */
export function QueueScreen() {
  const { player, state } = usePlayer();
  const current = state.queue[state.index];
  const upcoming: Upcoming = state.queue.slice(state.index + 1).map((item, i) => ({ item, at: state.index + 1 + i }));
  const own = upcoming.filter((e) => !e.item.autoplay);
  const autoplay = upcoming.filter((e) => e.item.autoplay);
  const playing = state.status === 'playing' || state.status === 'loading';
  const name = player.contextName;
  const inJam = useJam().jam !== null;

  return (
    <div className="page">
      <Title>Queue</Title>
      <div className="jam-actions">
        <Link to="/jam" className="button button-outline">
          {inJam ? 'Open the Jam' : 'Start a Jam'}
        </Link>
      </div>
      {!current && upcoming.length === 0 && (
        <Empty title="Your queue is empty">Play an album, an artist or a song and it shows up here.</Empty>
      )}
      {current && (
        <Section title="Now playing">
          <TrackTable
            rows={[row(current, state.index, 1)]}
            label="Now playing"
            current={0}
            playing={playing}
            showAlbum
            showArt
            onPlay={() => void player.toggle()}
            actions={() => null}
          />
        </Section>
      )}
      {own.length > 0 && (
        <Section title={name ? `Next from: ${name}` : 'Next up'}>
          <UpcomingTable entries={own} label="Next up" />
        </Section>
      )}
      {autoplay.length > 0 && (
        <Section title="Autoplay">
          <p className="section-lead">Similar songs play on after your queue ends.</p>
          <UpcomingTable entries={autoplay} label="Autoplay" />
        </Section>
      )}
      {current && upcoming.length === 0 && (
        <p className="muted queue-end">
          Nothing after this track{state.repeat === 'all' ? ' (repeat is on: the queue starts over)' : ''}.
        </p>
      )}
    </div>
  );
}

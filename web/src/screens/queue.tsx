import type { QueueItem } from '../player/index.js';
import { usePlayer } from '../player-context.js';
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

/** The play queue: what plays now, and what follows (jump to any entry, or remove it). */
export function QueueScreen() {
  const { player, state } = usePlayer();
  const current = state.queue[state.index];
  const nextStart = state.index + 1;
  const upNext = state.queue.slice(nextStart);
  const playing = state.status === 'playing' || state.status === 'loading';

  return (
    <div className="page">
      <Title>Queue</Title>
      {!current && upNext.length === 0 && (
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
      {upNext.length > 0 && (
        <Section title="Next up">
          <TrackTable
            rows={upNext.map((item, i) => row(item, nextStart + i, i + 1))}
            label="Next up"
            showAlbum
            showArt
            onPlay={(i) => void player.playIndex(nextStart + i)}
            onPrepare={(i) => player.prepare(upNext[i])}
            actions={(i, r, tabIndex) => (
              <button
                type="button"
                className="icon-button small"
                aria-label={`Remove ${r.title} from queue`}
                title="Remove from queue"
                tabIndex={tabIndex}
                onClick={() => void player.removeFromQueue(nextStart + i)}
              >
                <Icon name="close" size={16} />
              </button>
            )}
          />
        </Section>
      )}
      {current && upNext.length === 0 && (
        <p className="muted queue-end">
          Nothing after this track{state.repeat === 'all' ? ' (repeat is on: the queue starts over)' : ''}.
        </p>
      )}
    </div>
  );
}

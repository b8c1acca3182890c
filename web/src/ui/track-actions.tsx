import type { QueueItem } from '../player/index.js';
import { usePlayerControls } from '../player-context.js';
import { AddToPlaylist } from './add-to-playlist.js';
import { type MenuAction, MoreMenu, radioAction } from './more-menu.js';
import { SaveButton } from './save-button.js';
import { toast } from './toasts.js';

type TrackRowProps = {
  id: string;
  title: string;
  item?: QueueItem;
  tabIndex: number;
};

/** The "…" menu of a track row: add it to the queue (when the row can say what it is) and its radio. */
export function TrackMenu({ id, title, item, tabIndex }: TrackRowProps) {
  const player = usePlayerControls();
  const actions: MenuAction[] = [];
  if (item)
    actions.push({
      label: 'Add to queue',
      icon: 'queue',
      onSelect: () => void player.enqueue([item]).then(() => toast('Added to queue')),
    });
  actions.push(radioAction('Go to song radio', `cadenza:track:${id}`));
  return <MoreMenu label={title} actions={actions} tabIndex={tabIndex} />;
}

/** The end of a catalog track row: save to Liked songs, add to a playlist, and its "…" menu. */
export function TrackActions({ id, title, item, tabIndex }: TrackRowProps) {
  return (
    <div className="row-actions">
      <SaveButton kind="track" id={id} name={title} tabIndex={tabIndex} />
      <AddToPlaylist trackId={id} name={title} tabIndex={tabIndex} />
      <TrackMenu id={id} title={title} item={item} tabIndex={tabIndex} />
    </div>
  );
}

import { AddToPlaylist } from './add-to-playlist.js';
import { SaveButton } from './save-button.js';

/** The end of a catalog track row: save to Liked songs and add to a playlist. */
export function TrackActions({ id, title, tabIndex }: { id: string; title: string; tabIndex: number }) {
  return (
    <div className="row-actions">
      <SaveButton kind="track" id={id} name={title} tabIndex={tabIndex} />
      <AddToPlaylist trackId={id} name={title} tabIndex={tabIndex} />
    </div>
  );
}

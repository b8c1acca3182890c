import { useState } from 'react';
import { seg } from '../api/client.js';
import type { TrackList } from '../api/types.js';
import { useApi } from '../api/use-api.js';
import { Icon } from '../ui/icons.js';
import { Section } from '../ui/page.js';
import { toast } from '../ui/toasts.js';
import { CatalogTracks } from '../ui/track-table.js';

const PAGE = 10;
/** The most ids a refresh leaves out (the newest shown): enough for many refreshes, short enough for a URL. */
const SHOWN_MAX = 200;

/**
 * Spotify's "Recommended songs" under a playlist its listener may edit: ten tracks that continue it,
 * each with "Add", and "Refresh" for ten more not shown yet. Adding goes through the playlist's live
 * edits like every other edit of the screen, so other editors see it at once and it rebases cleanly.
 */
export function PlaylistRecommendations({
  playlistId,
  name,
  inPlaylist,
  add,
}: {
  playlistId: string;
  name: string;
  /** Tracks the playlist holds now: a recommendation added drops out of the list. */
  inPlaylist: ReadonlySet<string>;
  add: (trackId: string) => void;
}) {
  const [shown, setShown] = useState<string[]>([]);
  const exclude = shown.length > 0 ? `&exclude=${shown.slice(-SHOWN_MAX).join(',')}` : '';
  const load = useApi<TrackList>(`/v1/playlists/${seg(playlistId)}/recommendations?limit=${PAGE}${exclude}`);
  const tracks = (load.data?.tracks ?? []).filter((t) => !inPlaylist.has(t.id));
  // Nothing to recommend, or the route failed: the section stays away.
  if (load.error || (load.data && load.data.tracks.length === 0 && shown.length === 0)) return null;

  const refresh = () => setShown([...shown, ...(load.data?.tracks ?? []).map((t) => t.id)]);
  return (
    <Section title="Recommended">
      <p className="section-lead">Based on what’s in this playlist</p>
      {load.loading ? (
        <div className="page-loading small" role="status" aria-label="Loading recommendations">
          <span className="spinner" />
        </div>
      ) : tracks.length > 0 ? (
        <CatalogTracks
          tracks={tracks}
          context={`recommended:${playlistId}`}
          label="Recommended"
          showAlbum
          showArt
          actions={(i, row, tabIndex) => (
            <button
              type="button"
              className="button button-outline button-small"
              aria-label={`Add ${row.title} to ${name}`}
              tabIndex={tabIndex}
              onClick={() => {
                add(tracks[i]!.id);
                toast(`Added to ${name}`);
              }}
            >
              Add
            </button>
          )}
        />
      ) : (
        <p className="muted">No more recommendations here: refresh for others.</p>
      )}
      <button type="button" className="button button-text refresh-button" onClick={refresh} disabled={load.loading}>
        <Icon name="refresh" size={16} /> Refresh
      </button>
    </Section>
  );
}

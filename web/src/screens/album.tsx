import { useEffect, useState } from 'react';
import { api, seg } from '../api/client.js';
import type { Album, SimplifiedTrack } from '../api/types.js';
import { useApi } from '../api/use-api.js';
import { albumType, longDuration, plural, year } from '../format.js';
import { usePlayerControls, usePlayingContext } from '../player-context.js';
import { queueItems } from '../queue-items.js';
import { Artwork } from '../ui/artwork.js';
import { MoreMenu, radioAction } from '../ui/more-menu.js';
import { ArtistLinks, Hero, Loading } from '../ui/page.js';
import { PlayButton } from '../ui/play-button.js';
import { SaveButton } from '../ui/save-button.js';
import { toast } from '../ui/toasts.js';
import { CatalogTracks } from '../ui/track-table.js';

/** Every track of the album: the first page comes with it, the rest follow its `next` links. */
function useAllTracks(album: Album | null): SimplifiedTrack[] {
  const [rest, setRest] = useState<{ id: string; tracks: SimplifiedTrack[] }>({ id: '', tracks: [] });
  useEffect(() => {
    if (!album?.tracks.next) return;
    const controller = new AbortController();
    (async () => {
      const more: SimplifiedTrack[] = [];
      let next: string | null = album.tracks.next;
      while (next && more.length < 1000) {
        const page: Album['tracks'] = await api.get(new URL(next).pathname + new URL(next).search, controller.signal);
        more.push(...page.items);
        next = page.next;
      }
      setRest({ id: album.id, tracks: more });
    })().catch(() => undefined);
    return () => controller.abort();
  }, [album]);
  if (!album) return [];
  return rest.id === album.id ? [...album.tracks.items, ...rest.tracks] : album.tracks.items;
}

export function AlbumScreen({ id }: { id: string }) {
  const load = useApi<Album>(`/v1/albums/${seg(id)}?limit=50`);
  const tracks = useAllTracks(load.data);
  const player = usePlayerControls();
  const context = `album:${id}`;
  const playing = usePlayingContext(context);
  return (
    <Loading load={load}>
      {(album) => {
        const total = tracks.reduce((sum, t) => sum + t.duration_ms, 0);
        return (
          <div className="page page-hero">
            <Hero
              seed={album.id}
              kind={albumType(album.album_type)}
              title={album.name}
              art={<Artwork images={album.images} size={232} seed={album.id} />}
              meta={
                <>
                  <ArtistLinks artists={album.artists} className="hero-link" />
                  {year(album.release_date) && <span> • {year(album.release_date)}</span>}
                  <span className="muted">
                    {' '}
                    • {plural(album.total_tracks, 'song')}, {longDuration(total)}
                  </span>
                </>
              }
            />
            <div className="action-bar">
              <PlayButton
                label={album.name}
                playing={playing}
                onPlay={() => void player.playQueue(queueItems(tracks, album), 0, context)}
                onPause={() => void player.pause()}
              />
              <button
                type="button"
                className="button button-outline"
                onClick={() => void player.enqueue(queueItems(tracks, album)).then(() => toast('Added to queue'))}
              >
                Add to queue
              </button>
              <SaveButton kind="album" id={album.id} name={album.name} size={28} className="icon-button save-large" />
              <MoreMenu
                label={album.name}
                size={28}
                className="icon-button more-large"
                actions={[
                  radioAction('Go to album radio', `cadenza:album:${album.id}`),
                  ...album.artists.slice(0, 1).map((a) => radioAction('Go to artist radio', `cadenza:artist:${a.id}`)),
                ]}
              />
            </div>
            <div className="page-body">
              <CatalogTracks tracks={tracks} album={album} context={context} label={`${album.name} tracks`} numbered />
              {album.copyrights.length > 0 && (
                <p className="fine-print">
                  {album.release_date !== '0000' && album.release_date}
                  <br />
                  {album.copyrights.map((c) => `℗ ${c.text}`).join(' ')}
                </p>
              )}
            </div>
          </div>
        );
      }}
    </Loading>
  );
}

import { seg } from '../api/client.js';
import type { Album, Track } from '../api/types.js';
import { useApi } from '../api/use-api.js';
import { duration, year } from '../format.js';
import { usePlayer, usePlayingContext } from '../player-context.js';
import { queueItem } from '../queue-items.js';
import { Link } from '../router.js';
import { Artwork } from '../ui/artwork.js';
import { MoreMenu, radioAction } from '../ui/more-menu.js';
import { ArtistLinks, Hero, Loading, Section } from '../ui/page.js';
import { PlayButton } from '../ui/play-button.js';
import { toast } from '../ui/toasts.js';
import { CatalogTracks } from '../ui/track-table.js';

export function TrackScreen({ id }: { id: string }) {
  const load = useApi<Track>(`/v1/tracks/${seg(id)}`);
  const albumId = load.data?.album.id;
  const album = useApi<Album>(albumId ? `/v1/albums/${seg(albumId)}?limit=50` : null);
  const { player, state } = usePlayer();
  const context = `track:${id}`;
  const playing = usePlayingContext(context);
  return (
    <Loading load={load}>
      {(t) => (
        <div className="page page-hero">
          <Hero
            seed={t.album.id}
            kind="Song"
            title={t.name}
            art={<Artwork images={t.album.images} size={232} seed={t.album.id} />}
            meta={
              <>
                <ArtistLinks artists={t.artists} className="hero-link" />
                <span>
                  {' '}
                  •{' '}
                  <Link to={`/album/${t.album.id}`} className="hero-link">
                    {t.album.name}
                  </Link>
                </span>
                {year(t.album.release_date) && <span> • {year(t.album.release_date)}</span>}
                <span className="muted"> • {duration(t.duration_ms)}</span>
              </>
            }
          />
          <div className="action-bar">
            <PlayButton
              label={t.name}
              playing={playing || (state.queue[state.index]?.id === t.id && state.status === 'playing')}
              onPlay={() => void player.playQueue([queueItem(t)], 0, context)}
              onPause={() => void player.pause()}
            />
            <button
              type="button"
              className="button button-outline"
              onClick={() => void player.enqueue([queueItem(t)], true).then(() => toast('Playing next'))}
            >
              Play next
            </button>
            <MoreMenu
              label={t.name}
              size={28}
              className="icon-button more-large"
              actions={[
                radioAction('Go to song radio', `cadenza:track:${t.id}`),
                ...t.artists.slice(0, 1).map((a) => radioAction('Go to artist radio', `cadenza:artist:${a.id}`)),
              ]}
            />
          </div>
          <div className="page-body">
            {album.data && album.data.tracks.items.length > 1 && (
              <Section
                title={`More from ${album.data.name}`}
                more={{ to: `/album/${album.data.id}`, label: 'Show album' }}
              >
                <CatalogTracks
                  tracks={album.data.tracks.items}
                  album={album.data}
                  context={`album:${album.data.id}`}
                  label={`${album.data.name} tracks`}
                  numbered
                />
              </Section>
            )}
          </div>
        </div>
      )}
    </Loading>
  );
}

import { seg } from '../api/client.js';
import type { AlbumSummary, Artist, Paging, RelatedArtists, Track } from '../api/types.js';
import { useApi } from '../api/use-api.js';
import { usePlayerControls, usePlayingContext } from '../player-context.js';
import { queueItems } from '../queue-items.js';
import { Artwork } from '../ui/artwork.js';
import { CardRow } from '../ui/card-row.js';
import { AlbumCard, ArtistCard, albumSubtitle, CardGrid } from '../ui/cards.js';
import { MoreMenu, radioAction } from '../ui/more-menu.js';
import { Empty, Hero, Loading, Section } from '../ui/page.js';
import { PlayButton } from '../ui/play-button.js';
import { FollowButton } from '../ui/save-button.js';
import { CatalogTracks } from '../ui/track-table.js';

export function ArtistScreen({ id }: { id: string }) {
  const artist = useApi<Artist>(`/v1/artists/${seg(id)}`);
  const top = useApi<{ tracks: Track[] }>(`/v1/artists/${seg(id)}/top-tracks`);
  const albums = useApi<Paging<AlbumSummary>>(`/v1/artists/${seg(id)}/albums?limit=50`);
  // "Fans also like": shown when there is something to show, left out when the route fails.
  const related = useApi<RelatedArtists>(`/v1/artists/${seg(id)}/related-artists`);
  const fans = (related.data?.artists ?? []).map((artist) => ({ ...artist, type: 'artist' as const }));
  const player = usePlayerControls();
  const context = `artist:${id}`;
  const playing = usePlayingContext(context);
  const tracks = top.data?.tracks ?? [];
  const all = albums.data?.items ?? [];
  const groups = [
    { title: 'Albums', items: all.filter((a) => a.album_type === 'album') },
    { title: 'Singles and EPs', items: all.filter((a) => a.album_type === 'single') },
    { title: 'Compilations', items: all.filter((a) => a.album_type === 'compilation') },
  ];
  // An artist without a picture borrows the cover of their newest release.
  const images = artist.data?.images.length ? artist.data.images : all[0]?.images;

  return (
    <Loading load={artist}>
      {(a) => (
        <div className="page page-hero">
          <Hero
            seed={a.id}
            kind="Artist"
            title={a.name}
            art={<Artwork images={images} size={232} seed={a.id} round />}
            meta={a.genres.length > 0 ? <span>{a.genres.slice(0, 3).join(', ')}</span> : null}
          />
          <div className="action-bar">
            <PlayButton
              label={a.name}
              playing={playing}
              onPlay={() => void player.playQueue(queueItems(tracks), 0, context)}
              onPause={() => void player.pause()}
            />
            <FollowButton id={a.id} name={a.name} />
            <MoreMenu
              label={a.name}
              size={28}
              className="icon-button more-large"
              actions={[radioAction('Go to artist radio', `cadenza:artist:${a.id}`)]}
            />
          </div>
          <div className="page-body">
            {tracks.length > 0 && (
              <Section title="Popular">
                <CatalogTracks tracks={tracks.slice(0, 10)} context={context} label="Popular tracks" showArt />
              </Section>
            )}
            {groups.map(
              (g) =>
                g.items.length > 0 && (
                  <Section key={g.title} title={g.title}>
                    <CardGrid
                      items={g.items}
                      label={g.title}
                      render={(album) => <AlbumCard album={album} subtitle={albumSubtitle(album)} />}
                    />
                  </Section>
                ),
            )}
            {fans.length > 0 && (
              <Section title="Fans also like">
                <CardRow items={fans} label="Fans also like" render={(artist) => <ArtistCard artist={artist} />} />
              </Section>
            )}
            {!top.loading && !albums.loading && tracks.length === 0 && all.length === 0 && (
              <Empty title="No music yet">This artist has nothing published.</Empty>
            )}
          </div>
        </div>
      )}
    </Loading>
  );
}

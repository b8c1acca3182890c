import { useState } from 'react';
import { api, seg } from '../api/client.js';
import type { AlbumSummary, GenrePage, Paging } from '../api/types.js';
import { useApi } from '../api/use-api.js';
import { plural } from '../format.js';
import { usePlayerControls, usePlayingContext } from '../player-context.js';
import { queueItems } from '../queue-items.js';
import { Artwork } from '../ui/artwork.js';
import { AlbumCard, ArtistCard, CardGrid } from '../ui/cards.js';
import { Hero, Loading, Section } from '../ui/page.js';
import { PlayButton } from '../ui/play-button.js';
import { CatalogTracks } from '../ui/track-table.js';
import { useBusy } from '../ui/use-busy.js';

const PAGE = 50;

/** A genre: its popular tracks and artists, then all its albums (more on demand). */
export function GenreScreen({ id }: { id: string }) {
  const load = useApi<GenrePage>(`/v1/browse/genres/${seg(id)}`);
  const first = useApi<{ albums: Paging<AlbumSummary> }>(`/v1/browse/categories/${seg(id)}/albums?limit=${PAGE}`);
  const [more, setMore] = useState<AlbumSummary[]>([]);
  const [busy, run] = useBusy();
  const albums = [...(first.data?.albums.items ?? []), ...more];
  const total = first.data?.albums.total ?? 0;
  const player = usePlayerControls();
  const context = `genre:${id}`;
  const playing = usePlayingContext(context);

  const loadMore = () =>
    run(async () => {
      const page = await api.get<{ albums: Paging<AlbumSummary> }>(
        `/v1/browse/categories/${seg(id)}/albums?limit=${PAGE}&offset=${albums.length}`,
      );
      setMore((m) => [...m, ...page.albums.items]);
    });

  return (
    <Loading load={load}>
      {(g) => (
        <div className="page page-hero">
          <Hero
            seed={g.category.name}
            kind="Genre"
            title={g.category.name}
            art={<Artwork images={g.category.icons} size={232} seed={g.category.name} />}
            meta={<span className="muted">{total > 0 ? plural(total, 'album') : ''}</span>}
          />
          <div className="action-bar">
            <PlayButton
              label={`${g.category.name} popular tracks`}
              playing={playing}
              onPlay={() => void player.playQueue(queueItems(g.tracks), 0, context)}
              onPause={() => void player.pause()}
            />
          </div>
          <div className="page-body">
            {g.tracks.length > 0 && (
              <Section title="Popular tracks">
                <CatalogTracks
                  tracks={g.tracks.slice(0, 10)}
                  context={`genre:${id}`}
                  label="Popular tracks"
                  showArt
                  showAlbum
                />
              </Section>
            )}
            {g.artists.length > 0 && (
              <Section title="Artists">
                <CardGrid items={g.artists} label="Artists" render={(a) => <ArtistCard artist={a} />} />
              </Section>
            )}
            {albums.length > 0 && (
              <Section title="Albums">
                <CardGrid items={albums} label="Albums" render={(a) => <AlbumCard album={a} />} />
                {albums.length < total && (
                  <p className="see-all">
                    <button type="button" className="button button-outline" disabled={busy} onClick={loadMore}>
                      Show more
                    </button>
                  </p>
                )}
              </Section>
            )}
          </div>
        </div>
      )}
    </Loading>
  );
}

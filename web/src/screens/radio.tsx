import type { Radio, Track } from '../api/types.js';
import { useApi } from '../api/use-api.js';
import { longDuration, plural } from '../format.js';
import { usePlayerControls, usePlayingContext } from '../player-context.js';
import { RADIO_PAGE, radioContext } from '../queue-continuation.js';
import { queueItems } from '../queue-items.js';
import { Artwork } from '../ui/artwork.js';
import { Empty, Hero, Loading } from '../ui/page.js';
import { PlayButton } from '../ui/play-button.js';
import { CatalogTracks } from '../ui/track-table.js';

/** "With A, B and C": the first few artists of the station, as Spotify's radio header reads. */
function featuring(tracks: Track[]): string {
  const names = [...new Set(tracks.flatMap((t) => t.artists.map((a) => a.name)))].slice(0, 3);
  if (names.length === 0) return '';
  if (names.length === 1) return `With ${names[0]}`;
  return `With ${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** The seed's artwork with Spotify's "Radio" band across it; round for an artist's radio. */
function RadioArt({ seedUri, tracks }: { seedUri: string; tracks: Track[] }) {
  const first = tracks[0];
  return (
    <div className="radio-art">
      <Artwork images={first?.album.images} size={232} seed={seedUri} round={seedUri.startsWith('cadenza:artist:')} />
      <span className="radio-badge" aria-hidden="true">
        Radio
      </span>
    </div>
  );
}

/**
 * A radio station from one seed (`/radio/cadenza:track:…`): its first page of tracks, with a big play
 * button. Playing it makes the station the queue's context; the player fetches further pages itself.
 */
export function RadioScreen({ seedUri }: { seedUri: string }) {
  const load = useApi<Radio>(`/v1/radio?seed_uri=${encodeURIComponent(seedUri)}&limit=${RADIO_PAGE}`);
  const player = usePlayerControls();
  const context = radioContext(seedUri);
  const playing = usePlayingContext(context);
  return (
    <Loading load={load}>
      {(radio) => {
        const total = radio.tracks.reduce((sum, t) => sum + t.duration_ms, 0);
        return (
          <div className="page page-hero">
            <Hero
              seed={seedUri}
              kind="Radio"
              title={radio.name}
              art={<RadioArt seedUri={seedUri} tracks={radio.tracks} />}
              meta={
                <>
                  <span>{featuring(radio.tracks)}</span>
                  <span className="muted">
                    {' '}
                    • {plural(radio.tracks.length, 'song')}
                    {total > 0 && `, ${longDuration(total)}`}
                  </span>
                </>
              }
            />
            <div className="action-bar">
              <PlayButton
                label={radio.name}
                playing={playing}
                onPlay={() => void player.playQueue(queueItems(radio.tracks), 0, context, radio.name)}
                onPause={() => void player.pause()}
              />
            </div>
            <div className="page-body">
              {radio.tracks.length > 0 ? (
                <CatalogTracks
                  tracks={radio.tracks}
                  context={context}
                  contextName={radio.name}
                  label={`${radio.name} tracks`}
                  showAlbum
                  showArt
                />
              ) : (
                <Empty title="Nothing on this station yet">Play a little more music and try again.</Empty>
              )}
            </div>
          </div>
        );
      }}
    </Loading>
  );
}

import { DevicesMenu, RemoteStrip, useRemoteDevice, useReplaced } from '../connect/devices-menu.js';
import { duration } from '../format.js';
import type { PlayerState, RepeatMode } from '../player/index.js';
import { usePlayer } from '../player-context.js';
import { Link } from '../router.js';
import { Artwork } from '../ui/artwork.js';
import { Icon } from '../ui/icons.js';
import { SaveButton } from '../ui/save-button.js';
import { PlaybackSettings } from './playback-settings.js';
import { Slider } from './slider.js';
import { VolumeControl } from './volume-control.js';

const NEXT_REPEAT: Record<RepeatMode, RepeatMode> = { off: 'all', all: 'one', one: 'off' };
const REPEAT_TITLE: Record<RepeatMode, string> = {
  off: 'Repeat: off',
  all: 'Repeat: all',
  one: 'Repeat: one track',
};

/**
 * "vorbis_160" → "OGG 160": the rung, as the quality setting names it (the file's own average bitrate,
 * lower for quiet or simple music, is in the title).
 */
function qualityLabel(s: PlayerState): string {
  if (!s.quality) return s.bitrateKbps ? `${s.bitrateKbps} kbps` : '';
  const [codec = '', rate] = s.quality.split('_');
  const name = { vorbis: 'OGG', aac: 'AAC', flac: 'FLAC', mp3: 'MP3', opus: 'OPUS' }[codec] ?? codec.toUpperCase();
  if (codec === 'flac') return 'FLAC';
  return `${name} ${rate ?? s.bitrateKbps ?? ''}`.trim();
}

function qualityTitle(s: PlayerState): string {
  const parts = [s.quality ?? 'no stream yet'];
  if (s.bitrateKbps) parts.push(`this file ${s.bitrateKbps} kbps on average`);
  parts.push(`${(s.bufferedMs / 1000).toFixed(1)} s buffered`);
  return `Streaming quality: ${parts.join(' · ')}`;
}

/** The bar at the bottom of every screen: what plays, the transport, seek, volume and settings. */
export function NowPlayingBar() {
  const { player, state } = usePlayer();
  const item = state.queue[state.index];
  const playing = state.status === 'playing' || (state.status === 'loading' && state.index >= 0);
  const hasQueue = state.queue.length > 0;
  const total = state.durationMs || item?.durationMs || 0;
  const position = Math.min(state.positionMs, total || state.positionMs);
  const remote = useRemoteDevice();
  const replaced = useReplaced();

  return (
    <section
      className={`now-playing${remote || replaced ? ' has-remote' : ''}`}
      aria-label="Now playing"
      data-testid="now-playing"
      data-status={state.status}
      data-remote={remote ? 'true' : undefined}
    >
      <div className="np-track">
        {item ? (
          <>
            <Link
              to={item.albumId ? `/album/${item.albumId}` : `/track/${item.id}`}
              className="np-art-link"
              aria-label={item.album ? `Album: ${item.album}` : item.title}
              tabIndex={-1}
            >
              <Artwork src={item.image} size={56} seed={item.albumId ?? item.id} className="np-art" />
            </Link>
            <div className="np-text">
              <Link to={`/track/${item.id}`} className="np-title" data-testid="now-playing-title">
                {item.title}
              </Link>
              {item.artistId ? (
                <Link to={`/artist/${item.artistId}`} className="np-artist">
                  {item.artists}
                </Link>
              ) : (
                <span className="np-artist">{item.artists}</span>
              )}
            </div>
            <SaveButton kind="track" id={item.id} name={item.title} />
          </>
        ) : (
          <div className="np-empty">Pick something to play</div>
        )}
      </div>

      <div className="np-center">
        <div className="np-controls">
          <button
            type="button"
            className={`icon-button np-secondary${state.shuffle ? ' is-on' : ''}`}
            aria-label="Shuffle"
            aria-pressed={state.shuffle}
            title={state.shuffle ? 'Shuffle: on' : 'Shuffle: off'}
            onClick={() => player.setShuffle(!state.shuffle)}
          >
            <Icon name="shuffle" size={20} />
          </button>
          <button
            type="button"
            className="icon-button"
            aria-label="Previous"
            title="Previous"
            disabled={!hasQueue}
            onClick={() => void player.previous()}
          >
            <Icon name="previous" size={20} />
          </button>
          <button
            type="button"
            className="play-pause"
            aria-label={playing ? 'Pause' : 'Play'}
            title={playing ? 'Pause' : 'Play'}
            disabled={!hasQueue}
            onClick={() => void player.toggle()}
          >
            <Icon name={playing ? 'pause' : 'play'} size={20} />
          </button>
          <button
            type="button"
            className="icon-button"
            aria-label="Next"
            title="Next"
            disabled={!hasQueue}
            onClick={() => void player.next()}
          >
            <Icon name="next" size={20} />
          </button>
          <button
            type="button"
            className={`icon-button np-secondary repeat${state.repeat !== 'off' ? ' is-on' : ''}`}
            aria-label="Repeat"
            aria-pressed={state.repeat !== 'off'}
            aria-description={REPEAT_TITLE[state.repeat]}
            data-mode={state.repeat}
            title={REPEAT_TITLE[state.repeat]}
            onClick={() => player.setRepeat(NEXT_REPEAT[state.repeat])}
          >
            <Icon name="repeat" size={20} />
            {state.repeat === 'one' && <span className="repeat-one">1</span>}
          </button>
        </div>
        <div className="np-seek">
          <span className="np-time" data-testid="elapsed">
            {duration(position)}
          </span>
          <Slider
            label="Seek"
            className="seek"
            value={position}
            max={total}
            step={1000}
            disabled={!item || total <= 0}
            valueText={(v) => `${duration(v)} of ${duration(total)}`}
            onCommit={(v) => void player.seek(v)}
          />
          <span className="np-time" data-testid="duration">
            {duration(total)}
          </span>
        </div>
      </div>

      <div className="np-side">
        {/* The stream's quality is the playing device's business. */}
        {!remote && (
          <span
            className={`quality${state.quality ? '' : ' is-empty'}`}
            data-testid="quality"
            title={qualityTitle(state)}
            aria-label={qualityTitle(state)}
            role="img"
          >
            {qualityLabel(state) || '—'}
          </span>
        )}
        <Link to="/queue" className="icon-button np-secondary" aria-label="Queue" title="Queue">
          <Icon name="queue" size={20} />
        </Link>
        <DevicesMenu />
        <PlaybackSettings />
        <VolumeControl />
      </div>
      <RemoteStrip />
    </section>
  );
}

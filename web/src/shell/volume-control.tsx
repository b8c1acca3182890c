import { useRef } from 'react';
import { usePlayer } from '../player-context.js';
import { Icon } from '../ui/icons.js';
import { Slider } from './slider.js';

/** Mute toggle (remembers the level it muted from) and the volume slider. */
export function VolumeControl() {
  const { player, state } = usePlayer();
  const beforeMute = useRef(0.8);
  const muted = state.volume === 0;
  return (
    <div className="volume">
      <button
        type="button"
        className="icon-button np-secondary"
        aria-label={muted ? 'Unmute' : 'Mute'}
        title={muted ? 'Unmute' : 'Mute'}
        onClick={() => {
          if (muted) player.setVolume(beforeMute.current || 0.8);
          else {
            beforeMute.current = state.volume;
            player.setVolume(0);
          }
        }}
      >
        <Icon name={muted ? 'mute' : state.volume < 0.5 ? 'volumeLow' : 'volume'} size={20} />
      </button>
      <Slider
        label="Volume"
        className="volume-slider"
        value={Math.round(state.volume * 100)}
        max={100}
        step={1}
        valueText={(v) => `${v}%`}
        onCommit={(v) => player.setVolume(v / 100)}
      />
    </div>
  );
}

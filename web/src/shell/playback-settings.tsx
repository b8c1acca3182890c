import type { CSSProperties } from 'react';
import type { QualityPreference } from '../player/index.js';
import { usePlayer, usePlayerSelect } from '../player-context.js';
import { Icon } from '../ui/icons.js';
import { Popover } from '../ui/popover.js';

const QUALITIES: { value: QualityPreference; label: string }[] = [
  { value: 'low', label: 'Low (24 kbps)' },
  { value: 'normal', label: 'Normal (96 kbps)' },
  { value: 'high', label: 'High (160 kbps)' },
  { value: 'very_high', label: 'Very high (320 kbps)' },
];

/** Crossfade, loudness normalisation, autoplay and streaming quality, in a popover of the now-playing bar. */
export function PlaybackSettings() {
  const { player, state } = usePlayer();
  const { crossfadeSeconds, normalize, quality } = state.settings;
  const autoplay = usePlayerSelect((_, p) => p.autoplay);
  return (
    <Popover
      label="Playback settings"
      buttonClass="icon-button np-secondary"
      buttonContent={<Icon name="settings" size={20} />}
      panelClass="settings-panel"
    >
      <h2 className="popover-title">Playback</h2>
      <label className="setting">
        <span className="setting-name">
          Crossfade <output>{crossfadeSeconds === 0 ? 'Off (gapless)' : `${crossfadeSeconds} s`}</output>
        </span>
        <input
          type="range"
          className="slider"
          aria-label="Crossfade"
          aria-valuetext={`${crossfadeSeconds} seconds`}
          min={0}
          max={12}
          step={1}
          value={crossfadeSeconds}
          style={{ '--fill': `${(crossfadeSeconds / 12) * 100}%` } as CSSProperties}
          onChange={(e) => player.updateSettings({ crossfadeSeconds: Number(e.target.value) })}
        />
      </label>
      <label className="setting setting-row">
        <span className="setting-name">Normalize volume</span>
        <input
          type="checkbox"
          role="switch"
          aria-checked={normalize}
          className="switch"
          aria-label="Normalize volume"
          checked={normalize}
          onChange={(e) => player.updateSettings({ normalize: e.target.checked })}
        />
      </label>
      <div className="setting">
        <label className="setting setting-row">
          <span className="setting-name">Autoplay</span>
          <input
            type="checkbox"
            role="switch"
            aria-checked={autoplay}
            className="switch"
            aria-label="Autoplay"
            checked={autoplay}
            onChange={(e) => player.setAutoplay(e.target.checked)}
          />
        </label>
        <p className="setting-hint">When your music ends, keep listening to similar songs.</p>
      </div>
      <label className="setting">
        <span className="setting-name">Streaming quality</span>
        <select
          className="select"
          aria-label="Streaming quality"
          value={quality}
          onChange={(e) => player.updateSettings({ quality: e.target.value as QualityPreference })}
        >
          {QUALITIES.map((q) => (
            <option key={q.value} value={q.value}>
              {q.label}
            </option>
          ))}
        </select>
      </label>
      <p className="setting-hint">Free accounts stream up to 160 kbps.</p>
    </Popover>
  );
}

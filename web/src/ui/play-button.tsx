import { Icon } from './icons.js';

/** The round green play/pause button of cards and page headers. */
export function PlayButton({
  playing,
  label,
  onPlay,
  onPause,
  size = 'large',
  className = '',
}: {
  playing: boolean;
  /** What is played, e.g. the album's name: the button reads "Play Galway". */
  label: string;
  onPlay: () => void;
  onPause: () => void;
  size?: 'large' | 'small';
  className?: string;
}) {
  return (
    <button
      type="button"
      className={`play-button play-button-${size} ${className}`}
      aria-label={`${playing ? 'Pause' : 'Play'} ${label}`}
      onClick={(e) => {
        e.stopPropagation();
        if (playing) onPause();
        else onPlay();
      }}
    >
      <Icon name={playing ? 'pause' : 'play'} size={size === 'large' ? 28 : 22} />
    </button>
  );
}

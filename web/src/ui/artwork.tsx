import type { Image } from '../api/types.js';
import { hue, imageUrl } from '../format.js';
import { Icon } from './icons.js';

/** Square artwork, or a tinted placeholder with a note when the item has none. */
export function Artwork({
  images,
  src,
  size,
  seed,
  round,
  className = '',
}: {
  images?: Image[];
  src?: string;
  /** Rendered size in CSS px: picks the rendition. */
  size: number;
  /** Id or name that tints the placeholder. */
  seed: string;
  round?: boolean;
  className?: string;
}) {
  const url = src ?? imageUrl(images, size * Math.min(2, window.devicePixelRatio || 1));
  const shape = round ? ' artwork-round' : '';
  if (url) return <img className={`artwork${shape} ${className}`} src={url} alt="" loading="lazy" decoding="async" />;
  const h = hue(seed);
  return (
    <div
      className={`artwork artwork-empty${shape} ${className}`}
      style={{ background: `linear-gradient(135deg, hsl(${h} 45% 32%), hsl(${(h + 40) % 360} 40% 16%))` }}
    >
      <Icon name={round ? 'user' : 'note'} size={Math.max(16, Math.round(size / 3))} />
    </div>
  );
}

import type { Image } from './api/types.js';

/** 3:07, 1:02:03 */
export function duration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** "1 hr 5 min", "14 min 3 sec" */
export function longDuration(ms: number): string {
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  if (h > 0) return `${h} hr ${m} min`;
  return m > 0 ? `${m} min ${total % 60} sec` : `${total} sec`;
}

/** The smallest image at least `size` px wide, else the largest there is. */
export function imageUrl(images: Image[] | undefined, size: number): string | undefined {
  if (!images?.length) return undefined;
  const sorted = [...images].sort((a, b) => (a.width ?? 0) - (b.width ?? 0));
  return (sorted.find((i) => (i.width ?? 0) >= size) ?? sorted[sorted.length - 1])?.url;
}

export const year = (releaseDate: string | null | undefined) =>
  releaseDate && releaseDate !== '0000' ? releaseDate.slice(0, 4) : '';

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

const TYPE_NAMES = { album: 'Album', single: 'Single', compilation: 'Compilation' } as const;
export const albumType = (t: keyof typeof TYPE_NAMES) => TYPE_NAMES[t] ?? 'Album';

/** A stable hue for an id or name, for placeholder artwork and genre tiles. */
export function hue(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) >>> 0;
  return h % 360;
}

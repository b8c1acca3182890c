/** Inline SVG icons (24 × 24, currentColor), decorative: the button around each one carries the label. */

const PATHS = {
  home: 'M12 3 3 10.5V21h6.5v-6h5v6H21V10.5L12 3Zm0 2.6 7 5.8V19h-2.5v-6h-9v6H5v-7.6l7-5.8Z',
  homeFilled: 'M12 3 3 10.5V21h6.5v-6h5v6H21V10.5L12 3Z',
  search:
    'M10.5 3a7.5 7.5 0 0 1 5.96 12.05l4.74 4.74-1.41 1.41-4.74-4.74A7.5 7.5 0 1 1 10.5 3Zm0 2a5.5 5.5 0 1 0 0 11 5.5 5.5 0 0 0 0-11Z',
  library: 'M4 3h2v18H4V3Zm5 0h2v18H9V3Zm4.6 1.2 1.9-.6 5.3 16.9-1.9.6-5.3-16.9Z',
  studio:
    'M12 2a4 4 0 0 1 4 4v5a4 4 0 0 1-8 0V6a4 4 0 0 1 4-4Zm0 2a2 2 0 0 0-2 2v5a2 2 0 0 0 4 0V6a2 2 0 0 0-2-2ZM6 10.5h2A4 4 0 0 0 12 15a4 4 0 0 0 4-4.5h2a6 6 0 0 1-5 5.9V20h3v2H8v-2h3v-3.6a6 6 0 0 1-5-5.9Z',
  play: 'M7 4.5v15a.8.8 0 0 0 1.2.7l12-7.5a.8.8 0 0 0 0-1.4l-12-7.5A.8.8 0 0 0 7 4.5Z',
  pause: 'M6 4h4v16H6V4Zm8 0h4v16h-4V4Z',
  next: 'M5 4.6v14.8a.6.6 0 0 0 .9.5l10.1-7.1V20h2.5V4H16v7.2L5.9 4.1a.6.6 0 0 0-.9.5Z',
  previous: 'M19 4.6v14.8a.6.6 0 0 1-.9.5L8 12.8V20H5.5V4H8v7.2l10.1-7.1a.6.6 0 0 1 .9.5Z',
  shuffle:
    'M17 3.5 21.5 7 17 10.5V8h-1.6a3 3 0 0 0-2.4 1.2l-1.2 1.6-1.2-1.7 1-1.3A5 5 0 0 1 15.4 6H17V3.5ZM2.5 6h3.1a5 5 0 0 1 4 2l5.4 7a3 3 0 0 0 2.4 1.1H17v-2.6l4.5 3.5-4.5 3.5V18h-1.6a5 5 0 0 1-4-2L6 9a3 3 0 0 0-2.4-1H2.5V6Zm0 10h1.1A3 3 0 0 0 6 14.8l1.2-1.6 1.2 1.7-1 1.3A5 5 0 0 1 3.6 18H2.5v-2Z',
  repeat:
    'M7 6h10.5V3.5L21.5 7l-4 3.5V8H7a2 2 0 0 0-2 2v3H3v-3a4 4 0 0 1 4-4Zm14 5v3a4 4 0 0 1-4 4H6.5v2.5L2.5 17l4-3.5V16H17a2 2 0 0 0 2-2v-3h2Z',
  volume:
    'M3 9h4l5-4.5v15L7 15H3V9Zm12.5-1.2a5.5 5.5 0 0 1 0 8.4l-1.4-1.4a3.5 3.5 0 0 0 0-5.6l1.4-1.4Zm2.8-2.8a9.5 9.5 0 0 1 0 14l-1.4-1.4a7.5 7.5 0 0 0 0-11.2L18.3 5Z',
  volumeLow: 'M3 9h4l5-4.5v15L7 15H3V9Zm12.5-1.2a5.5 5.5 0 0 1 0 8.4l-1.4-1.4a3.5 3.5 0 0 0 0-5.6l1.4-1.4Z',
  mute: 'M3 9h4l5-4.5v15L7 15H3V9Zm12.3.1 1.4-1.4 2.3 2.3 2.3-2.3 1.4 1.4-2.3 2.3 2.3 2.3-1.4 1.4-2.3-2.3-2.3 2.3-1.4-1.4 2.3-2.3-2.3-2.3Z',
  queue: 'M3 5h14v2H3V5Zm0 6h14v2H3v-2Zm0 6h9v2H3v-2Zm13 0v-5l5 3.5-5 3.5v-2Z',
  settings:
    'M4 6h9.2a3 3 0 0 1 5.6 0H20v2h-1.2a3 3 0 0 1-5.6 0H4V6Zm12 -0.2a1.2 1.2 0 1 0 0 2.4 1.2 1.2 0 0 0 0-2.4ZM4 16h1.2a3 3 0 0 1 5.6 0H20v2h-9.2a3 3 0 0 1-5.6 0H4v-2Zm4-.2a1.2 1.2 0 1 0 0 2.4 1.2 1.2 0 0 0 0-2.4Z',
  back: 'M15.4 4.6 8 12l7.4 7.4-1.4 1.4L5.2 12 14 3.2l1.4 1.4Z',
  forward: 'm8.6 4.6 1.4-1.4 8.8 8.8-8.8 8.8-1.4-1.4L16 12 8.6 4.6Z',
  plus: 'M11 4h2v7h7v2h-7v7h-2v-7H4v-2h7V4Z',
  upload: 'M11 16V7.8L7.4 11.4 6 10l6-6 6 6-1.4 1.4L13 7.8V16h-2Zm-7 2h2v2h12v-2h2v4H4v-4Z',
  trash: 'M9 3h6l1 2h4v2H4V5h4l1-2ZM6 9h12l-1 12H7L6 9Zm2.2 2 .7 8h6.2l.7-8H8.2Z',
  up: 'm12 7 7 7-1.4 1.4L12 9.8l-5.6 5.6L5 14l7-7Z',
  down: 'm12 17-7-7 1.4-1.4 5.6 5.6 5.6-5.6L19 10l-7 7Z',
  note: 'M9 4h11v11.5a3.5 3.5 0 1 1-2-3.2V8h-7v9.5a3.5 3.5 0 1 1-2-3.2V4Z',
  user: 'M12 3a4.5 4.5 0 1 1 0 9 4.5 4.5 0 0 1 0-9Zm0 11c4.4 0 8 2.2 8 5v2H4v-2c0-2.8 3.6-5 8-5Z',
  logout:
    'M5 3h9v2H5v14h9v2H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2Zm11.6 4.6L21 12l-4.4 4.4-1.4-1.4 2-2H9v-2h8.2l-2-2 1.4-1.4Z',
  close: 'M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12l5.6 5.6-1.4 1.4-5.6-5.6L6.4 19 5 17.6l5.6-5.6L5 6.4 6.4 5Z',
  clock:
    'M12 2a10 10 0 1 1 0 20 10 10 0 0 1 0-20Zm0 2a8 8 0 1 0 0 16 8 8 0 0 0 0-16Zm-1 3h2v4.6l3.5 2-1 1.8-4.5-2.6V7Z',
  image: 'M4 4h16v16H4V4Zm2 2v9.6l3.5-3.5 3 3 2.5-2.5 3 3V6H6Zm9 1.5a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3Z',
} as const;

export type IconName = keyof typeof PATHS;

export function Icon({ name, size = 24, className }: { name: IconName; size?: number; className?: string }) {
  return (
    <svg
      className={className}
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="currentColor"
      aria-hidden="true"
      focusable="false"
    >
      <path fillRule="evenodd" d={PATHS[name]} />
    </svg>
  );
}

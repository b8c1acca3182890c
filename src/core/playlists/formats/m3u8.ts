import { type ExportPlaylist, type ImportEntry, type ImportedPlaylist, oneLine } from './entry.js';

/**
 * Extended M3U in UTF-8: `#EXTINF:<seconds>,<artists> - <title>` then the location. Players read the
 * location; importers (ours included) read the title line when the location means nothing to them.
 */
export function writeM3u8(p: ExportPlaylist): string {
  const lines = ['#EXTM3U', `#PLAYLIST:${oneLine(p.name)}`];
  for (const e of p.entries) {
    const artists = oneLine(e.artists.join(', '));
    lines.push(`#EXTINF:${Math.round(e.durationMs / 1000)},${artists ? `${artists} - ` : ''}${oneLine(e.title)}`);
    lines.push(oneLine(e.location));
  }
  return `${lines.join('\n')}\n`;
}

/** "Artist - Title" → both; a display without the separator is a title alone. */
function splitDisplay(display: string): { artist?: string; title?: string } {
  const at = display.indexOf(' - ');
  if (at < 0) return display ? { title: display } : {};
  return { artist: display.slice(0, at).trim(), title: display.slice(at + 3).trim() };
}

/** A bare path or URL without #EXTINF: "Music/Artist - Title.flac" still names a track. */
function fromLocation(location: string): { artist?: string; title?: string } {
  let name = location.split(/[\\/]/).pop() ?? '';
  try {
    name = decodeURIComponent(name);
  } catch {
    // a stray % is part of the name
  }
  return splitDisplay(name.replace(/\.[A-Za-z0-9]{2,5}$/, '').trim());
}

export function parseM3u8(text: string): ImportedPlaylist {
  const out: ImportedPlaylist = { entries: [] };
  let pending: ImportEntry | undefined;
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    if (line.startsWith('#PLAYLIST:')) {
      out.title = line.slice(10).trim() || undefined;
    } else if (line.startsWith('#EXTINF:')) {
      // #EXTINF:<duration>[ key="value" …],<display>; the display may itself contain commas and quotes.
      const m = /^(-?[\d.]+)?((?:\s+[\w-]+="[^"]*")*)\s*,(.*)$/.exec(line.slice(8));
      const seconds = Number.parseFloat(m?.[1] ?? '');
      pending = {
        line: i + 1,
        ...splitDisplay((m?.[3] ?? '').trim()),
        ...(Number.isFinite(seconds) && seconds > 0 && { durationMs: Math.round(seconds * 1000) }),
      };
    } else if (!line.startsWith('#')) {
      const entry = pending ?? { line: i + 1, ...fromLocation(line) };
      out.entries.push({ ...entry, location: line });
      pending = undefined;
    }
  });
  return out;
}

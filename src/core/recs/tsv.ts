/**
 * Reading the recommendation CLI's tab-separated files. Each has one header line; every error names
 * the file, the line (1-based, the header is line 1) and the field.
 */
import { Invalid } from '../errors.js';
import type { CatalogueRows } from './artists.js';
import { type Interactions, interactionsFromRows } from './matrix.js';

function* rows(text: string, file: string, fields: string[]): Generator<{ cells: string[]; line: number }> {
  const lines = text.split('\n');
  if (lines[0] === undefined || lines[0].trim() === '')
    throw new Invalid(`${file}: empty file, expected a header line`, 'header');
  for (let n = 1; n < lines.length; n++) {
    const raw = lines[n]!.endsWith('\r') ? lines[n]!.slice(0, -1) : lines[n]!;
    if (raw === '') continue;
    const cells = raw.split('\t');
    for (let f = 0; f < fields.length; f++) {
      if (cells[f] === undefined || cells[f] === '')
        throw new Invalid(`${file} line ${n + 1}: missing column ${fields[f]}`, fields[f]);
    }
    yield { cells, line: n + 1 };
  }
}

function number(value: string, file: string, line: number, field: string): number {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Invalid(`${file} line ${line}: ${field} "${value}" is not a number`, field);
  return n;
}

/** user<TAB>item<TAB>weight, weights ≥ 0. */
export function parseInteractions(text: string, file: string): Interactions {
  const users: string[] = [];
  const items: string[] = [];
  const weights: number[] = [];
  for (const { cells, line } of rows(text, file, ['user', 'item', 'weight'])) {
    const weight = number(cells[2]!, file, line, 'weight');
    if (weight < 0) throw new Invalid(`${file} line ${line}: weight ${weight} is negative`, 'weight');
    users.push(cells[0]!);
    items.push(cells[1]!);
    weights.push(weight);
  }
  return interactionsFromRows(users, items, Float32Array.from(weights));
}

/** pid<TAB>pos<TAB>track_uri: each playlist's tracks in position order. */
export function parsePlaylists(text: string, file: string): Map<string, string[]> {
  const byPid = new Map<string, { pos: number; track: string }[]>();
  for (const { cells, line } of rows(text, file, ['pid', 'pos', 'track_uri'])) {
    const pos = number(cells[1]!, file, line, 'pos');
    const list = byPid.get(cells[0]!) ?? [];
    byPid.set(cells[0]!, list);
    list.push({ pos, track: cells[2]! });
  }
  const out = new Map<string, string[]>();
  for (const [pid, list] of byPid)
    out.set(
      pid,
      list.sort((a, b) => a.pos - b.pos).map((e) => e.track),
    );
  return out;
}

/** Playlists as users and tracks as items, weight 1 per entry (a track listed twice counts twice). */
export function playlistsAsInteractions(playlists: Map<string, string[]>): Interactions {
  const users: string[] = [];
  const items: string[] = [];
  for (const [pid, tracks] of playlists) {
    for (const t of tracks) {
      users.push(pid);
      items.push(t);
    }
  }
  return interactionsFromRows(users, items, new Float32Array(users.length).fill(1));
}

/**
 * A catalogue: a header naming its columns, of which track_uri and artist_name are read wherever they
 * stand (other columns, such as track_name, are ignored).
 */
export function parseCatalogue(text: string, file: string): CatalogueRows {
  const header = text.split('\n', 1)[0]!.replace(/\r$/, '').split('\t');
  const columns = ['track_uri', 'artist_name'].map((name) => {
    const at = header.indexOf(name);
    if (at < 0) throw new Invalid(`${file} line 1: the header has no column ${name}`, name);
    return at;
  });
  const tracks: string[] = [];
  const artists: string[] = [];
  for (const { cells, line } of rows(text, file, [])) {
    const [track, artist] = columns.map((at) => cells[at] ?? '');
    if (!track) throw new Invalid(`${file} line ${line}: missing column track_uri`, 'track_uri');
    if (!artist) throw new Invalid(`${file} line ${line}: missing column artist_name`, 'artist_name');
    tracks.push(track);
    artists.push(artist);
  }
  return { tracks, artists };
}

/** One user id per line. */
export function parseUsers(text: string, file: string): string[] {
  return Array.from(rows(text, file, ['user']), (r) => r.cells[0]!);
}

import { type ExportPlaylist, type ImportEntry, type ImportedPlaylist, oneLine } from './entry.js';

/** XSPF 1 (https://xspf.org/spec): title, creator, album, duration (ms), location and identifier per track. */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Text safe inside an element: markup escaped, and the controls XML 1.0 forbids gone. */
export function escapeXml(s: string): string {
  return oneLine(s)
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|[\ufffe\uffff]/g, '')
    .replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

export function writeXspf(p: ExportPlaylist): string {
  const el = (name: string, value: string, indent: string) => `${indent}<${name}>${escapeXml(value)}</${name}>`;
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<playlist version="1" xmlns="http://xspf.org/ns/0/">',
    el('title', p.name, '  '),
    el('creator', p.creator, '  '),
  ];
  if (p.description) out.push(el('annotation', p.description, '  '));
  out.push('  <trackList>');
  for (const e of p.entries) {
    out.push(
      '    <track>',
      el('location', e.location, '      '),
      el('identifier', e.identifier, '      '),
      el('title', e.title, '      '),
      el('creator', e.artists.join(', '), '      '),
      el('album', e.album, '      '),
      el('duration', String(e.durationMs), '      '),
      '    </track>',
    );
  }
  out.push('  </trackList>', '</playlist>', '');
  return out.join('\n');
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Character data of an element: CDATA kept as is, entities decoded; anything else is left alone. */
function textOf(inner: string): string {
  const parts = inner.split(/(<!\[CDATA\[[\s\S]*?\]\]>)/);
  return parts
    .map((part) => {
      if (part.startsWith('<![CDATA[')) return part.slice(9, -3);
      return part.replace(/<[^>]*>/g, '').replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, ref: string) => {
        if (ref[0] !== '#') return NAMED[ref] ?? whole;
        const code = ref[1] === 'x' || ref[1] === 'X' ? Number.parseInt(ref.slice(2), 16) : Number(ref.slice(1));
        return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
      });
    })
    .join('')
    .trim();
}

/** The first `<name>` child of `xml` (namespace prefixes allowed), or undefined. */
const childPatterns = new Map<string, RegExp>();

function child(xml: string, name: string): string | undefined {
  let pattern = childPatterns.get(name);
  if (!pattern) {
    pattern = new RegExp(`<(?:[\\w-]+:)?${name}(?:\\s[^>]*)?>([\\s\\S]*?)</(?:[\\w-]+:)?${name}>`);
    childPatterns.set(name, pattern);
  }
  const m = pattern.exec(xml);
  return m ? textOf(m[1]!) || undefined : undefined;
}

/** Line numbers of increasing offsets, counting each stretch of the text once (a 10,000-track file stays linear). */
function lineCounter(text: string) {
  let at = 0;
  let line = 1;
  return (index: number) => {
    for (; at < index; at++) if (text.charCodeAt(at) === 10) line++;
    return line;
  };
}

/**
 * A tolerant reader for the elements XSPF uses. It never expands DOCTYPE entities (no entity bombs)
 * and ignores extensions; a file without a trackList is refused.
 */
export function parseXspf(text: string): ImportedPlaylist {
  const list = /<(?:[\w-]+:)?trackList(?:\s[^>]*)?>([\s\S]*?)<\/(?:[\w-]+:)?trackList>/.exec(text);
  if (!/<(?:[\w-]+:)?playlist[\s>]/.test(text) || !list) throw new SyntaxError('not an XSPF playlist (no trackList)');
  const head = text.slice(0, list.index);
  const listStart = list.index + list[0].indexOf('>') + 1;
  const entries: ImportEntry[] = [];
  const lineAt = lineCounter(text);
  for (const m of list[1]!.matchAll(/<(?:[\w-]+:)?track(?:\s[^>]*)?>([\s\S]*?)<\/(?:[\w-]+:)?track>/g)) {
    const body = m[1]!;
    const duration = Number(child(body, 'duration'));
    const entry: ImportEntry = { line: lineAt(listStart + m.index) };
    const fields = {
      title: child(body, 'title'),
      artist: child(body, 'creator'),
      album: child(body, 'album'),
      location: child(body, 'location'),
      identifier: child(body, 'identifier'),
    };
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) Object.assign(entry, { [k]: v });
    if (Number.isFinite(duration) && duration > 0) entry.durationMs = Math.round(duration);
    entries.push(entry);
  }
  return { title: child(head, 'title'), entries };
}

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ExportPlaylist } from '../../src/core/playlists/formats/entry.js';
import { parseM3u8, writeM3u8 } from '../../src/core/playlists/formats/m3u8.js';
import { escapeXml, parseXspf, writeXspf } from '../../src/core/playlists/formats/xspf.js';
import { linkedTrackId, matchKey } from '../../src/core/playlists/playlist-transfer.js';

const ID = '4uLU6hMCjMI75M1A2tKUQC';

const playlist: ExportPlaylist = {
  name: 'Late & "Loud"\n#EXTINF:0,injected',
  description: 'for <friends>',
  creator: 'Zoë',
  entries: [
    {
      title: 'Song, With - Dashes',
      artists: ['Punctuation Band', 'Guest'],
      album: 'Marks & Signs',
      durationMs: 201_600,
      location: `https://music.example/track/${ID}`,
      identifier: `cadenza:track:${ID}`,
    },
    {
      title: 'Two\nLines',
      artists: [],
      album: '',
      durationMs: 59_400,
      location: 'https://music.example/track/x',
      identifier: 'cadenza:track:x',
    },
  ],
};

describe('M3U8', () => {
  test('writes #EXTINF with whole seconds and "artists - title", one line per field', () => {
    assert.equal(
      writeM3u8(playlist),
      [
        '#EXTM3U',
        '#PLAYLIST:Late & "Loud" #EXTINF:0,injected',
        '#EXTINF:202,Punctuation Band, Guest - Song, With - Dashes',
        `https://music.example/track/${ID}`,
        '#EXTINF:59,Two Lines',
        'https://music.example/track/x',
        '',
      ].join('\n'),
    );
  });

  test('reads back what it writes', () => {
    const read = parseM3u8(writeM3u8(playlist));
    assert.equal(read.title, 'Late & "Loud" #EXTINF:0,injected');
    assert.deepEqual(read.entries, [
      {
        line: 3,
        artist: 'Punctuation Band, Guest',
        title: 'Song, With - Dashes',
        durationMs: 202_000,
        location: `https://music.example/track/${ID}`,
      },
      { line: 5, title: 'Two Lines', durationMs: 59_000, location: 'https://music.example/track/x' },
    ]);
  });

  test('reads attributes, CRLF, a BOM and bare paths named "Artist - Title"', () => {
    const text =
      '\uFEFF#EXTM3U\r\n#EXTINF:-1 tvg-id="a,b" logo="x",Artist, Jr. - Title\r\nhttp://x/1.mp3\r\n\r\n# comment\r\nMusic/Björk%20-%20J%C3%B3ga.flac\r\n';
    assert.deepEqual(parseM3u8(text).entries, [
      { line: 2, artist: 'Artist, Jr.', title: 'Title', location: 'http://x/1.mp3' },
      { line: 6, artist: 'Björk', title: 'Jóga', location: 'Music/Björk%20-%20J%C3%B3ga.flac' },
    ]);
  });
});

describe('XSPF', () => {
  test('escapes markup and quotes and drops characters XML cannot hold', () => {
    assert.equal(escapeXml(`a<b>&"c"'d'\u0001\ud800e`), 'a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos; e');
    const xml = writeXspf(playlist);
    assert.match(
      xml,
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<playlist version="1" xmlns="http:\/\/xspf.org\/ns\/0\/">/,
    );
    assert.match(xml, /<title>Late &amp; &quot;Loud&quot; #EXTINF:0,injected<\/title>/);
    assert.match(xml, /<annotation>for &lt;friends&gt;<\/annotation>/);
    assert.match(xml, /<album>Marks &amp; Signs<\/album>\n\s*<duration>201600<\/duration>/);
    assert.doesNotMatch(xml, /<friends>|& /);
  });

  test('reads back what it writes', () => {
    const read = parseXspf(writeXspf(playlist));
    assert.equal(read.title, 'Late & "Loud" #EXTINF:0,injected');
    assert.deepEqual(read.entries[0], {
      line: 7,
      title: 'Song, With - Dashes',
      artist: 'Punctuation Band, Guest',
      album: 'Marks & Signs',
      location: `https://music.example/track/${ID}`,
      identifier: `cadenza:track:${ID}`,
      durationMs: 201_600,
    });
    assert.equal(read.entries[1]?.title, 'Two Lines');
  });

  test('reads prefixes, CDATA and character references; never expands DOCTYPE entities', () => {
    const text = `<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY boom "BOOM">]>
<x:playlist xmlns:x="http://xspf.org/ns/0/"><x:title>T&#233;st</x:title>
<x:trackList>
  <x:track><x:title><![CDATA[<raw> & kept]]></x:title><x:creator>A &#x26; B &boom;</x:creator></x:track>
</x:trackList></x:playlist>`;
    const read = parseXspf(text);
    assert.equal(read.title, 'Tést');
    assert.deepEqual(read.entries, [{ line: 5, title: '<raw> & kept', artist: 'A & B &boom;' }]);
  });

  test('refuses what is not XSPF', () => {
    assert.throws(() => parseXspf('<html><body>hi</body></html>'), /XSPF/);
  });
});

describe('matching helpers', () => {
  test('track links and uris name a track; other ids do not', () => {
    assert.equal(linkedTrackId(`cadenza:track:${ID}`), ID);
    assert.equal(linkedTrackId(`https://music.example/track/${ID}?si=1`), ID);
    assert.equal(linkedTrackId(`https://music.example/v1/tracks/${ID}`), ID);
    assert.equal(linkedTrackId(`https://music.example/album/${ID}`), undefined);
    assert.equal(linkedTrackId(`cadenza:track:${ID}x`), undefined);
  });

  test('names compare without case, accents or punctuation', () => {
    assert.equal(matchKey('Beyoncé — HALO!'), matchKey('beyonce halo'));
    assert.equal(matchKey('Straße'), matchKey('STRASSE'));
    assert.notEqual(matchKey('Halo'), matchKey('Hallo'));
  });
});

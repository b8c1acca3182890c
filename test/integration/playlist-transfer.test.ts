import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { insertCatalog } from '../helpers/catalog-fixtures.js';
import { type Account, addTracks, createPlaylist } from '../helpers/playlists.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let owner: Account;
let other: Account;
let tracks: Map<string, { track: string }>;

// Names that a naive writer breaks: markup, quotes, commas and dashes, accents, a line break.
const ORDER = ['Rock & Roll <Live> "Take 2"', 'Jóga', 'Song, With - Dashes', 'Halo', 'Line\nBreak', 'Jóga'];

before(async () => {
  server = await startTestServer();
  [owner, other] = await Promise.all([server.account(), server.account()]);
  tracks = await insertCatalog(server.services.database.db, [
    { name: 'Halo', artist: 'Beyoncé', album: 'I Am… Sasha Fierce' },
    { name: 'Rock & Roll <Live> "Take 2"', artist: 'Led Zeppelin', album: 'How the West Was Won' },
    { name: 'Jóga', artist: 'Björk', album: 'Homogenic' },
    { name: 'Intro', artist: 'The xx', album: 'xx' },
    { name: 'Song, With - Dashes', artist: 'Punctuation Band', album: 'Marks' },
    { name: 'Line\nBreak', artist: 'Odd Names', album: 'Odd' },
  ]);
  // A second "Intro" by someone else, so a title alone is ambiguous.
  await insertCatalog(server.services.database.db, [{ name: 'Intro', artist: 'M83', album: 'Hurry Up' }]);
});
after(() => server.close());

async function playlistWith(names: string[], isPublic = true) {
  const pid = await createPlaylist(server, owner, { name: 'Export me', public: isPublic });
  assert.equal(
    await addTracks(
      server,
      pid,
      owner,
      names.map((n) => tracks.get(n)!.track),
    ),
    201,
  );
  return pid;
}

async function importFile(format: string, body: string, name = 'Imported', token = other.token) {
  const r = await server.json(`/v1/me/playlists/import?format=${format}&name=${encodeURIComponent(name)}`, {
    method: 'POST',
    token,
    headers: { 'Content-Type': 'text/plain' },
    body,
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

async function trackIds(playlistId: string, token: string): Promise<string[]> {
  const r = await server.json(`/v1/playlists/${playlistId}/tracks`, { token });
  return r.body.items.map((i: { track: { id: string } }) => i.track.id);
}

describe('export and import', () => {
  for (const format of ['m3u8', 'xspf']) {
    test(`${format}: export then import keeps every track in order`, async () => {
      const source = await playlistWith(ORDER);
      const res = await server.request(`/v1/playlists/${source}/export?format=${format}`, { token: other.token });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type')!, format === 'm3u8' ? /mpegurl/ : /xspf\+xml/);
      assert.match(res.headers.get('content-disposition')!, new RegExp(`filename="Export me\\.${format}"`));
      const file = await res.text();
      const report = await importFile(format, file);
      assert.deepEqual([report.matched, report.unmatched], [ORDER.length, []]);
      assert.equal(report.playlist.tracks.total, ORDER.length);
      assert.equal(report.playlist.owner.id, other.id);
      assert.deepEqual(await trackIds(report.playlist.id, other.token), await trackIds(source, owner.token));
    });
  }

  test('m3u8 lines read as Spotify clients and other players write them', async () => {
    const source = await playlistWith(['Halo']);
    const m3u8 = await (
      await server.request(`/v1/playlists/${source}/export?format=m3u8`, { token: owner.token })
    ).text();
    const lines = m3u8.trim().split('\n');
    assert.deepEqual(lines.slice(0, 3), ['#EXTM3U', '#PLAYLIST:Export me', '#EXTINF:200,Beyoncé - Halo']);
    assert.equal(lines[3], `${server.url}/track/${tracks.get('Halo')!.track}`);
  });

  test('xspf is well-formed XML with every field escaped', async () => {
    const source = await playlistWith(['Rock & Roll <Live> "Take 2"', 'Line\nBreak']);
    const xml = await (
      await server.request(`/v1/playlists/${source}/export?format=xspf`, { token: owner.token })
    ).text();
    assert.match(xml, /<title>Rock &amp; Roll &lt;Live&gt; &quot;Take 2&quot;<\/title>/);
    assert.match(xml, /<creator>Led Zeppelin<\/creator>/);
    assert.match(xml, /<album>How the West Was Won<\/album>/);
    assert.match(xml, /<duration>200000<\/duration>/);
    const rock = tracks.get('Rock & Roll <Live> "Take 2"')!.track;
    assert.match(
      xml,
      new RegExp(`<location>${server.url}/track/${rock}</location>\\s*<identifier>cadenza:track:${rock}<`),
    );
    assert.match(xml, /<title>Line Break<\/title>/);
    assert.doesNotMatch(xml, /<Live>|& /);
  });

  test('entries match by artist and title without case, accents or punctuation; the rest is reported', async () => {
    const file = [
      '#EXTM3U',
      '#EXTINF:210,BEYONCE - halo',
      '/music/whatever.mp3',
      '#EXTINF:300,Bjork - JOGA',
      'file.flac',
      '#EXTINF:100,Nobody - Nothing At All',
      'nothing.mp3',
      'Punctuation Band - Song With Dashes.flac',
      '#EXTINF:90,Intro',
      'intro.mp3',
      `#EXTINF:1,Someone - Gone`,
      'cadenza:track:0000000000000000000000',
      '#EXTINF:200,The xx - Intro',
      'x.mp3',
    ].join('\r\n');
    const report = await importFile('m3u8', file, 'Mixed');
    assert.equal(report.matched, 4);
    assert.deepEqual(
      report.unmatched.map((u: { line: number; reason: string }) => [u.line, u.reason]),
      [
        [6, 'no track "Nothing At All" by "Nobody"'],
        [9, 'several artists have a track titled "Intro"; name the artist'],
        [11, 'no track "Gone" by "Someone"'],
      ],
    );
    const names = ['Halo', 'Jóga', 'Song, With - Dashes', 'Intro'].map((n) => tracks.get(n)!.track);
    assert.deepEqual(await trackIds(report.playlist.id, other.token), names);
    assert.equal(report.playlist.name, 'Mixed');
  });

  test('an import longer than one request adds every track, in file order', async () => {
    const names = Array.from({ length: 150 }, (_, i) => `Bulk ${String(150 - i).padStart(3, '0')}`);
    const bulk = await insertCatalog(
      server.services.database.db,
      names.map((name) => ({ name, artist: 'Bulk Artist' })),
    );
    const file = ['#EXTM3U', ...names.map((n) => `cadenza:track:${bulk.get(n)!.track}`)].join('\n');
    const report = await importFile('m3u8', file, 'Bulk');
    assert.deepEqual([report.matched, report.unmatched.length, report.playlist.tracks.total], [150, 0, 150]);
    const page = await server.json(`/v1/playlists/${report.playlist.id}/tracks?offset=100&limit=50`, {
      token: other.token,
    });
    const expected = names.slice(100).map((n) => bulk.get(n)!.track);
    assert.deepEqual(
      page.body.items.map((i: { track: { id: string } }) => i.track.id),
      expected,
    );
  });

  test('a private playlist cannot be exported by others; a broken file is refused', async () => {
    const secret = await playlistWith(['Halo'], false);
    assert.equal(
      (await server.request(`/v1/playlists/${secret}/export?format=xspf`, { token: other.token })).status,
      404,
    );
    const broken = await server.json('/v1/me/playlists/import?format=xspf', {
      method: 'POST',
      token: other.token,
      headers: { 'Content-Type': 'application/xml' },
      body: '<html>not a playlist</html>',
    });
    assert.equal(broken.status, 400);
    assert.match(broken.body.error.message, /XSPF/);
    const empty = await server.json('/v1/me/playlists/import?format=m3u8', {
      method: 'POST',
      token: other.token,
      headers: { 'Content-Type': 'text/plain' },
      body: '#EXTM3U\n',
    });
    assert.equal(empty.status, 400);
  });
});
